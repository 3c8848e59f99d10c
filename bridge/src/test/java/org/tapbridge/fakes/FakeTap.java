package org.tapbridge.fakes;

import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.tapbridge.tap.TapDevice;

/** An in-memory TAP: tests inject frames "from the LAN" and collect the frames the daemon writes. */
public final class FakeTap implements TapDevice {
    private final String name;
    private final int mtu;
    private final BlockingQueue<byte[]> fromLan = new LinkedBlockingQueue<>();
    private final BlockingQueue<byte[]> toLan = new LinkedBlockingQueue<>();
    private final Object signal = new Object();
    private boolean woken;
    private volatile boolean closed;

    public FakeTap(String name, int mtu) {
        this.name = name;
        this.mtu = mtu;
    }

    /** A frame arriving from the site's LAN. */
    public void inject(byte[] frame) {
        fromLan.add(frame.clone());
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    /** The next frame the daemon wrote to the LAN, or null after the timeout. */
    public byte[] nextWritten(long timeoutMillis) throws InterruptedException {
        return toLan.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    public int writtenCount() {
        return toLan.size();
    }

    public boolean isClosed() {
        return closed;
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
        byte[] frame = fromLan.poll();
        if (frame == null) {
            return 0;
        }
        int n = Math.min(frame.length, capacity);
        directBuffer.put(offset, frame, 0, n);
        return n;
    }

    @Override
    public boolean awaitReadable(long timeoutMillis) throws java.io.IOException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        synchronized (signal) {
            while (fromLan.isEmpty() && !woken) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                try {
                    signal.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
            }
            woken = false;
            return !fromLan.isEmpty();
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
        byte[] frame = new byte[length];
        directBuffer.get(offset, frame, 0, length);
        toLan.add(frame);
        return true;
    }

    @Override
    public long possiblyTruncatedReads() {
        return 0;
    }

    @Override
    public void close() {
        closed = true;
        wakeup();
    }
}
