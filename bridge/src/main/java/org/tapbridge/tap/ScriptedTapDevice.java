package org.tapbridge.tap;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TAP without a kernel that allocates nothing per frame, for warming up and measuring the data path:
 * the host side replays preloaded frames in turn, up to a count its driver releases, and frames the bridge
 * writes are only counted. Reads and writes belong to the data-path thread; the driver releases frames
 * and reads the counts from its own thread.
 */
public final class ScriptedTapDevice implements TapDevice {
    private final String name;
    private final int mtu;
    private final byte[][] frames;
    private final AtomicLong released = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private volatile Runnable onArrival = () -> { };
    /** Frames handed to the bridge so far: the data-path thread's alone. */
    private long read;

    /** @param frames what the host sends, in turn, again and again; never copied */
    public ScriptedTapDevice(String name, int mtu, byte[][] frames) {
        if (frames.length == 0) {
            throw new IllegalArgumentException("a scripted TAP needs at least one frame to send");
        }
        this.name = name;
        this.mtu = mtu;
        this.frames = frames;
    }

    /** Called (on the driver's thread) whenever frames are released: wakes the loop that reads this TAP. */
    public void onArrival(Runnable wake) {
        this.onArrival = wake;
    }

    /** Lets the host have sent {@code total} frames in all since the start. One driver thread. */
    public void releaseUpTo(long total) {
        if (total > released.get()) {
            released.set(total);
            onArrival.run();
        }
    }

    /** Frames released so far. */
    public long released() {
        return released.get();
    }

    /** Whether released frames wait to be read. Called by the data-path thread (its waiter). */
    public boolean hasPending() {
        return read < released.get();
    }

    /** Frames the bridge wrote to this TAP so far. Any thread. */
    public long written() {
        return written.get();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public int read(ByteBuffer directBuffer, int offset, int capacity) {
        if (read >= released.get()) {
            return 0;
        }
        byte[] frame = frames[(int) (read++ % frames.length)];
        int length = Math.min(frame.length, capacity);
        directBuffer.put(offset, frame, 0, length);
        return length;
    }

    @Override
    public boolean write(ByteBuffer directBuffer, int offset, int length) {
        // One writer (the data-path thread): a plain increment published with lazySet allocates nothing.
        written.lazySet(written.get() + 1);
        return true;
    }

    @Override
    public long possiblyTruncatedReads() {
        return 0;
    }

    @Override
    public void close() {
    }
}
