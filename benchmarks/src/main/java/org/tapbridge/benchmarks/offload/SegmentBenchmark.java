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
import org.tapbridge.offload.TcpSegmenter;
import org.tapbridge.offload.VirtioNetHeader;

/**
 * One 64 KB TCP super-frame cut into 46 segments of at most 1514 bytes (1448 payload bytes each) written into
 * a send batch, checksums included: one op is the whole super-frame; divide by 46 for a segment.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SegmentBenchmark {
    private static final int SLOT = 2048;

    /** Where the super-frame and the send batch live: direct as the TAP and socket buffers, or heap. */
    @Param({"direct", "heap"})
    public String memory;

    private final TcpSegmenter segmenter = new TcpSegmenter();
    private final VirtioNetHeader header = new VirtioNetHeader(VirtioNetHeader.LENGTH);
    private ByteBuffer superFrame;
    private ByteBuffer batch;

    @Setup
    public void setUp() {
        boolean direct = memory.equals("direct");
        superFrame = SuperFrames.allocate(direct, VirtioNetHeader.LENGTH + SuperFrames.LENGTH);
        SuperFrames.write(superFrame);
        header.wrap(superFrame, 0);
        batch = SuperFrames.allocate(direct, 64 * SLOT);
        if (segment() != 46 * 1000) {
            throw new IllegalStateException("expected 46 segments, got " + segmenter.segmentCount());
        }
    }

    /** Returns segments * 1000 plus a byte of the last, so nothing is optimised away. */
    @Benchmark
    public int segment() {
        if (segmenter.prepare(superFrame, VirtioNetHeader.LENGTH, SuperFrames.LENGTH, header, SuperFrames.MAX_FRAME)
                != OffloadStatus.OK) {
            return -1;
        }
        int count = segmenter.segmentCount();
        int written = 0;
        for (int i = 0; i < count; i++) {
            written += segmenter.writeSegment(i, batch, i * SLOT) > 0 ? 1 : 0;
        }
        return written * 1000 + (batch.get((count - 1) * SLOT + 50) & 0);
    }
}
