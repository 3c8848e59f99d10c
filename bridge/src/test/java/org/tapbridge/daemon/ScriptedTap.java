package org.tapbridge.daemon;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.tapbridge.tap.TapDevice;

/**
 * A TAP that allocates nothing per frame, for measuring the production reader and sender: the host
 * side is a ring of preloaded frames released by credits ({@link #grant}), and frames the bridge
 * writes are only counted. Reads belong to tap-reader, writes to egress, as on the real device.
 */
final class ScriptedTap implements TapDevice {
    private final String name;
    private final int mtu;
    private final byte[][] frames;
    private final Object signal = new Object();
    /** Frames the host may still send: written by the test, read by tap-reader; guarded by signal for waits. */
    private final AtomicLong granted = new AtomicLong();
    private long readCount; // tap-reader only
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong writtenBytes = new AtomicLong();
    private boolean woken; // guarded by signal
    private volatile boolean open = true;

    /** @param frames preloaded host frames, sent in turn; their count must be a power of two */
    ScriptedTap(String name, int mtu, byte[][] frames) {
        if (Integer.bitCount(frames.length) != 1) {
            throw new IllegalArgumentException("frames=" + frames.length + " is not a power of two");
        }
        this.name = name;
        this.mtu = mtu;
        this.frames = frames;
    }

    /** Lets the host send {@code count} more frames. Test thread. */
    void grant(long count) {
        granted.addAndGet(count);
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    long granted() {
        return granted.get();
    }

    /** Frames the bridge wrote to this TAP (any thread). */
    long written() {
        return written.get();
    }

    long writtenBytes() {
        return writtenBytes.get();
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
        if (readCount >= granted.get()) {
            return 0;
        }
        byte[] frame = frames[(int) (readCount & (frames.length - 1))];
        int length = Math.min(frame.length, capacity);
        directBuffer.put(offset, frame, 0, length);
        readCount++;
        return length;
    }

    @Override
    public boolean awaitReadable(long timeoutMillis) {
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMillis));
        synchronized (signal) {
            while (true) {
                if (readCount < granted.get()) {
                    woken = false;
                    return true;
                }
                if (woken || !open) {
                    woken = false;
                    return false;
                }
                long leftNs = deadlineNs - System.nanoTime();
                if (leftNs <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(signal, leftNs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }

    @Override
    public void wakeup() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    @Override
    public boolean write(ByteBuffer directBuffer, int offset, int length) {
        // Single writer (egress): plain read-modify-write through the atomic is enough and allocation-free.
        written.lazySet(written.get() + 1);
        writtenBytes.lazySet(writtenBytes.get() + length);
        return true;
    }

    @Override
    public long possiblyTruncatedReads() {
        return 0;
    }

    @Override
    public void close() {
        open = false;
        wakeup();
    }
}
