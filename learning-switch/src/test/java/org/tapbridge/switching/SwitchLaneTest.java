package org.tapbridge.switching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
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
import static org.tapbridge.switching.Macs.mac;
import static org.tapbridge.switching.Macs.millis;
import static org.tapbridge.switching.Macs.seconds;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tapbridge.drops.DropReason;

class SwitchLaneTest {
    private LearningSwitch owner;
    private SwitchLane lane;

    @BeforeEach
    void ownerWithOneLaneAndTwoPeers() {
        owner = new LearningSwitch(SwitchSettings.defaults(), System.getLogger("test"), 42);
        owner.addPort(1, MESH_GROUP);
        owner.addPort(2, MESH_GROUP);
        lane = owner.addLane();
    }

    @Test
    void aLaneForwardsToWhatTheOwnerLearned() {
        owner.forward(1, 0, B, BROADCAST, T0);
        assertEquals(1, lane.forward(LOCAL_PORT, 0, A, B, T0 + 1));
        assertEquals(1, owner.snapshot().forwarded(LOCAL_PORT));
    }

    @Test
    void whatALaneLearnsReachesTheOwnerOnlyWhenTheOwnerAppliesIt() {
        assertEquals(FLOOD, lane.forward(2, 0, C, BROADCAST, T0));
        assertEquals(0, owner.size(), "the lane wrote nothing itself");
        assertEquals(FLOOD, owner.forward(LOCAL_PORT, 0, A, C, T0 + 1), "unknown until applied");

        assertEquals(1, owner.learnFromLanes(T0 + 2));

        assertEquals(2, owner.forward(LOCAL_PORT, 0, A, C, T0 + 3));
        assertEquals(2, lane.forward(LOCAL_PORT, 0, A, C, T0 + 4));
        assertEquals(1, owner.snapshot().learned(2));
    }

    @Test
    void aLaneWakesTheOwnerOncePerBatchToLearnNotOncePerSource() {
        int[] wakes = new int[1];
        owner = new LearningSwitch(SwitchSettings.defaults(), System.getLogger("test"), 42);
        owner.addPort(1, NO_GROUP);
        owner.onLaneLearning(() -> wakes[0]++);
        lane = owner.addLane();
        lane.forward(1, 0, mac(1), BROADCAST, T0);
        lane.forward(1, 0, mac(2), BROADCAST, T0);
        lane.forward(1, 0, mac(3), BROADCAST, T0);
        assertEquals(1, wakes[0], "one wake-up for the three sources waiting");
        assertEquals(3, owner.learnFromLanes(T0 + 1));
        lane.forward(1, 0, mac(4), BROADCAST, T0 + 2);
        assertEquals(2, wakes[0], "the next source after a drain wakes the owner again");
        lane.forward(1, 0, mac(1), BROADCAST, T0 + 3);
        assertEquals(2, wakes[0], "a source already learned asks for nothing");
    }

    @Test
    void aSourceIsOfferedOncePerIntervalNotOncePerFrame() {
        for (int i = 0; i < 1000; i++) {
            lane.forward(2, 0, C, BROADCAST, T0 + i);
        }
        assertEquals(1, owner.learnFromLanes(T0 + 1000));
        lane.forward(2, 0, C, BROADCAST, T0 + SwitchLane.OFFER_INTERVAL_NS);
        assertEquals(0, owner.learnFromLanes(T0 + SwitchLane.OFFER_INTERVAL_NS), "learned meanwhile: nothing to offer");
    }

    @Test
    void aMoveSeenByALaneGoesThroughTheOwnersDamping() {
        SwitchSettings damped = SwitchSettings.defaults().toBuilder().moveDampingMillis(1000).build();
        owner = new LearningSwitch(damped, System.getLogger("test"), 42);
        owner.addPort(1, NO_GROUP);
        owner.addPort(2, NO_GROUP);
        lane = owner.addLane();
        owner.forward(1, 0, C, BROADCAST, T0);
        owner.forward(2, 0, C, BROADCAST, T0 + millis(1));   // first move: allowed
        lane.forward(1, 0, C, BROADCAST, T0 + millis(2));    // back again, within the damping
        owner.learnFromLanes(T0 + millis(3));
        assertEquals(2, owner.forward(LOCAL_PORT, 0, A, C, T0 + millis(4)), "the damped move was refused");
        assertEquals(1, owner.snapshot().flapped(1));
    }

