package org.tapbridge.pipeline;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.tapbridge.tap.TapDevice;

/**
 * The TAP as the data-path loop uses it: non-blocking reads into ring slots, writes of whole frames, and
 * the counters operators see. A read that fills the whole slot may have been cut short by the kernel and
 * is never forwarded. Owned by the data-path thread, which also reads the counters for reports.
 */
public final class TapPort {
    private static final System.Logger LOG = System.getLogger(TapPort.class.getName());

    private final TapDevice tap;
    private final RateLimitedLog errors = new RateLimitedLog(LOG, 10_000_000_000L);
    private long framesRead;
    private long truncated;
    private long framesWritten;
    private long writeDrops;
    private long readErrors;

    public TapPort(TapDevice tap) {
        this.tap = tap;
    }

    public TapDevice device() {
        return tap;
    }

    /**
     * Reads one frame into {@code buf[offset, offset + capacity)}; returns its length, 0 when none is
     * waiting or it was unusable (counted), -1 when the device failed (logged, counted).
     */
    int read(ByteBuffer buf, int offset, int capacity) {
        int n;
        try {
            n = tap.read(buf, offset, capacity);
        } catch (IOException e) {
            readErrors++;
            errors.warn("reading TAP " + tap.name() + " failed: " + e.getMessage());
            return -1;
        }
        if (n <= 0) {
            return 0;
        }
        if (n >= capacity) {
            truncated++;
            errors.warn("TAP " + tap.name() + " delivered a frame of " + n
                    + " bytes or more; its MTU is larger than tapbridge was started with");
            return 0;
        }
        framesRead++;
        return n;
    }

    void write(ByteBuffer buf, int offset, int length) {
        try {
            if (tap.write(buf, offset, length)) {
                framesWritten++;
            } else {
                writeDrops++;
            }
        } catch (IOException e) {
            writeDrops++;
            errors.warn("writing to TAP " + tap.name() + " failed: " + e.getMessage());
        }
    }

    public long framesRead() {
        return framesRead;
    }

    public long truncated() {
        return truncated;
    }

    public long framesWritten() {
        return framesWritten;
    }

    public long writeDrops() {
        return writeDrops;
    }

    public long readErrors() {
        return readErrors;
    }
}
