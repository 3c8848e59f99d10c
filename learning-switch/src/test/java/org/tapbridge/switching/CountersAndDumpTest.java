package org.tapbridge.switching;

import org.tapbridge.drops.DropReason;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.switching.LearningSwitch.NO_GROUP;
import static org.tapbridge.switching.Macs.A;
import static org.tapbridge.switching.Macs.B;
import static org.tapbridge.switching.Macs.BROADCAST;
import static org.tapbridge.switching.Macs.C;
import static org.tapbridge.switching.Macs.T0;
import static org.tapbridge.switching.Macs.millis;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class CountersAndDumpTest {

    private static LearningSwitch threePorts() {
        LearningSwitch sw = new LearningSwitch(SwitchSettings.defaults());
        sw.addPort(1, NO_GROUP);
        sw.addPort(2, NO_GROUP);
        return sw;
    }

    @Test
    void aSnapshotIsACopyThatLaterFramesDoNotChange() {
        LearningSwitch sw = threePorts();
        sw.forward(1, 0, A, BROADCAST, T0);
        SwitchCounters.Snapshot before = sw.snapshot();
        sw.forward(1, 0, A, BROADCAST, T0);
        assertEquals(1, before.framesIn(1));
        assertEquals(2, sw.snapshot().framesIn(1));
        assertEquals(2, sw.counters().value(1, SwitchCounters.FRAMES_IN));
    }

    @Test
    void everyFrameInEndsForwardedFloodedOrDropped() {
        LearningSwitch sw = threePorts();
        long[] destinations = {A, B, C, BROADCAST, 0x01_80_C2_00_00_02L};
        long[] sources = {A, B, C, 0L, BROADCAST};
        int frames = 0;
        for (int port = 0; port <= 2; port++) {
            for (long source : sources) {
                for (long destination : destinations) {
                    sw.forward(port, 0, source, destination, T0 + frames++);
                }
            }
        }
        SwitchCounters.Snapshot counters = sw.snapshot();
        for (int port = 0; port <= 2; port++) {
            assertEquals(counters.framesIn(port),
                    counters.forwarded(port) + counters.flooded(port) + counters.dropped(port), "port " + port);
        }
        assertEquals(frames, counters.total(SwitchCounters.FRAMES_IN));
        assertEquals(counters.totalDropped(), counters.total(SwitchCounters.FRAMES_IN)
                - counters.total(SwitchCounters.FORWARDED) - counters.total(SwitchCounters.FLOODED));
    }

    @Test
    void snapshotNamesEveryCounterAndReasonForOperators() {
        LearningSwitch sw = threePorts();
        sw.forward(1, 0, 0L, B, T0);
        sw.forward(9, 0, A, B, T0);
        Map<String, Long> values = sw.snapshot().toMap();
        assertEquals(1L, values.get("port.1.dropped.invalid-source"));
        assertEquals(1L, values.get("total.dropped.unknown-ingress-port"));
        assertEquals(2L, values.get("total.dropped"));
        assertEquals(0L, values.get("port.2.limit-hit"));
        assertTrue(sw.snapshot().toString().contains("port.1.dropped.invalid-source 1"));
        Set<String> names = new HashSet<>();
        for (int counter = 0; counter < SwitchCounters.COUNT; counter++) {
            assertTrue(names.add(SwitchCounters.name(counter)));
        }
        for (int reason = 0; reason < DropReason.COUNT; reason++) {
            assertTrue(names.add(DropReason.name(reason)));
            assertFalse(DropReason.describe(reason).startsWith("unknown"));
        }
    }

    @Test
    void snapshotKeepsTheRowsOfRemovedPorts() {
        LearningSwitch sw = threePorts();
        sw.forward(2, 0, A, BROADCAST, T0);
        sw.removePort(2);
        assertArrayEquals(new int[] {0, 1, 2}, sw.snapshot().ports());
        assertEquals(1, sw.snapshot().framesIn(2));
    }

    @Test
    void dumpShowsVlanMacPortAgeTypeAndMovesSortedByVlanThenMac() {
        LearningSwitch sw = threePorts();
        sw.forward(2, 7, C, BROADCAST, T0);
        sw.forward(1, 0, B, BROADCAST, T0);
        sw.forward(2, 0, B, BROADCAST, T0 + millis(500));
        sw.addStaticEntry(0, A, 2);
        List<MacTableEntry> dump = sw.dump(T0 + millis(1_500));
        assertEquals(List.of(
                new MacTableEntry(0, A, 2, 0, true, 0, 0),
                new MacTableEntry(0, B, 2, 1_000, false, 1, 0),
                new MacTableEntry(7, C, 2, 1_500, false, 0, 0)), dump);
        assertEquals("0     02:00:00:00:00:0b     2       1000 dynamic      1      0", dump.get(1).toString());
        assertTrue(MacTableEntry.HEADER.startsWith("VLAN  MAC"));
        String table = MacTableEntry.format(dump);
        assertEquals(4, table.lines().count());
        assertTrue(table.lines().skip(1).allMatch(line -> line.length() == MacTableEntry.HEADER.length()), table);
    }
}
