package org.tapbridge.switching;

import org.tapbridge.drops.DropReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.tapbridge.switching.LearningSwitch.MESH_GROUP;
import static org.tapbridge.switching.LearningSwitch.NO_GROUP;
import static org.tapbridge.switching.Macs.T0;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.tapbridge.ethernet.EtherType;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.ethernet.MacAddress;

/** Proves that wrap + forward + flood iteration allocate nothing, over a traffic mix touching every rule. */
class AllocationFreeDataPathTest {
    private static final int FRAMES = 1_000_000;
    private static final int DISTINCT_FRAMES = 4_096;
    private static final int WARM_UP_RUNS = 3;
    private static final int MEASURED_RUNS = 3;

    // Looked up once: ManagementFactory.getThreadMXBean() itself allocates on every call.
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static long allocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    @Test
    void forwardingAMillionMixedFramesAllocatesNothing() {
        assumeTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM cannot count allocated bytes per thread");
        LearningSwitch sw = smallSwitch();
        Run run = new Run(sw, null);

        long[] allocated = run.measure();

        SwitchCounters.Snapshot counters = sw.snapshot();
        assertTrue(counters.total(SwitchCounters.MOVED) > 0, "moves happened");
        assertTrue(counters.total(SwitchCounters.FLAPPED) > 0, "flaps happened");
        assertTrue(counters.total(SwitchCounters.AGED) > 0, "entries aged");
        assertTrue(counters.total(SwitchCounters.LIMIT_HIT) > 0, "limits were hit");
        assertTrue(counters.totalDropped(DropReason.STORM_CONTROL) > 0, "storm control dropped");
        assertTrue(counters.totalDropped(DropReason.SPLIT_HORIZON) > 0, "split horizon dropped");
        assertTrue(counters.totalDropped(DropReason.UNKNOWN_UNICAST_LIMIT) > 0, "unknown unicast was limited");
        assertTrue(counters.totalDropped(DropReason.LOOP_BLOCKED) > 0, "blocked ports dropped");
        assertTrue(counters.total(SwitchCounters.LOOP_BLOCKS) > 3, "ports were blocked (and unblocked) again");
        System.out.println("loop blocks " + counters.total(SwitchCounters.LOOP_BLOCKS) + ", loop-blocked drops "
                + counters.totalDropped(DropReason.LOOP_BLOCKED) + ", unknown-unicast drops "
                + counters.totalDropped(DropReason.UNKNOWN_UNICAST_LIMIT) + ", limit hits "
                + counters.total(SwitchCounters.LIMIT_HIT));
        run.assertAllocatedNothing(allocated, "");
    }

    @Test
    void aLaneForwardingAMillionMixedFramesAllocatesNothing() {
        assumeTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM cannot count allocated bytes per thread");
        LearningSwitch sw = smallSwitch();
        // The owner applies what the lane learned on the same thread here, so one counter sees both sides.
        Run run = new Run(sw, sw.addLane());

        long[] allocated = run.measure();

        SwitchCounters.Snapshot counters = sw.snapshot();
        assertTrue(counters.total(SwitchCounters.LEARNED) > 0 && counters.total(SwitchCounters.MOVED) > 0,
                "the owner learned and moved what the lane saw");
        assertTrue(counters.total(SwitchCounters.LOOP_BLOCKS) > 0, "the lane followed ports being blocked");
        assertTrue(counters.totalDropped(DropReason.STORM_CONTROL) > 0, "storm control dropped");
        run.assertAllocatedNothing(allocated, " through a lane");
    }

    /**
     * Small limits so that limit hits, per-port limits, the local reserve, moves, flaps, loop blocks and
     * unblocks, aging, storm drops and unknown-unicast drops all happen. Logging is off: a written line
     * allocates its text, but at most one line per kind per 10 s.
     */
    private static LearningSwitch smallSwitch() {
        LearningSwitch sw = new LearningSwitch(SwitchSettings.builder().macTableLimit(2_000).perPortMacLimit(600)
                .localMacReserve(300).macAgingSeconds(1).stormControlPacketsPerSecond(1_000).stormControlBurst(50)
                .unknownUnicastPacketsPerSecond(2_000).unknownUnicastBurst(100).loopFlapsPerSecond(200)
                .loopBlockSeconds(1).loopBlockMaxSeconds(4).build(), new RecordingLogger(false), 7);
        for (int port = 1; port <= 8; port++) {
            sw.addPort(port, port <= 4 ? MESH_GROUP : NO_GROUP);
        }
        return sw;
    }

