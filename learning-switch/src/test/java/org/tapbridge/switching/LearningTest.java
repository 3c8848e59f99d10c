package org.tapbridge.switching;

import org.tapbridge.drops.DropReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.switching.LearningSwitch.DROP;
import static org.tapbridge.switching.LearningSwitch.FLOOD;
import static org.tapbridge.switching.LearningSwitch.NO_GROUP;
import static org.tapbridge.switching.Macs.A;
import static org.tapbridge.switching.Macs.B;
import static org.tapbridge.switching.Macs.BROADCAST;
import static org.tapbridge.switching.Macs.C;
import static org.tapbridge.switching.Macs.MULTICAST;
import static org.tapbridge.switching.Macs.T0;

import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LearningTest {
    private LearningSwitch sw;

    @BeforeEach
    void threePorts() {
        sw = new LearningSwitch(SwitchSettings.defaults());
        sw.addPort(1, NO_GROUP);
        sw.addPort(2, NO_GROUP);
    }

    @Test
    void learnsAUnicastSourceOnItsIngressPort() {
        sw.forward(1, 0, A, BROADCAST, T0);
        List<MacTableEntry> table = sw.dump(T0);
        assertEquals(1, table.size());
        assertEquals(new MacTableEntry(0, A, 1, 0, false, 0, 0), table.get(0));
        assertEquals(1, sw.snapshot().learned(1));
        assertEquals(1, sw.dynamicEntryCount(1));
    }

    @Test
    void dropsAndCountsFramesWithAMulticastSource() {
        assertEquals(DROP, sw.forward(1, 0, MULTICAST, B, T0));
        assertEquals(DropReason.INVALID_SOURCE, sw.lastDropReason());
        assertEquals(0, sw.size());
    }

    @Test
    void dropsAndCountsFramesWithABroadcastSource() {
        assertEquals(DROP, sw.forward(1, 0, BROADCAST, B, T0));
        assertEquals(DropReason.INVALID_SOURCE, sw.lastDropReason());
        assertEquals(0, sw.size());
    }

    @Test
    void dropsAndCountsFramesWithAnAllZeroSource() {
        assertEquals(DROP, sw.forward(1, 0, 0L, B, T0));
        assertEquals(DropReason.INVALID_SOURCE, sw.lastDropReason());
        assertEquals(0, sw.size());
        assertEquals(1, sw.snapshot().dropped(1, DropReason.INVALID_SOURCE));
    }

    @Test
    void keepsTheSameMacInTwoVlansApart() {
        sw.forward(1, 10, A, BROADCAST, T0);
        sw.forward(2, 20, A, BROADCAST, T0);
        assertEquals(2, sw.size());
        assertEquals(1, sw.forward(2, 10, B, A, T0 + 1));
        assertEquals(2, sw.forward(1, 20, C, A, T0 + 1));
        assertEquals(FLOOD, sw.forward(1, 30, C, A, T0 + 1), "unknown in VLAN 30");
        assertEquals(0, sw.snapshot().moved(2), "a MAC in another VLAN is not a move");
    }

    @Test
    void removingAPortFlushesItsDynamicEntriesButKeepsStaticOnes() {
        for (int i = 1; i <= 500; i++) {
            sw.forward(1, 0, Macs.mac(i), BROADCAST, T0);
            sw.forward(2, 0, Macs.mac(10_000 + i), BROADCAST, T0);
        }
        sw.addStaticEntry(0, C, 1);
        sw.removePort(1);
        assertEquals(501, sw.size());
        assertEquals(0, sw.dynamicEntryCount(1));
        assertFalse(sw.hasPort(1));
        for (int i = 1; i <= 500; i++) {
            assertEquals(2, sw.forward(LearningSwitch.LOCAL_PORT, 0, B, Macs.mac(10_000 + i), T0 + 1),
                    "entries of port 2 survive the backward shifts");
        }
        assertTrue(sw.dump(T0 + 1).stream().anyMatch(entry -> entry.mac() == C && entry.isStatic()));
        assertEquals(DROP, sw.forward(1, 0, A, B, T0 + 1), "a removed port is an unknown ingress");
    }

    @Test
    void staticEntriesRejectBadInput() {
        assertThrows(IllegalArgumentException.class, () -> sw.addStaticEntry(0, MULTICAST, 1));
        assertThrows(IllegalArgumentException.class, () -> sw.addStaticEntry(0, 0L, 1));
        assertThrows(IllegalArgumentException.class, () -> sw.addStaticEntry(4095, A, 1));
        assertThrows(IllegalArgumentException.class, () -> sw.addStaticEntry(0, A, 256));
    }

    @Test
    void aStaticEntryReplacesALearnedOneAndCanBeRemoved() {
        sw.forward(1, 0, A, BROADCAST, T0);
        sw.addStaticEntry(0, A, 2);
        assertEquals(1, sw.size());
        assertEquals(0, sw.dynamicEntryCount(1));
        assertEquals(2, sw.forward(1, 0, B, A, T0));
        assertTrue(sw.removeStaticEntry(0, A));
        assertFalse(sw.removeStaticEntry(0, A));
        assertFalse(sw.removeStaticEntry(0, B), "B is dynamic");
        assertEquals(FLOOD, sw.forward(2, 0, C, A, T0));
    }
}
