package org.tapbridge.benchmarks.offload;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.tapbridge.offload.OffloadStatus;
import org.tapbridge.offload.FlowCoalescer;
import org.tapbridge.offload.TcpSegmenter;
import org.tapbridge.offload.VirtioNetHeader;

/**
 * The receiving side: the 46 segments of a 64 KB super-frame, sitting in ring slots as opened, offered one by
 * one and flushed into one super-frame with its virtio_net_hdr: one op is the whole super-frame.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CoalesceBenchmark {
    private static final int SLOT = 2048;

    /** Where the ring slots and the coalescing buffer live: direct, or heap. */
    @Param({"direct", "heap"})
    public String memory;

    private FlowCoalescer coalescer;
    private ByteBuffer ring;
    private final int[] lengths = new int[64];
    private int count;

    @Setup
    public void setUp() {
        boolean direct = memory.equals("direct");
        ByteBuffer superFrame = SuperFrames.allocate(direct, VirtioNetHeader.LENGTH + SuperFrames.LENGTH);
        SuperFrames.write(superFrame);
        TcpSegmenter segmenter = new TcpSegmenter();
        VirtioNetHeader header = new VirtioNetHeader(VirtioNetHeader.LENGTH).wrap(superFrame, 0);
        if (segmenter.prepare(superFrame, VirtioNetHeader.LENGTH, SuperFrames.LENGTH, header, SuperFrames.MAX_FRAME)
                != OffloadStatus.OK) {
            throw new IllegalStateException("super-frame refused");
        }
        ring = SuperFrames.allocate(direct, 64 * SLOT);
        count = segmenter.segmentCount();
        for (int i = 0; i < count; i++) {
            lengths[i] = segmenter.writeSegment(i, ring, i * SLOT);
        }
        coalescer = new FlowCoalescer(VirtioNetHeader.LENGTH,
                SuperFrames.allocate(direct, VirtioNetHeader.LENGTH + FlowCoalescer.MAX_FRAME_LENGTH), false);
        if (coalesce() != VirtioNetHeader.LENGTH + SuperFrames.LENGTH) {
            throw new IllegalStateException("not coalesced back into one super-frame");
        }
    }

    /** Returns the length of what would be written to the TAP. */
    @Benchmark
    public int coalesce() {
        int written = 0;
        for (int i = 0; i < count; i++) {
            if (!coalescer.offer(ring, i * SLOT, lengths[i])) {
                written += coalescer.flush() == FlowCoalescer.FLUSH_NOTHING ? 0 : coalescer.outputLength();
                coalescer.offer(ring, i * SLOT, lengths[i]);
            }
        }
        return written + (coalescer.flush() == FlowCoalescer.FLUSH_COALESCED ? coalescer.outputLength() : 0);
    }
}