    @Test
    void aLaneRefreshesAnEntryBeforeItAgesOutAtTheOwner() {
        SwitchSettings shortAging = SwitchSettings.defaults().toBuilder().macAgingSeconds(8).build();
        owner = new LearningSwitch(shortAging, System.getLogger("test"), 42);
        owner.addPort(1, NO_GROUP);
        lane = owner.addLane();
        for (int s = 0; s <= 30; s++) {
            lane.forward(1, 0, C, BROADCAST, T0 + seconds(s));
            owner.tick(T0 + seconds(s) + 1);
            if (s > 0) {
                assertEquals(1, owner.forward(LOCAL_PORT, 0, A, C, T0 + seconds(s) + 2), "second " + s);
            }
        }
    }

    @Test
    void limitsAreTheOwnersEvenForMacsOnlyALaneSaw() {
        SwitchSettings small = SwitchSettings.defaults().toBuilder().macTableLimit(64).perPortMacLimit(16).build();
        owner = new LearningSwitch(small, System.getLogger("test"), 42);
        owner.addPort(1, NO_GROUP);
        lane = owner.addLane();
        for (int i = 0; i < 1000; i++) {
            lane.forward(1, 0, mac(1000 + i), BROADCAST, T0 + i);
        }
        owner.learnFromLanes(T0 + 1000);
        assertEquals(16, owner.dynamicEntryCount(1));
        assertEquals(1000 - 16, owner.snapshot().limitHit(1));
    }

    @Test
    void aFullQueueDropsOffersAndCountsThem() {
        for (int i = 0; i < 10_000; i++) {
            lane.forward(1, 0, mac(5000 + i), BROADCAST, T0 + i);
        }
        assertEquals(10_000 - lane.learningQueueCapacity(), lane.learningQueueFull());
        assertEquals(lane.learningQueueCapacity(), owner.learnFromLanes(T0 + 10_000));
    }

    @Test
    void aLaneFollowsPortsAddedRemovedAndBlockedAtTheOwner() {
        owner.forward(1, 0, B, BROADCAST, T0);
        assertEquals(1, lane.forward(LOCAL_PORT, 0, A, B, T0 + 1));
        assertEquals(2, lane.floodPorts(LOCAL_PORT).length);
        owner.removePort(1);
        assertEquals(DROP, lane.forward(1, 0, B, A, T0 + 2));
        assertEquals(DropReason.UNKNOWN_INGRESS_PORT, lane.lastDropReason());
        assertEquals(FLOOD, lane.forward(LOCAL_PORT, 0, A, B, T0 + 3), "its MACs went with it");
        assertEquals(1, lane.floodPorts(LOCAL_PORT).length);
        owner.addPort(3, NO_GROUP);
        assertEquals(2, lane.floodPorts(LOCAL_PORT).length);
    }

    @Test
    void splitHorizonHoldsOnALaneToo() {
        owner.forward(2, 0, B, BROADCAST, T0);
        assertEquals(DROP, lane.forward(1, 0, C, B, T0 + 1));
        assertEquals(DropReason.SPLIT_HORIZON, lane.lastDropReason());
        assertEquals(1, lane.floodPorts(1).length, "mesh peers flood only to the local port");
    }

    @Test
    void snapshotsAddTheLanesCountersToTheOwners() {
        owner.forward(1, 0, B, BROADCAST, T0);
        lane.forward(LOCAL_PORT, 0, A, B, T0 + 1);
        lane.forward(LOCAL_PORT, 0, A, B, T0 + 2);
        owner.forward(LOCAL_PORT, 0, A, B, T0 + 3);
        assertEquals(3, owner.snapshot().forwarded(LOCAL_PORT));
        assertEquals(4, owner.snapshot().total(SwitchCounters.FRAMES_IN));
    }