    /** A traffic mix touching every rule, forwarded by the switch itself or, given one, through a lane of it. */
    private static final class Run {
        private final LearningSwitch sw;
        /** Null: the switch decides itself. */
        private final SwitchLane lane;
        private final ByteBuffer frames;
        private final int[] ingress = new int[DISTINCT_FRAMES];
        private final int[] lengths = new int[DISTINCT_FRAMES];
        private final EthernetFrame frame = new EthernetFrame();
        /** Forwarded, flooded, dropped, and a sum over flood ports so the lists are read. */
        private final long[] outcome = new long[4];
        private long now = T0;

        Run(LearningSwitch sw, SwitchLane lane) {
            this.sw = sw;
            this.lane = lane;
            this.frames = ByteBuffer.allocateDirect(DISTINCT_FRAMES * 64);
            SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < DISTINCT_FRAMES; i++) {
                int at = i * 64;
                int kind = random.nextInt(100);
                long source = kind < 2 ? 0x01_00_5E_00_00_01L : Macs.mac(1 + random.nextInt(3_000));
                long destination = kind < 70 ? Macs.mac(1 + random.nextInt(3_000))
                        : kind < 85 ? MacAddress.BROADCAST
                        : kind < 90 ? 0x01_80_C2_00_00_00L | random.nextInt(16)
                        : 0x33_33_00_00_00_01L;
                MacAddress.write(frames, at, destination);
                MacAddress.write(frames, at + 6, source);
                if (random.nextBoolean()) {
                    frames.putShort(at + 12, (short) EtherType.VLAN);
                    frames.putShort(at + 14, (short) random.nextInt(3));
                    frames.putShort(at + 16, (short) EtherType.IPV4);
                } else {
                    frames.putShort(at + 12, (short) EtherType.IPV4);
                }
                lengths[i] = kind == 99 ? 10 : 60;
                ingress[i] = random.nextInt(9);
            }
        }

        /** Warm-up runs until the JIT settles (its tier changes may allocate a few bytes once), then measured ones. */
        long[] measure() {
            for (int i = 0; i < WARM_UP_RUNS; i++) {
                forward(FRAMES);
            }
            long[] allocated = new long[MEASURED_RUNS];
            for (int i = 0; i < MEASURED_RUNS; i++) {
                long before = allocatedBytes();
                forward(FRAMES);
                allocated[i] = allocatedBytes() - before;
            }
            return allocated;
        }

        void assertAllocatedNothing(long[] allocated, String how) {
            assertTrue(outcome[0] > 0 && outcome[1] > 0 && outcome[2] > 0, "forwarded, flooded and dropped");
            String runs = Arrays.toString(allocated) + " bytes allocated by runs of " + FRAMES + " frames" + how;
            // One object per frame would be >= 16 MB per run; even one per 10 000 frames would be >= 1.6 KB.
            for (long bytes : allocated) {
                assertTrue(bytes < 1024, runs);
            }
            assertEquals(0, Arrays.stream(allocated).min().orElseThrow(), "steady state allocates nothing: " + runs);
        }

        private void forward(int count) {
            for (int i = 0; i < count; i++) {
                int index = i & (DISTINCT_FRAMES - 1);
                // Ten microseconds per frame, and a quiet second now and then so that entries age out.
                now += i % 200_000 == 0 ? 2_000_000_000L : 10_000;
                frame.wrap(frames, index * 64, lengths[index]);
                int egress = lane == null ? sw.forward(ingress[index], frame, now) : lane.forward(ingress[index], frame, now);
                if (egress >= 0) {
                    outcome[0]++;
                } else if (egress == LearningSwitch.FLOOD) {
                    for (int port : lane == null ? sw.floodPorts(ingress[index]) : lane.floodPorts(ingress[index])) {
                        outcome[3] += port;
                    }
                    outcome[1]++;
                } else {
                    outcome[2]++;
                }
                if (lane != null && (i & 63) == 0) {
                    sw.learnFromLanes(now);
                }
                if ((i & 0x3FFF) == 0) {
                    sw.tick(now);
                }
            }
        }
    }
}
