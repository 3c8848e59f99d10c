package org.tapbridge.switching;

import org.tapbridge.drops.DropReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.tapbridge.switching.LearningSwitch.DROP;
import static org.tapbridge.switching.LearningSwitch.FLOOD;
import static org.tapbridge.switching.LearningSwitch.NO_GROUP;
import static org.tapbridge.switching.Macs.A;
import static org.tapbridge.switching.Macs.B;
import static org.tapbridge.switching.Macs.BROADCAST;
import static org.tapbridge.switching.Macs.MULTICAST;
import static org.tapbridge.switching.Macs.T0;
import static org.tapbridge.switching.Macs.millis;
import static org.tapbridge.switching.Macs.seconds;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StormControlTest {
    private RecordingLogger log;
    private LearningSwitch sw;

    @BeforeEach
    void hundredPerSecondBurstTen() {
        log = new RecordingLogger();
        sw = new LearningSwitch(SwitchSettings.builder().stormControlPacketsPerSecond(100).stormControlBurst(10).build(),
                log);
        sw.addPort(1, NO_GROUP);
        sw.addPort(2, NO_GROUP);
    }

    private int passed(int port, long destination, int frames, long nowNs) {
        int passed = 0;
        for (int i = 0; i < frames; i++) {
            passed += sw.forward(port, 0, A, destination, nowNs) == FLOOD ? 1 : 0;
        }
        return passed;
    }

    @Test
    void dropsBroadcastAndMulticastBeyondTheBurst() {
        assertEquals(10, passed(1, BROADCAST, 6, T0) + passed(1, MULTICAST, 6, T0));
        assertEquals(DROP, sw.forward(1, 0, A, BROADCAST, T0));
        assertEquals(DropReason.STORM_CONTROL, sw.lastDropReason());
        assertEquals(3, sw.snapshot().dropped(1, DropReason.STORM_CONTROL));
        assertEquals(1, log.count("storm control dropping broadcast/multicast from port 1"));
    }

    @Test
    void refillsAtTheConfiguredRate() {
        passed(1, BROADCAST, 10, T0);
        assertEquals(0, passed(1, BROADCAST, 1, T0 + millis(10) - 1));
        assertEquals(1, passed(1, BROADCAST, 5, T0 + millis(10)), "one token per 10 ms");
        assertEquals(10, passed(1, BROADCAST, 1_000, T0 + seconds(60)), "a full bucket holds only the burst");
    }

    @Test
    void aSustainedStormPassesAtTheConfiguredRate() {
        int passedFrames = 0;
        // 10 000 frames a second for 10 s.
        for (long t = 0; t < seconds(10); t += millis(1) / 10) {
            passedFrames += passed(1, BROADCAST, 1, T0 + t);
        }
        assertEquals(10 + 100 * 10, passedFrames, 1);
    }

    @Test
    void eachPortHasItsOwnBucket() {
        assertEquals(10, passed(1, BROADCAST, 20, T0));
        assertEquals(10, passed(2, BROADCAST, 20, T0));
    }

    @Test
    void unknownUnicastIsNotLimited() {
        assertEquals(100, passed(1, B, 100, T0));
    }

    @Test
    void zeroPacketsPerSecondTurnsStormControlOff() {
        LearningSwitch off = new LearningSwitch(SwitchSettings.builder().stormControlPacketsPerSecond(0).build());
        off.addPort(1, NO_GROUP);
        for (int i = 0; i < 100_000; i++) {
            assertEquals(FLOOD, off.forward(0, 0, A, BROADCAST, T0));
        }
    }
}
