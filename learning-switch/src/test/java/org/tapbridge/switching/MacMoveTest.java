package org.tapbridge.switching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.tapbridge.switching.LearningSwitch.NO_GROUP;
import static org.tapbridge.switching.Macs.A;
import static org.tapbridge.switching.Macs.B;
import static org.tapbridge.switching.Macs.BROADCAST;
import static org.tapbridge.switching.Macs.T0;
import static org.tapbridge.switching.Macs.millis;

import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MacMoveTest {
    private RecordingLogger log;
    private LearningSwitch sw;

    @BeforeEach
    void threePorts() {
        log = new RecordingLogger();
        sw = new LearningSwitch(SwitchSettings.defaults(), log);
        sw.addPort(1, NO_GROUP);
        sw.addPort(2, NO_GROUP);
        sw.addPort(3, NO_GROUP);
    }

    private MacTableEntry entryOf(long mac, long nowNs) {
        return sw.dump(nowNs).stream().filter(entry -> entry.mac() == mac).findFirst().orElseThrow();
    }

    @Test
    void aMacSeenOnANewPortMovesThere() {
        sw.forward(1, 0, A, BROADCAST, T0);
        sw.forward(2, 0, A, BROADCAST, T0 + 1);
        assertEquals(2, sw.forward(3, 0, B, A, T0 + 2));
        assertEquals(1, sw.snapshot().moved(2));
        assertEquals(1, entryOf(A, T0 + 2).moveCount());
        assertEquals(0, sw.dynamicEntryCount(1));
        assertEquals(1, sw.dynamicEntryCount(2));
    }

    @Test
    void aMoveWithinTheDampingIntervalIsRefusedAndCountedAsAFlap() {
        sw.forward(1, 0, A, BROADCAST, T0);
        sw.forward(2, 0, A, BROADCAST, T0 + millis(10));
        sw.forward(1, 0, A, BROADCAST, T0 + millis(10) + millis(999));
        assertEquals(2, sw.forward(3, 0, B, A, T0 + millis(1_100)), "A stays on port 2");
        assertEquals(1, sw.snapshot().flapped(1));
        MacTableEntry entry = entryOf(A, T0 + millis(1_100));
        assertEquals(1, entry.flapCount());
        assertEquals(1, entry.moveCount());
        assertEquals(1, log.count("flaps between port 2 and port 1"), log.lines.toString());
    }

    @Test
    void aMoveExactlyOneDampingIntervalAfterTheLastIsAccepted() {
        sw.forward(1, 0, A, BROADCAST, T0);
        sw.forward(2, 0, A, BROADCAST, T0 + millis(10));
        sw.forward(1, 0, A, BROADCAST, T0 + millis(10) + millis(1_000));
        assertEquals(1, sw.forward(3, 0, B, A, T0 + millis(1_100)));
        assertEquals(0, sw.snapshot().flapped(1));
        assertEquals(2, entryOf(A, T0 + millis(1_100)).moveCount());
    }

    @Test
    void flapsAreExposedPerMacSoALoopCanBeFound() {
        sw.forward(1, 0, A, BROADCAST, T0);
        sw.forward(1, 0, B, BROADCAST, T0);
        sw.forward(2, 0, A, BROADCAST, T0 + 1);
        for (int i = 0; i < 50; i++) {
            sw.forward(i % 2 == 0 ? 1 : 2, 0, A, BROADCAST, T0 + 2 + i);
        }
        assertEquals(25, entryOf(A, T0 + 100).flapCount(), "every return to port 1 was refused");
        assertEquals(0, entryOf(B, T0 + 100).flapCount());
        assertEquals(1, log.count("flaps"), "rate-limited");
        assertEquals(List.of(A), sw.flappingEntries(T0 + 100).stream().map(MacTableEntry::mac).toList());
    }

    @Test
    void zeroDampingAcceptsEveryMove() {
        LearningSwitch undamped = new LearningSwitch(SwitchSettings.builder().moveDampingMillis(0).build());
        undamped.addPort(1, NO_GROUP);
        undamped.addPort(2, NO_GROUP);
        for (int i = 0; i < 10; i++) {
            undamped.forward(1 + i % 2, 0, A, BROADCAST, T0 + i);
        }
        assertEquals(9, undamped.snapshot().total(SwitchCounters.MOVED));
        assertEquals(0, undamped.snapshot().total(SwitchCounters.FLAPPED));
    }

    @Test
    void aStaticEntryNeverMovesAndTheConflictIsCounted() {
        sw.addStaticEntry(0, A, 1);
        sw.forward(2, 0, A, BROADCAST, T0);
        assertEquals(1, sw.forward(3, 0, B, A, T0 + 1));
        assertEquals(1, sw.snapshot().value(2, SwitchCounters.STATIC_CONFLICT));
        assertEquals(0, sw.snapshot().moved(2));
    }
}
