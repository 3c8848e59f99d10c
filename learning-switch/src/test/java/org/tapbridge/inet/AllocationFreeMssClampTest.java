package org.tapbridge.inet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Proves that the clamp allocates nothing, over a mix of frames reaching every result code. */
class AllocationFreeMssClampTest {
    private static final int CLAMPS = 1_000_000;
    private static final int SLOT = 128;
    private static final int MAX_FRAME = 1400;
    private static final int WARM_UP_RUNS = 3;
    private static final int MEASURED_RUNS = 3;

    // Looked up once: ManagementFactory.getThreadMXBean() itself allocates on every call.
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void clampingAMillionMixedFramesAllocatesNothing() {
        assumeTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM cannot count allocated bytes per thread");
        List<TestFrame> frames = List.of(
                FrameBuilder.linuxSyn(false, 1460).build(),
                FrameBuilder.linuxSyn(true, 1440).tag(FrameBuilder.VLAN, 5).extension(IpProtocol.HOP_BY_HOP, 8).build(),
                FrameBuilder.linuxSyn(false, 1460).tag(FrameBuilder.QINQ, 6).tag(FrameBuilder.VLAN, 7).build(),
                FrameBuilder.linuxSyn(false, 1200).build(),
                FrameBuilder.ipv4().build(),
                FrameBuilder.linuxSyn(false, 1460).tcpFlags(TcpHeader.ACK).payload(new byte[40]).build(),
                FrameBuilder.linuxSyn(true, 1460).tcpFlags(TcpHeader.ACK | TcpHeader.PSH).build(),
                FrameBuilder.ipv4().protocol(IpProtocol.UDP).payload(new byte[30]).build(),
                FrameBuilder.linuxSyn(false, 1460).etherType(0x0806).build(),
                FrameBuilder.linuxSyn(false, 1460).ipv4Fragment(1480, false).build(),
                FrameBuilder.linuxSyn(true, 1440).build());
        int count = frames.size();
        ByteBuffer buffer = ByteBuffer.allocateDirect(count * SLOT);
        int[] lengths = new int[count];
        int[] tcpStarts = new int[count];
        for (int i = 0; i < count; i++) {
            TestFrame frame = frames.get(i);
            buffer.put(i * SLOT, frame.bytes);
            // The last frame is cut one byte short: malformed.
            lengths[i] = i == count - 1 ? frame.length() - 1 : frame.length();
            tcpStarts[i] = frame.tcpStart;
        }
        ByteBuffer pristine = ByteBuffer.allocateDirect(buffer.capacity());
        pristine.put(0, buffer, 0, buffer.capacity());
        TcpMssClamp clamp = new TcpMssClamp();
        long[] results = new long[ClampResult.COUNT];

        for (int run = 0; run < WARM_UP_RUNS; run++) {
            run(clamp, buffer, pristine, lengths, tcpStarts, results);
        }
        long[] allocated = new long[MEASURED_RUNS];
        for (int run = 0; run < MEASURED_RUNS; run++) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            run(clamp, buffer, pristine, lengths, tcpStarts, results);
            allocated[run] = THREADS.getCurrentThreadAllocatedBytes() - before;
        }

        for (int result = 0; result < ClampResult.COUNT; result++) {
            assertTrue(results[result] > 0, "reached " + ClampResult.describe(result) + ": " + Arrays.toString(results));
        }
        // Three of the eleven frames are SYNs due a clamp, every time round, since their MSS is restored.
        long perRun = 3 * (CLAMPS / count) + Math.min(3, CLAMPS % count);
        long expectedClamps = (WARM_UP_RUNS + MEASURED_RUNS) * perRun;
        assertEquals(expectedClamps, results[ClampResult.CLAMPED], Arrays.toString(results));
        String runs = Arrays.toString(allocated) + " bytes allocated by runs of " + CLAMPS + " clamps";
        for (long bytes : allocated) {
            assertTrue(bytes < 1024, runs);
        }
        assertEquals(0, Arrays.stream(allocated).min().orElseThrow(), "steady state allocates nothing: " + runs);
    }

    private static void run(TcpMssClamp clamp, ByteBuffer buffer, ByteBuffer pristine, int[] lengths,
                            int[] tcpStarts, long[] results) {
        int count = lengths.length;
        for (int i = 0; i < CLAMPS; i++) {
            int slot = i % count;
            int at = slot * SLOT;
            int result = clamp.clamp(buffer, at, lengths[slot], MAX_FRAME);
            results[result]++;
            if (result == ClampResult.CLAMPED) {
                // Put the original MSS (first option in these frames) and checksum back for the next round.
                int tcp = at + tcpStarts[slot];
                buffer.putInt(tcp + 20, pristine.getInt(tcp + 20));
                buffer.putShort(tcp + 16, pristine.getShort(tcp + 16));
            }
        }
    }
}
