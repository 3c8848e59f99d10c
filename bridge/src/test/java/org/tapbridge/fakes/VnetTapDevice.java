package org.tapbridge.fakes;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.tapbridge.tap.TapDevice;
import org.tapbridge.tap.VnetHeader;

/**
 * A TAP without a kernel that carries a vnet header of 10 or 12 bytes before every frame, both ways, as one
 * opened with {@code IFF_VNET_HDR} and segmentation offloads does: the test injects header-and-frame byte
 * arrays and reads back what the bridge wrote, header included. Writes are copied only while
 * {@link #keepWritten} is on; off, they are just counted, so allocation can be measured through it.
 * Reads and writes belong to one data-path thread; injecting and taking are thread-safe.
 */
public final class VnetTapDevice implements TapDevice {
    private final String name;
    private final int mtu;
    private final int vnetHeaderLength;
    private final ConcurrentLinkedQueue<byte[]> towardBridge = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<byte[]> towardHost = new ConcurrentLinkedQueue<>();
    private volatile Runnable onArrival = () -> { };
    private volatile boolean keepWritten = true;
    private long writes;
    private long bytesWritten;
    private long possiblyTruncatedReads;

    public VnetTapDevice(String name, int mtu, int vnetHeaderLength) {
        if (vnetHeaderLength != 10 && vnetHeaderLength != 12) {
            throw new IllegalArgumentException("vnet header length " + vnetHeaderLength + " is neither 10 nor 12");
        }
        this.name = name;
        this.mtu = mtu;
        this.vnetHeaderLength = vnetHeaderLength;
    }

    /** The host hands the bridge {@code headerAndFrame}: a vnet header, then the frame. */
    public void inject(byte[] headerAndFrame) {
        towardBridge.add(headerAndFrame.clone());
        onArrival.run();
    }

    /** Called whenever something is injected: wakes the loop that reads this TAP. */
    public void onArrival(Runnable wake) {
        this.onArrival = wake;
    }

    public boolean hasPending() {
        return !towardBridge.isEmpty();
    }

    /** Whether writes are copied for {@link #takeWritten}; off, they are only counted. */
    public void keepWritten(boolean keep) {
        this.keepWritten = keep;
    }

    /** The oldest write not taken yet (vnet header, then frame), or null. */
    public byte[] takeWritten() {
        return towardHost.poll();
    }

    /** Writes so far, kept or not. Data-path thread. */
    public long writes() {
        return writes;
    }

    /** Bytes of all writes so far, headers included. Data-path thread. */
    public long bytesWritten() {
        return bytesWritten;
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
    public int vnetHeaderLength() {
        return vnetHeaderLength;
    }

    @Override
    public int minimumReadCapacity() {
        return vnetHeaderLength + VnetHeader.MAX_SUPER_FRAME_BYTES;
    }

    @Override
    public int read(ByteBuffer directBuffer, int offset, int capacity) {
        requireDirect(directBuffer);
        byte[] next = towardBridge.poll();
        if (next == null) {
            return 0;
        }
        // As the kernel: cut short without notice when longer than the buffer.
        int length = Math.min(next.length, capacity);
        directBuffer.put(offset, next, 0, length);
        if (length == capacity) {
            possiblyTruncatedReads++;
        }
        return length;
    }

    @Override
    public boolean write(ByteBuffer directBuffer, int offset, int length) {
        requireDirect(directBuffer);
        if (length < vnetHeaderLength) {
            throw new IllegalArgumentException("a write of " + length + " bytes cannot hold a " + vnetHeaderLength
                    + "-byte vnet header");
        }
        writes++;
        bytesWritten += length;
        if (keepWritten) {
            byte[] copy = new byte[length];
            directBuffer.get(offset, copy, 0, length);
            towardHost.add(copy);
        }
        return true;
    }

    @Override
    public long possiblyTruncatedReads() {
        return possiblyTruncatedReads;
    }

    @Override
    public void close() {
    }

    private void requireDirect(ByteBuffer buffer) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("TAP " + name + " needs direct memory, got a heap buffer");
        }
    }
}
