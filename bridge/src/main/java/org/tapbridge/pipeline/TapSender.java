package org.tapbridge.pipeline;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.tapbridge.tap.TapDevice;

/** Egress to the local TAP (switch port 0), on the egress thread. */
public final class TapSender implements FrameSender {
    private static final System.Logger LOG = System.getLogger(TapSender.class.getName());

    private final TapDevice tap;
    private final RateLimitedLog errors = new RateLimitedLog(LOG, 10_000_000_000L);
    private long written;
    private long dropped;

    public TapSender(TapDevice tap) {
        this.tap = tap;
    }

    @Override
    public void send(ByteBuffer frame, int length, long nowNs) {
        try {
            if (tap.write(frame, 0, length)) {
                written++;
            } else {
                dropped++;
            }
        } catch (IOException e) {
            dropped++;
            errors.warn("writing to TAP " + tap.name() + " failed: " + e.getMessage());
        }
    }

    public long written() {
        return written;
    }

    public long dropped() {
        return dropped;
    }
}
