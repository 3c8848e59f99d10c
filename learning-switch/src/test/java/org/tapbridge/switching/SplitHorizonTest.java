package org.tapbridge.switching;

import org.tapbridge.drops.DropReason;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.tapbridge.switching.LearningSwitch.DROP;
import static org.tapbridge.switching.LearningSwitch.FLOOD;
import static org.tapbridge.switching.LearningSwitch.LOCAL_PORT;
import static org.tapbridge.switching.LearningSwitch.MESH_GROUP;
import static org.tapbridge.switching.LearningSwitch.NO_GROUP;
import static org.tapbridge.switching.Macs.A;
import static org.tapbridge.switching.Macs.B;
import static org.tapbridge.switching.Macs.BROADCAST;
import static org.tapbridge.switching.Macs.C;
import static org.tapbridge.switching.Macs.T0;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Ports 1-3 are full-mesh peers, 4-5 are spokes, 0 is the local TAP. */
class SplitHorizonTest {
    private LearningSwitch sw;

    @BeforeEach
    void meshAndSpokes() {
        sw = new LearningSwitch(SwitchSettings.defaults());
        sw.addPort(1, MESH_GROUP);
        sw.addPort(2, MESH_GROUP);
        sw.addPort(3, MESH_GROUP);
        sw.addPort(4, NO_GROUP);
        sw.addPort(5, NO_GROUP);
    }

    @Test
    void floodFromAMeshPortReachesLocalAndSpokesButNoOtherMeshPort() {
        assertEquals(FLOOD, sw.forward(1, 0, A, BROADCAST, T0));
        assertArrayEquals(new int[] {0, 4, 5}, sw.floodPorts(1));
        assertArrayEquals(new int[] {0, 4, 5}, sw.floodPorts(3));
    }

    @Test
    void floodFromASpokeReachesEveryOtherPortIncludingAllMeshPorts() {
        assertArrayEquals(new int[] {0, 1, 2, 3, 5}, sw.floodPorts(4));
        assertArrayEquals(new int[] {1, 2, 3, 4, 5}, sw.floodPorts(LOCAL_PORT));
    }

    @Test
    void spokesReceiveFramesRelayedBetweenSpokes() {
        sw.forward(5, 0, B, BROADCAST, T0);
        assertEquals(5, sw.forward(4, 0, A, B, T0 + 1));
    }

    @Test
    void knownUnicastFromOneMeshPortToAnotherIsDropped() {
        sw.forward(2, 0, B, BROADCAST, T0);
        assertEquals(DROP, sw.forward(1, 0, A, B, T0 + 1));
        assertEquals(DropReason.SPLIT_HORIZON, sw.lastDropReason());
        assertEquals(1, sw.snapshot().dropped(1, DropReason.SPLIT_HORIZON));
    }

    @Test
    void knownUnicastFromAMeshPortToASpokeOrLocalIsForwarded() {
        sw.forward(4, 0, B, BROADCAST, T0);
        sw.forward(LOCAL_PORT, 0, C, BROADCAST, T0);
        assertEquals(4, sw.forward(1, 0, A, B, T0 + 1));
        assertEquals(LOCAL_PORT, sw.forward(1, 0, A, C, T0 + 1));
        assertEquals(1, sw.forward(4, 0, B, A, T0 + 2));
    }

    @Test
    void separateMeshGroupsMayForwardToEachOther() {
        sw.addPort(6, 2);
        sw.addPort(7, 2);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, sw.floodPorts(6));
        assertArrayEquals(new int[] {0, 4, 5, 6, 7}, sw.floodPorts(1));
    }

    @Test
    void floodListsFollowPortsComingAndGoing() {
        sw.removePort(2);
        assertArrayEquals(new int[] {0, 4, 5}, sw.floodPorts(1));
        assertArrayEquals(new int[] {0, 1, 3, 4}, sw.floodPorts(5));
        assertArrayEquals(new int[0], sw.floodPorts(2));
        sw.addPort(9, NO_GROUP);
        assertArrayEquals(new int[] {0, 4, 5, 9}, sw.floodPorts(1));
        sw.addPort(4, MESH_GROUP);
        assertArrayEquals(new int[] {0, 5, 9}, sw.floodPorts(1), "port 4 joined the mesh");
    }

    @Test
    void floodFromAMeshPortWithOnlyMeshNeighboursIsDroppedWhenLocalIsGone() {
        sw.removePort(LOCAL_PORT);
        sw.removePort(4);
        sw.removePort(5);
        assertEquals(DROP, sw.forward(1, 0, A, BROADCAST, T0));
        assertEquals(DropReason.NO_FLOOD_TARGETS, sw.lastDropReason());
    }

    @Test
    void rejectsBadPortNumbersAndGroups() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> sw.addPort(256, NO_GROUP));
        assertEquals("port 256 is outside 0..255; raise max-ports=256 for more ports", error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> sw.addPort(-1, NO_GROUP));
        assertThrows(IllegalArgumentException.class, () -> sw.addPort(1, -1));
        assertThrows(IllegalArgumentException.class, () -> sw.removePort(999));
        assertEquals(0, sw.floodPortCount(999), "the data path answers an empty flood, never throws");
    }
}
