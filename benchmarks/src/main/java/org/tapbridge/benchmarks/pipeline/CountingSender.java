package org.tapbridge.benchmarks.pipeline;

import java.nio.ByteBuffer;
import org.tapbridge.pipeline.FrameSender;

/** A sender that only counts and touches the frame, so the stages are measured without any I/O. Egress thread. */
final class CountingSender implements FrameSender {
    private volatile long frames;
    private long bytes;
    private long checksum;

    @Override
    public void send(ByteBuffer frame, int length, long nowNs) {
        // Reading the last byte keeps the JIT from skipping the frame, as a real write would read it all.
        checksum += frame.get(length - 1);
        bytes += length;
        frames = frames + 1;
    }

    long frames() {
        return frames;
    }

    long checksum() {
        return checksum + bytes;
    }
}
