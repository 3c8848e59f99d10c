package org.tapbridge.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.crypto.AeadKind;
import org.tapbridge.crypto.Aeads;
import org.tapbridge.fakes.Frames;
import org.tapbridge.fakes.VnetTapDevice;
import org.tapbridge.link.PeerLink;

/**
 * Once warm, cutting a 64 KB super-frame and sealing its segments for peers, and coalescing segments into one
 * TAP write, allocate nothing, measured on the thread that does the work. Sends go to a port that only counts
 * them, so the in-memory network's copies stay out of the figure.
 */
class OffloadPathAllocationTest {
    private static final int WARM_UP_RUNS = 5;
    /**
     * Measured runs at most. The JIT's one-off work (a deoptimization re-runs code in the interpreter, where
     * escape analysis does not remove short-lived objects) can leave a few hundred bytes in one run; an
     * allocation per iteration leaves every run at 16 bytes times the iterations at least. So runs go on until
     * one is exactly zero, as in DataPathProbe.
     */
    private static final int MAX_MEASURED_RUNS = 8;
    private static final int SLOT = 2048;
    private static final int MSS = 1400;
    private static final long HOST = 0x02_00_00_00_0A_01L;
    private static final long UNKNOWN_HOST = 0x02_00_00_00_0B_01L;

    // Looked up once: ManagementFactory.getThreadMXBean() itself allocates on every call.
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @TempDir
    Path dir;

    private OffloadHub hub;

    @AfterEach
    void stop() {
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void cuttingAndSealingSixtyFourKilobyteSuperFramesForPeersAllocatesNothing() throws Exception {
        assumeMeasurable();
        assumeTrue(Aeads.selected().kind() == AeadKind.OPENSSL, "the JDK's AES-GCM allocates per seal by design ("
                + Aeads.selected().describe() + "); that cost is measured by DataPathAllocationTest");
        int vnet = 12;
        hub = new OffloadHub(dir, vnet);
        hub.awaitPeersUp();
        hub.port.discardSends(true);
        byte[] superFrame = TcpFrames.tcp(UNKNOWN_HOST, HOST, 1, 1, TcpFrames.ACK | TcpFrames.PSH,
                TcpFrames.payload(65_483, 9), true);
        ByteBuffer buf = ByteBuffer.allocateDirect(FrameSlot.FRAME_OFFSET + superFrame.length + 64);
        buf.put(FrameSlot.FRAME_OFFSET - vnet, TcpFrames.tsoHeader(vnet, 1448));
        buf.put(FrameSlot.FRAME_OFFSET, superFrame);
        PeerLink b = hub.peer("b");
        int perRun = 100;
        Runnable straightToOnePeer = () -> {
            for (int i = 0; i < perRun; i++) {
                long nowNs = System.nanoTime();
                if (hub.cutter.classify(buf, FrameSlot.FRAME_OFFSET, superFrame.length) != SuperFrameCutter.TCP_SUPER_FRAME
                        || !hub.cutter.sendTcpSegments(b, buf, FrameSlot.FRAME_OFFSET, superFrame.length, nowNs)) {
                    throw new AssertionError("super-frame not cut and sent");
                }
                hub.links.flush(nowNs);
            }
        };
        Runnable floodedThroughTheForwarder = () -> {
            for (int i = 0; i < perRun; i++) {
                long nowNs = System.nanoTime();
                hub.forwarder.fromTap(buf, FrameSlot.FRAME_OFFSET, superFrame.length, nowNs);
                hub.links.flush(nowNs);
            }
        };

        long[] direct = measure(straightToOnePeer);
        long sentBefore = hub.port.discarded();
        long[] flooded = measure(floodedThroughTheForwarder);

        int segmentsB = (65_483 + 1347) / 1348;
        int segmentsC = (65_483 + 1133) / 1134;
        assertEquals(runs(flooded) * perRun * (segmentsB + segmentsC),
                hub.port.discarded() - sentBefore, "every segment of every flooded super-frame left for both peers");
        report(direct, "runs of " + perRun + " 64 KB super-frames cut and sealed for one peer");
        report(flooded, "runs of " + perRun + " 64 KB super-frames switched once and cut for two peers");
    }

    @Test
    void coalescingSegmentsFromRingMemoryIntoTapWritesAllocatesNothing() {
        assumeMeasurable();
        int vnet = 12;
        VnetTapDevice tap = new VnetTapDevice("tapv", 1500, vnet);
        tap.keepWritten(false);
        TapPort port = new TapPort(tap);
        int segments = 46;
        ByteBuffer ring = ByteBuffer.allocateDirect(64 * SLOT);
        port.coalesceFrom(ring);
        byte[] payload = TcpFrames.payload(segments * MSS, 21);
        int[] lengths = new int[segments];
        for (int i = 0; i < segments; i++) {
            byte[] segment = TcpFrames.tcp(UNKNOWN_HOST, HOST, 100 + i, 5000 + (long) i * MSS, TcpFrames.ACK,
                    TcpFrames.range(payload, i * MSS, (i + 1) * MSS), false);
            ring.put(i * SLOT + FrameSlot.FRAME_OFFSET, segment);
            lengths[i] = segment.length;
        }
        byte[] other = Frames.ethernet(UNKNOWN_HOST, HOST, "not from the ring".getBytes());
        ByteBuffer elsewhere = ByteBuffer.allocateDirect(FrameSlot.FRAME_OFFSET + other.length);
        elsewhere.put(FrameSlot.FRAME_OFFSET, other);
        int perRun = 2_000;
        Runnable batches = () -> {
            for (int n = 0; n < perRun; n++) {
                for (int i = 0; i < segments; i++) {
                    port.write(ring, i * SLOT + FrameSlot.FRAME_OFFSET, lengths[i]);
                }
                port.endBatch();
                port.write(elsewhere, FrameSlot.FRAME_OFFSET, other.length);
            }
        };

        long[] allocated = measure(batches);

        long batchCount = runs(allocated) * perRun;
        assertEquals(2 * batchCount, tap.writes(), "one super-frame and one plain frame per batch");
        assertEquals(batchCount * (vnet + TcpFrames.HEADERS + segments * MSS + vnet + other.length),
                tap.bytesWritten());
        report(allocated, "runs of " + perRun + " batches of " + segments + " segments coalesced into one TAP write");
    }

    private static void assumeMeasurable() {
        assumeTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM cannot count allocated bytes per thread");
    }

    /** Bytes this thread allocated in each measured run after the warm-up, up to the first run of none. */
    private static long[] measure(Runnable run) {
        for (int i = 0; i < WARM_UP_RUNS; i++) {
            run.run();
        }
        long[] allocated = new long[MAX_MEASURED_RUNS];
        for (int i = 0; i < MAX_MEASURED_RUNS; i++) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            run.run();
            allocated[i] = THREADS.getCurrentThreadAllocatedBytes() - before;
            if (allocated[i] == 0) {
                return Arrays.copyOf(allocated, i + 1);
            }
        }
        return allocated;
    }

    /** Runs done by {@link #measure}, warm-up included. */
    private static long runs(long[] allocated) {
        return WARM_UP_RUNS + allocated.length;
    }

    private static void report(long[] allocated, String what) {
        String figures = Arrays.toString(allocated) + " bytes allocated by " + what;
        System.out.println(figures);
        assertEquals(0, allocated[allocated.length - 1], "no run allocated nothing: " + figures);
    }
}
