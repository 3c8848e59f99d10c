package org.tapbridge.switching;

import org.tapbridge.drops.DropReason;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.tapbridge.switching.LearningSwitch.DROP;
import static org.tapbridge.switching.LearningSwitch.FLOOD;
import static org.tapbridge.switching.LearningSwitch.LOCAL_PORT;
import static org.tapbridge.switching.LearningSwitch.NO_GROUP;
import static org.tapbridge.switching.Macs.A;
import static org.tapbridge.switching.Macs.B;
import static org.tapbridge.switching.Macs.BROADCAST;
import static org.tapbridge.switching.Macs.C;
import static org.tapbridge.switching.Macs.MULTICAST;
import static org.tapbridge.switching.Macs.T0;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tapbridge.ethernet.EtherType;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.ethernet.TestFrames;

class ForwardingTest {
    private LearningSwitch sw;

    @BeforeEach
    void threeSpokes() {
        sw = new LearningSwitch(SwitchSettings.defaults());
        sw.addPort(1, NO_GROUP);
        sw.addPort(2, NO_GROUP);
    }

    @Test
    void floodsWhenDestinationUnknown() {
        assertEquals(FLOOD, sw.forward(1, 0, A, B, T0));
        assertArrayEquals(new int[] {0, 2}, sw.floodPorts(1));
        assertEquals(2, sw.floodPortCount(1));
        assertEquals(DropReason.NONE, sw.lastDropReason());
    }

    @Test
    void forwardsToThePortWhereTheDestinationWasLearned() {
        sw.forward(2, 0, B, A, T0);
        assertEquals(2, sw.forward(1, 0, A, B, T0 + 1));
        assertEquals(1, sw.forward(2, 0, B, A, T0 + 2));
        assertEquals(2, sw.forward(LOCAL_PORT, 0, C, B, T0 + 3));
    }

    @Test
    void dropsWhenTheDestinationWasLearnedOnTheIngressPort() {
        sw.forward(1, 0, B, A, T0);
        assertEquals(DROP, sw.forward(1, 0, A, B, T0 + 1));
        assertEquals(DropReason.SAME_PORT, sw.lastDropReason());
        assertEquals(1, sw.snapshot().dropped(1, DropReason.SAME_PORT));
    }

    @Test
    void floodsBroadcastEvenFromALearnedSourceToALearnedPort() {
        sw.forward(2, 0, B, A, T0);
        assertEquals(FLOOD, sw.forward(1, 0, A, BROADCAST, T0 + 1));
        assertEquals(FLOOD, sw.forward(1, 0, A, MULTICAST, T0 + 2));
        assertArrayEquals(new int[] {0, 2}, sw.floodPorts(1));
    }

    @Test
    void floodListNeverContainsTheIngressPort() {
        for (int port : sw.ports()) {
            for (int egress : sw.floodPorts(port)) {
                assertEquals(false, egress == port, "port " + port);
            }
        }
    }

    @Test
    void dropsFloodsThatWouldReachNoPort() {
        LearningSwitch alone = new LearningSwitch(SwitchSettings.defaults());
        assertEquals(DROP, alone.forward(LOCAL_PORT, 0, A, BROADCAST, T0));
        assertEquals(DropReason.NO_FLOOD_TARGETS, alone.lastDropReason());
    }

    @Test
    void dropsAndCountsFramesFromPortsThatWereNeverAdded() {
        assertEquals(DROP, sw.forward(7, 0, A, B, T0));
        assertEquals(DropReason.UNKNOWN_INGRESS_PORT, sw.lastDropReason());
        assertEquals(DROP, sw.forward(-1, 0, A, B, T0));
        assertEquals(DROP, sw.forward(100_000, 0, A, B, T0));
        assertEquals(3, sw.snapshot().unknownIngressFrames());
        assertEquals(0, sw.size(), "nothing is learned from an unknown port");
    }

    @Test
    void forwardsDecodedFramesLikeHeaderFields() {
        EthernetFrame frame = new EthernetFrame();
        ByteBuffer fromB = TestFrames.tagged(A, B, EtherType.VLAN, 0, 10, EtherType.IPV4, 64);
        ByteBuffer fromA = TestFrames.tagged(B, A, EtherType.VLAN, 0, 10, EtherType.IPV4, 64);
        frame.wrap(fromB, 0, 64);
        assertEquals(FLOOD, sw.forward(2, frame, T0));
        frame.wrap(fromA, 0, 64);
        assertEquals(2, sw.forward(1, frame, T0 + 1));
        assertEquals(10, sw.dump(T0 + 1).get(0).vlan());
    }

    @Test
    void dropsMalformedFramesWithoutLearning() {
        EthernetFrame frame = new EthernetFrame();
        ByteBuffer truncated = TestFrames.tagged(B, A, EtherType.VLAN, 0, 10, EtherType.IPV4, 64);
        frame.wrap(truncated, 0, 16);
        assertEquals(DROP, sw.forward(1, frame, T0));
        assertEquals(DropReason.MALFORMED, sw.lastDropReason());
        frame.wrap(ByteBuffer.allocate(4), 0, 4);
        assertEquals(DROP, sw.forward(1, frame, T0));
        assertEquals(2, sw.snapshot().dropped(1, DropReason.MALFORMED));
        assertEquals(2, sw.snapshot().framesIn(1));
        assertEquals(0, sw.size());
    }

    @Test
    void dropsHeaderFieldsOutsideTheirRanges() {
        assertEquals(DROP, sw.forward(1, 4095, A, B, T0));
        assertEquals(DROP, sw.forward(1, -1, A, B, T0));
        assertEquals(DROP, sw.forward(1, 0, A | 1L << 50, B, T0));
        assertEquals(DROP, sw.forward(1, 0, A, -1L, T0));
        assertEquals(4, sw.snapshot().dropped(1, DropReason.MALFORMED));
        assertEquals(0, sw.size());
    }

    @Test
    void dropsStaticDestinationsOnAbsentPorts() {
        sw.addStaticEntry(0, C, 5);
        assertEquals(DROP, sw.forward(1, 0, A, C, T0));
        assertEquals(DropReason.EGRESS_PORT_DOWN, sw.lastDropReason());
        sw.addPort(5, NO_GROUP);
        assertEquals(5, sw.forward(1, 0, A, C, T0));
    }

    @Test
    void countsEveryDecisionOnTheIngressPort() {
        sw.forward(2, 0, B, A, T0);        // flood
        sw.forward(1, 0, A, B, T0);        // forward
        sw.forward(1, 0, A, BROADCAST, T0); // flood
        sw.forward(1, 0, BROADCAST, B, T0); // drop
        SwitchCounters.Snapshot counters = sw.snapshot();
        assertEquals(3, counters.framesIn(1));
        assertEquals(1, counters.forwarded(1));
        assertEquals(1, counters.flooded(1));
        assertEquals(1, counters.dropped(1));
        assertEquals(1, counters.flooded(2));
        assertEquals(4, counters.total(SwitchCounters.FRAMES_IN));
    }
}
