package org.tapbridge.mtu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Fragmenting, reassembling and answering allocate nothing once warm, measured per thread. */
class MtuAllocationTest {
    private static final int WARM_UP_RUNS = 5;
    private static final int MEASURED_RUNS = 3;
    private static final int FRAMES_PER_RUN = 20_000;
    private static final int MAX_FRAME = 9000;

    // Looked up once: ManagementFactory.getThreadMXBean() itself allocates on every call.
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static void assumeMeasurable() {
        assumeTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM cannot count allocated bytes per thread");
    }

    @Test
    void fragmentingAndReassemblingAllocateNothing() {
        assumeMeasurable();
        SplittableRandom random = new SplittableRandom(3);
        int distinct = 64;
        ByteBuffer frames = ByteBuffer.allocateDirect(distinct * MAX_FRAME);
        int[] lengths = new int[distinct];
        int[] payloads = new int[distinct];
        for (int i = 0; i < distinct; i++) {
            lengths[i] = 60 + random.nextInt(MAX_FRAME - 60 + 1);
            payloads[i] = 400 + random.nextInt(1100);
            for (int b = 0; b < lengths[i]; b++) {
                frames.put(i * MAX_FRAME + b, (byte) random.nextInt());
            }
        }
        Fragmenter fragmenter = new Fragmenter(7);
        FragmentReassembler reassembler = new FragmentReassembler(4, MAX_FRAME, 1_000_000L);
        ByteBuffer message = ByteBuffer.allocate(2048);
        long[] outcome = new long[2];
        long now = 0;
        for (int run = 0; run < WARM_UP_RUNS; run++) {
            now = fragmentRun(frames, lengths, payloads, fragmenter, reassembler, message, outcome, now);
        }
        long[] allocated = new long[MEASURED_RUNS];
        for (int run = 0; run < MEASURED_RUNS; run++) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            now = fragmentRun(frames, lengths, payloads, fragmenter, reassembler, message, outcome, now);
            allocated[run] = THREADS.getCurrentThreadAllocatedBytes() - before;
        }
        // Every frame completed but those that lost a piece on purpose, which expired or wait: the work was real.
        long runs = WARM_UP_RUNS + MEASURED_RUNS;
        long lossy = runs * (FRAMES_PER_RUN / 64);
        assertEquals(runs * FRAMES_PER_RUN - lossy, outcome[0]);
        reassembler.expire(now + 2_000_000L);
        assertEquals(0, reassembler.busySlots());
        assertEquals(lossy, reassembler.expired() + reassembler.evicted());
        assertEquals(0, reassembler.malformed() + reassembler.duplicate());
        System.out.println("fragment+reassemble: " + Arrays.toString(allocated) + " bytes allocated by runs of "
                + FRAMES_PER_RUN + " frames");
        assertEquals(0, Arrays.stream(allocated).max().orElseThrow(), Arrays.toString(allocated)
                + " bytes allocated by runs of " + FRAMES_PER_RUN + " frames");
    }

    private static long fragmentRun(ByteBuffer frames, int[] lengths, int[] payloads, Fragmenter fragmenter,
                                    FragmentReassembler reassembler, ByteBuffer message, long[] outcome, long nowNs) {
        long now = nowNs;
        for (int f = 0; f < FRAMES_PER_RUN; f++) {
            int i = f & (lengths.length - 1);
            int count = fragmenter.count(lengths[i], payloads[i]);
            int id = fragmenter.nextFrameId();
            // Every 64th frame loses its last piece, so expiry runs too.
            int sent = (f & 63) == 63 ? count - 1 : count;
            for (int index = 0; index < sent; index++) {
                int written = fragmenter.write(frames, i * MAX_FRAME, lengths[i], index, count, id, payloads[i],
                        message, 0);
                if (reassembler.accept(message, 0, written, now) == FragmentReassembler.COMPLETE) {
                    outcome[0]++;
                    outcome[1] += reassembler.frameBuffer().get(reassembler.frameOffset() + reassembler.frameLength() - 1);
                }
            }
            now += 10_000;
            if ((f & 127) == 0) {
                reassembler.expire(now);
            }
        }
        return now;
    }

    @Test
    void buildingRepliesAllocatesNothing() {
        assumeMeasurable();
        Packets.V4 v4 = new Packets.V4();
        v4.tags = new int[] {0x8100, 10};
        Packets.V6 v6 = new Packets.V6();
        v6.tags = new int[] {0x88A8, 1, 0x8100, 2};
        Packets.V4 noDf = new Packets.V4();
        noDf.dontFragment = false;
        byte[][] originals = {v4.build(), v6.build(), noDf.build()};
        ByteBuffer[] inputs = new ByteBuffer[originals.length * 2];
        for (int i = 0; i < originals.length; i++) {
            inputs[2 * i] = Packets.place(Packets.Kind.HEAP_BIG_ENDIAN, originals[i], 0, 0);
            inputs[2 * i + 1] = Packets.place(Packets.Kind.DIRECT_LITTLE_ENDIAN, originals[i], 0, 0);
        }
        ByteBuffer heapOut = ByteBuffer.allocate(TooBigReply.MAX_REPLY_LENGTH);
        ByteBuffer directOut = ByteBuffer.allocateDirect(TooBigReply.MAX_REPLY_LENGTH);
        TooBigReply replies = new TooBigReply();
        long[] total = new long[1];
        for (int run = 0; run < WARM_UP_RUNS; run++) {
            replyRun(replies, inputs, heapOut, directOut, total);
        }
        long[] allocated = new long[MEASURED_RUNS];
        long before = total[0];
        for (int run = 0; run < MEASURED_RUNS; run++) {
            long bytesBefore = THREADS.getCurrentThreadAllocatedBytes();
            replyRun(replies, inputs, heapOut, directOut, total);
            allocated[run] = THREADS.getCurrentThreadAllocatedBytes() - bytesBefore;
        }
        assertEquals(MEASURED_RUNS * replyBytesPerRun(), total[0] - before, "every reply was built");
        System.out.println("replies: " + Arrays.toString(allocated) + " bytes allocated by runs of " + FRAMES_PER_RUN
                + " frames");
        assertEquals(0, Arrays.stream(allocated).max().orElseThrow(), Arrays.toString(allocated)
                + " bytes allocated by runs of " + FRAMES_PER_RUN + " frames");
    }

    /** Per round: 2 IPv4 replies of 18 + 576 bytes and 2 IPv6 replies of 22 + 1280; the no-DF frames get none. */
    private static long replyBytesPerRun() {
        long perRound = 2L * (18 + 576) + 2L * (22 + 1280);
        return perRound * (FRAMES_PER_RUN / 6);
    }

    private static void replyRun(TooBigReply replies, ByteBuffer[] inputs, ByteBuffer heapOut, ByteBuffer directOut,
                                 long[] total) {
        for (int round = 0; round < FRAMES_PER_RUN / 6; round++) {
            for (int i = 0; i < inputs.length; i++) {
                ByteBuffer in = inputs[i];
                ByteBuffer out = (i & 1) == 0 ? directOut : heapOut;
                total[0] += replies.build(in, 0, in.limit(), 1440, out, 0, out.capacity());
            }
        }
    }
}
