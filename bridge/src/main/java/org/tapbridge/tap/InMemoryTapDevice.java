package org.tapbridge.tap;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A TAP without a kernel, for running whole bridges back to back in one JVM: the test plays the host
 * side with {@link #inject} (a frame the host sends) and {@link #takeWritten} (a frame the bridge wrote).
 * Same threading as the real device; being a test double it allocates one array per frame written.
 * It wakes the loop through {@link #onArrival} and tells it whether frames wait ({@link #hasPending()}).
 */
public final class InMemoryTapDevice implements TapDevice {
    private final String name;
    private final int mtu;
    private final ArrayBlockingQueue<byte[]> towardBridge;
    private final ArrayBlockingQueue<byte[]> towardHost;
    private volatile Runnable onArrival = () -> { };
    private volatile boolean open = true;
    private long possiblyTruncatedReads;

    /** queueFrames bounds each direction, as the kernel's queue does; a full queue drops like EAGAIN. */
    public InMemoryTapDevice(String name, int mtu, int queueFrames) {
        String problem = TapOptions.nameProblem(name);
        if (problem != null) {
            throw new IllegalArgumentException("tap name " + problem);
        }
        if (queueFrames < 1) {
            throw new IllegalArgumentException("queueFrames=" + queueFrames + " < 1");
        }
        this.name = name;
        this.mtu = mtu;
        this.towardBridge = new ArrayBlockingQueue<>(queueFrames);
        this.towardHost = new ArrayBlockingQueue<>(queueFrames);
    }

    /** The host sends a frame to the bridge; false when the queue is full (the frame is dropped). */
    public boolean inject(byte[] frame) {
        boolean queued = towardBridge.offer(frame.clone());
        if (queued) {
            onArrival.run();
        }
        return queued;
    }

    /** Called (on the host's thread) whenever a frame is injected: wakes the loop that reads this TAP. */
    public void onArrival(Runnable wake) {
        this.onArrival = wake;
    }

    /** Whether injected frames wait to be read. */
    public boolean hasPending() {
        return !towardBridge.isEmpty();
    }

    /** The next frame the bridge wrote, waiting up to timeoutMillis; null when none came. */
    public byte[] takeWritten(long timeoutMillis) throws InterruptedException {
        return towardHost.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** Frames the bridge wrote that the host has not taken yet. */
    public int writtenPending() {
        return towardHost.size();
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
    public int read(ByteBuffer directBuffer, int offset, int capacity) throws TapException {
        checkRegion(directBuffer, offset, capacity);
        ensureOpen("read");
        byte[] frame = towardBridge.poll();
        if (frame == null) {
            return 0;
        }
        // Like the kernel: a frame longer than the buffer is cut short without notice.
        int length = Math.min(frame.length, capacity);
        directBuffer.put(offset, frame, 0, length);
        if (length == capacity) {
            possiblyTruncatedReads++;
        }
        return length;
    }

    @Override
    public boolean write(ByteBuffer directBuffer, int offset, int length) throws TapException {
        checkRegion(directBuffer, offset, length);
        ensureOpen("write");
        byte[] frame = new byte[length];
        directBuffer.get(offset, frame, 0, length);
        return towardHost.offer(frame);
    }

    @Override
    public long possiblyTruncatedReads() {
        return possiblyTruncatedReads;
    }

    @Override
    public void close() {
        open = false;
    }

    private void ensureOpen(String call) throws TapException {
        if (!open) {
            throw new TapException(name, call, 0, null, "the device was closed by tapbridge");
        }
    }

    private void checkRegion(ByteBuffer buffer, int offset, int length) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("TAP " + name + " needs a direct ByteBuffer (native memory),"
                    + " got a heap buffer: allocate frame memory with ByteBuffer.allocateDirect");
        }
        if (offset < 0 || length <= 0 || offset > buffer.capacity() - length) {
            throw new IndexOutOfBoundsException("TAP " + name + ": region [" + offset + ", " + offset + "+" + length
                    + ") is outside the buffer's capacity " + buffer.capacity());
        }
    }
}
