package org.tapbridge.pipeline;

import java.io.IOException;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.tap.TapDevice;

/**
 * The {@code tap-reader} thread: waits until the TAP has a frame, then claims a ring slot and reads
 * the frame straight into it. Claiming only when data is ready keeps a blocked read from holding a
 * slot that every consumer would wait on.
 */
public final class TapReader implements Runnable {
    private static final System.Logger LOG = System.getLogger(TapReader.class.getName());
    private static final long POLL_MILLIS = 500;

    private final TapDevice tap;
    private final FrameRing ring;
    private volatile boolean running = true;
    private long framesRead;
    private long truncated;
    private final RateLimitedLog errors = new RateLimitedLog(LOG, 10_000_000_000L);

    public TapReader(TapDevice tap, FrameRing ring) {
        this.tap = tap;
        this.ring = ring;
    }

    @Override
    public void run() {
        while (running) {
            try {
                if (tap.awaitReadable(POLL_MILLIS)) {
                    drain();
                }
            } catch (IOException | RuntimeException e) {
                if (running) {
                    errors.warn("reading TAP " + tap.name() + " failed: " + e);
                    sleepQuietly();
                }
            }
        }
    }

    private void drain() throws IOException {
        while (running) {
            long seq = ring.claim();
            FrameEvent event = ring.slot(seq);
            int length = 0;
            try {
                length = tap.read(event.buffer(), 0, event.capacity());
            } finally {
                // Whatever happened, the claimed slot is published: an unpublished one stalls every stage.
                if (length <= 0) {
                    event.setEmpty();
                    ring.publish(seq);
                }
            }
            if (length <= 0) {
                return;
            }
            if (length >= event.capacity()) {
                // A frame that fills the slot may have been cut short by the kernel: never forward it.
                truncated++;
                errors.warn("TAP " + tap.name() + " delivered a frame of " + length
                        + " bytes or more; raise the ring slot size above the TAP MTU");
                event.setEmpty();
            } else {
                framesRead++;
                event.setFrame(LearningSwitch.LOCAL_PORT, length);
            }
            ring.publish(seq);
        }
    }

    /** Stops the loop within one poll interval; wakes a waiting poll at once. */
    public void stop() {
        running = false;
        tap.wakeup();
    }

    public long framesRead() {
        return framesRead;
    }

    public long truncated() {
        return truncated;
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
