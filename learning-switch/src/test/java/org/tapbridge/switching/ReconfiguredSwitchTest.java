package org.tapbridge.switching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.switching.LearningSwitch.FLOOD;
import static org.tapbridge.switching.LearningSwitch.LOCAL_PORT;
import static org.tapbridge.switching.LearningSwitch.MESH_GROUP;
import static org.tapbridge.switching.LearningSwitch.NO_GROUP;
import static org.tapbridge.switching.Macs.A;
import static org.tapbridge.switching.Macs.B;
import static org.tapbridge.switching.Macs.C;
import static org.tapbridge.switching.Macs.T0;
import static org.tapbridge.switching.Macs.mac;
import static org.tapbridge.switching.Macs.seconds;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A switch rebuilt with new limits on a live reload keeps its ports, entries and counters. */
class ReconfiguredSwitchTest {
    private static final long UNKNOWN = 0x02_FF_FF_FF_FF_FEL;

    private static LearningSwitch learnedSwitch() {
        LearningSwitch sw = new LearningSwitch(SwitchSettings.defaults(), new RecordingLogger(), 42L);
        sw.addPort(1, MESH_GROUP);
        sw.addPort(2, MESH_GROUP);
        sw.addPort(3, NO_GROUP);
        sw.addStaticEntry(0, C, 3);
        sw.forward(1, 0, A, UNKNOWN, T0);
        sw.forward(LOCAL_PORT, 7, B, A, T0 + seconds(1));
        return sw;
    }

    @Test
    void keepsPortsGroupsEntriesAndCountersUnderNewLimits() {
        LearningSwitch before = learnedSwitch();
        List<MacTableEntry> entries = before.dump(T0 + seconds(2));
        SwitchCounters.Snapshot counters = before.snapshot();
        LearningSwitch after = before.reconfigured(SwitchSettings.builder().macTableLimit(1000).macAgingSeconds(60)
                .build());

        assertEquals(1000, after.settings().macTableLimit());
        assertEquals(entries, after.dump(T0 + seconds(2)));
        assertEquals(MESH_GROUP, after.splitHorizonGroup(1));
        assertEquals(MESH_GROUP, after.splitHorizonGroup(2));
        assertEquals(NO_GROUP, after.splitHorizonGroup(3));
        assertEquals(counters.toMap(), after.snapshot().toMap());
        // Known destinations still go straight to their port, and the switch counts on from where it was.
        assertEquals(1, after.forward(LOCAL_PORT, 0, B, A, T0 + seconds(3)));
        assertEquals(counters.forwarded(LOCAL_PORT) + 1, after.snapshot().forwarded(LOCAL_PORT));
    }

    @Test
    void theNewAgingTimeAppliesToEntriesLearnedBefore() {
        LearningSwitch after = learnedSwitch().reconfigured(SwitchSettings.builder().macAgingSeconds(10).build());
        // A was learned at T0; 11 s later it is too old under the new 10 s aging, so frames to it flood.
        assertEquals(FLOOD, after.forward(LOCAL_PORT, 0, B, A, T0 + seconds(11)));
    }

    @Test
    void aLoweredTableLimitKeepsStaticEntriesFirst() {
        LearningSwitch sw = new LearningSwitch(SwitchSettings.builder().perPortMacLimit(100).localMacReserve(0)
                .build(), new RecordingLogger(), 7L);
        sw.addPort(1, NO_GROUP);
        sw.addStaticEntry(0, C, 1);
        for (int i = 1; i <= 50; i++) {
            sw.forward(1, 0, mac(0x100 + i), UNKNOWN, T0 + i);
        }
        LearningSwitch after = sw.reconfigured(SwitchSettings.builder().macTableLimit(10).perPortMacLimit(10)
                .localMacReserve(0).build());

        assertEquals(10, after.size());
        assertTrue(after.dump(T0 + 100).stream().anyMatch(e -> e.mac() == C && e.isStatic()));
        // Full: a new source is refused and counted, not stored.
        after.forward(1, 0, mac(0x999), UNKNOWN, T0 + 200);
        assertEquals(10, after.size());
    }

    @Test
    void refusesMaxPortsBelowAPortInUse() {
        LearningSwitch sw = new LearningSwitch(SwitchSettings.defaults(), new RecordingLogger(), 1L);
        sw.addPort(200, NO_GROUP);
        assertThrows(IllegalArgumentException.class,
                () -> sw.reconfigured(SwitchSettings.builder().maxPorts(100).build()));
    }

    @Test
    void clearedPortCountersStartFromNothing() {
        LearningSwitch sw = learnedSwitch();
        assertTrue(sw.snapshot().framesIn(1) > 0);
        sw.clearPortCounters(1);
        assertEquals(0, sw.snapshot().framesIn(1));
        assertFalse(sw.snapshot().framesIn(LOCAL_PORT) == 0);
    }
}