    @Test
    void stormControlIsSharedOutBetweenTheLoops() {
        SwitchSettings storm = SwitchSettings.defaults().toBuilder().stormControlPacketsPerSecond(100)
                .stormControlBurst(100).build();
        owner = new LearningSwitch(storm, System.getLogger("test"), 42);
        owner.addPort(1, NO_GROUP);
        lane = owner.addLane();
        int passed = 0;
        for (int i = 0; i < 1000; i++) {
            passed += owner.forward(1, 0, A, BROADCAST, T0) == FLOOD ? 1 : 0;
            passed += lane.forward(1, 0, A, BROADCAST, T0) == FLOOD ? 1 : 0;
        }
        assertEquals(100, passed, "the burst of 100, split between two loops");
    }

    /**
     * The owner churns the table (learning, moving and aging thousands of MACs, so backward shifts move
     * entries under the reader) while a lane looks up anchor MACs that never move: the lane must get each
     * anchor's own port or, when a read kept overlapping changes, a flood, and never another entry's port.
     */
    @Test
    void aLaneReadingWhileTheOwnerChurnsNeverGetsAnotherEntrysPort() throws Exception {
        SwitchSettings churn = SwitchSettings.defaults().toBuilder().macTableLimit(4096).perPortMacLimit(4096)
                .localMacReserve(0).macAgingSeconds(1).moveDampingMillis(0).loopFlapsPerSecond(0)
                .unknownUnicastPacketsPerSecond(0).build();
        owner = new LearningSwitch(churn, System.getLogger("test"), 7);
        for (int port = 1; port <= 8; port++) {
            owner.addPort(port, NO_GROUP);
        }
        lane = owner.addLane();
        int anchors = 64;
        for (int i = 0; i < anchors; i++) {
            owner.addStaticEntry(0, mac(1_000_000 + i), 1 + i % 8);
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ownerFrames = new AtomicLong();
        Thread churner = new Thread(() -> {
            long now = T0;
            long n = 0;
            while (!stop.get()) {
                // Sources from a small space, on changing ports: inserts, moves, and (aging 1 s) removals.
                long source = mac(1 + (n * 7919) % 3000);
                owner.forward(1 + (int) (n % 8), 0, source, BROADCAST, now);
                now += 400_000;
                n++;
            }
            ownerFrames.set(n);
        }, "owner");
        churner.start();
        long wrong = 0;
        long right = 0;
        long flooded = 0;
        String firstWrong = null;
        long deadline = System.nanoTime() + 2_000_000_000L;
        long i = 0;
        try {
            while (System.nanoTime() < deadline) {
                int anchor = (int) (i++ % anchors);
                int expected = 1 + anchor % 8;
                int ingress = expected == 8 ? 7 : 8;
                int got = lane.forward(ingress, 0, mac(2_000_000), mac(1_000_000 + anchor), T0);
                if (got == expected) {
                    right++;
                } else if (got == FLOOD) {
                    flooded++;
                } else {
                    wrong++;
                    if (firstWrong == null) {
                        firstWrong = "anchor " + anchor + " on port " + expected + " came back as " + got;
                    }
                }
            }
        } finally {
            stop.set(true);
            churner.join(10_000);
        }
        String figures = right + " right, " + flooded + " flooded, " + wrong + " wrong, over " + ownerFrames.get()
                + " owner frames; unsettled reads " + lane.unsettledReads();
        System.out.println("lane under churn: " + figures);
        assertEquals(0, wrong, firstWrong + "; " + figures);
        assertTrue(ownerFrames.get() > 100_000 && right > 100_000, "both sides ran: " + figures);
    }

    @Test
    void addingALaneLeavesTheOwnersEntriesAlone() {
        owner.forward(1, 0, B, BROADCAST, T0);
        SwitchLane second = owner.addLane();
        assertEquals(2, owner.laneCount());
        assertEquals(1, second.forward(LOCAL_PORT, 0, A, B, T0 + 1));
        assertTrue(Arrays.equals(new int[] {1, 2}, second.floodPorts(LOCAL_PORT)));
    }
}
