package org.tapbridge.switching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.switching.LearningSwitch.DROP;
import static org.tapbridge.switching.LearningSwitch.FLOOD;
import static org.tapbridge.switching.LearningSwitch.NO_GROUP;
import static org.tapbridge.switching.Macs.A;
import static org.tapbridge.switching.Macs.B;
import static org.tapbridge.switching.Macs.BROADCAST;
import static org.tapbridge.switching.Macs.C;
import static org.tapbridge.switching.Macs.T0;
import static org.tapbridge.switching.Macs.millis;
import static org.tapbridge.switching.Macs.seconds;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tapbridge.drops.DropReason;

/** Issue 11, defect 4b: unknown unicast floods to every peer, so each ingress port gets a token bucket. */
class UnknownUnicastLimitTest {
    private static final long ABSENT = 0x02_AB_00_00_00_01L;

    private RecordingLogger log;
    private LearningSwitch sw;

    @BeforeEach
    void hundredPerSecondBurstTen() {
        log = new RecordingLogger();
        sw = new LearningSwitch(SwitchSettings.builder().unknownUnicastPacketsPerSecond(100).unknownUnicastBurst(10)
                .build(), log);
        sw.addPort(1, NO_GROUP);
        sw.addPort(2, NO_GROUP);
    }

    private static int flooded(LearningSwitch sw, int port, long destination, int frames, long nowNs) {
        int flooded = 0;
        for (int i = 0; i < frames; i++) {
            flooded += sw.forward(port, 0, A, destination, nowNs) == FLOOD ? 1 : 0;
        }
        return flooded;
    }

    @Test
    void dropsUnknownUnicastBeyondTheBurstAndCountsTheDrops() {
        assertEquals(10, flooded(sw, 1, ABSENT, 25, T0));
        assertEquals(DROP, sw.forward(1, 0, A, ABSENT, T0));
        assertEquals(DropReason.UNKNOWN_UNICAST_LIMIT, sw.lastDropReason());
        assertEquals(16, sw.snapshot().dropped(1, DropReason.UNKNOWN_UNICAST_LIMIT));
        assertEquals(1, log.count("dropping unknown unicast from port 1 above unknown-unicast-pps=100"),
                log.lines.toString());
    }

    @Test
    void refillsAtTheConfiguredRate() {
        flooded(sw, 1, ABSENT, 10, T0);
        assertEquals(0, flooded(sw, 1, ABSENT, 1, T0 + millis(10) - 1));
        assertEquals(1, flooded(sw, 1, ABSENT, 5, T0 + millis(10)), "one token per 10 ms");
        assertEquals(10, flooded(sw, 1, ABSENT, 1_000, T0 + seconds(60)), "a full bucket holds only the burst");
    }

    @Test
    void knownUnicastAndBroadcastSpendNoUnknownUnicastTokens() {
        sw.forward(2, 0, B, BROADCAST, T0);
        for (int i = 0; i < 1_000; i++) {
            assertEquals(2, sw.forward(1, 0, A, B, T0));
        }
        assertEquals(10, flooded(sw, 1, BROADCAST, 10, T0));
        assertEquals(10, flooded(sw, 1, ABSENT, 20, T0), "the whole burst is still there");
    }

    @Test
    void eachPortHasItsOwnBucket() {
        assertEquals(10, flooded(sw, 1, ABSENT, 20, T0));
        assertEquals(10, flooded(sw, 2, ABSENT, 20, T0));
    }

    @Test
    void aDestinationThatAgedOutIsUnknownUnicastToo() {
        sw.forward(2, 0, C, BROADCAST, T0);
        assertEquals(10, flooded(sw, 1, C, 20, T0 + seconds(300)));
    }

    @Test
    void theDefaultCarriesAOneWayFlowToASilentHostAtEightThousandFramesASecond() {
        LearningSwitch defaults = new LearningSwitch(SwitchSettings.defaults(), new RecordingLogger());
        defaults.addPort(1, NO_GROUP);
        int frames = 0;
        // Syslog/NetFlow to a collector that never sends: every frame is unknown unicast, for 10 s.
        for (long t = 0; t < seconds(10); t += 125_000) {
            assertEquals(FLOOD, defaults.forward(0, 0, A, ABSENT, T0 + t), "frame " + frames);
            frames++;
        }
        assertEquals(80_000, frames);
    }

    @Test
    void theDefaultCutsAHostSprayingUnknownUnicastAtLineRate() {
        LearningSwitch defaults = new LearningSwitch(SwitchSettings.defaults(), new RecordingLogger());
        defaults.addPort(1, NO_GROUP);
        int passed = 0;
        // 1.48 million minimum-size frames a second, for 2 s.
        for (long t = 0; t < seconds(2); t += 675) {
            passed += defaults.forward(0, 0, A, ABSENT + (t & 0xFFFF), T0 + t) == FLOOD ? 1 : 0;
        }
        assertEquals(10_000 + 2 * 10_000, passed, 2, "the burst plus 10 000 a second");
        assertTrue(defaults.snapshot().dropped(0, DropReason.UNKNOWN_UNICAST_LIMIT) > 2_900_000);
    }

    @Test
    void zeroPacketsPerSecondTurnsTheLimitOff() {
        LearningSwitch off = new LearningSwitch(SwitchSettings.builder().unknownUnicastPacketsPerSecond(0)
                .unknownUnicastBurst(0).build());
        off.addPort(1, NO_GROUP);
        for (int i = 0; i < 100_000; i++) {
            assertEquals(FLOOD, off.forward(0, 0, A, ABSENT, T0));
        }
    }

    @Test
    void aFloodThatReachesNoPortSpendsNoToken() {
        LearningSwitch alone = new LearningSwitch(SwitchSettings.builder().unknownUnicastPacketsPerSecond(100)
                .unknownUnicastBurst(10).build());
        for (int i = 0; i < 50; i++) {
            alone.forward(0, 0, A, ABSENT, T0);
        }
        assertEquals(50, alone.snapshot().dropped(0, DropReason.NO_FLOOD_TARGETS));
        alone.addPort(1, NO_GROUP);
        assertEquals(10, flooded(alone, 0, ABSENT, 20, T0));
    }
}
