package org.tapbridge.tap;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One attached TAP device carrying whole Ethernet frames (no packet-information header), non-blocking:
 * the data-path loop polls {@link #fd()} and owns reads and writes.
 */
public interface TapDevice extends AutoCloseable {
    /** Extra room a read buffer needs beyond the MTU: Ethernet header 14 bytes plus one 802.1Q tag 4 bytes. */
    int FRAME_HEADROOM = 14 + 4;

    /** The descriptor the data-path loop polls, or -1 for an in-memory device (which wakes the loop itself). */
    default int fd() {
        return -1;
    }

    /** The interface name as the kernel knows it. */
    String name();

    /** The MTU the device had once opened and configured. */
    int mtu();

    /**
     * Bytes of {@link VnetHeader} in front of every frame read or written; 0 (the default) for plain
     * frames. Nonzero only for a TAP opened with {@link TapOptions#withOffloads}.
     */
    default int vnetHeaderLength() {
        return 0;
    }

    /** The {@link TapOffloads} the kernel may use in frames it hands over; 0 (the default) for none. */
    default int offloads() {
        return 0;
    }

    /**
     * The smallest read capacity that cannot cut a frame short: {@code mtu() + FRAME_HEADROOM}, plus the
     * vnet header, or 64 KB and more with segmentation offloads (see {@link LinuxTapDevice}).
     */
    default int minimumReadCapacity() {
        return mtu() + FRAME_HEADROOM;
    }

    /**
     * Non-blocking read of one frame into direct memory buf[offset, offset+capacity); returns its length,
     * or 0 when no frame is ready. Never blocks. A frame longer than capacity is cut short by the kernel
     * without notice, so give capacity at least {@code mtu() + FRAME_HEADROOM}; a read that fills the whole
     * capacity is counted in {@link #possiblyTruncatedReads()}.
     */
    int read(ByteBuffer directBuffer, int offset, int capacity) throws IOException;

    /**
     * Non-blocking reads of up to {@code count} frames into direct memory, frame i into
     * {@code buf[offsets[i], offsets[i]+capacity)}, its length into {@code lengths[i]}; returns how many were
     * read, which fill the first regions in the order the kernel handed them over. Fewer than asked means
     * nothing more was waiting. The default reads one frame per call until one finds nothing.
     */
    default int readBatch(ByteBuffer directBuffer, int[] offsets, int capacity, int count, int[] lengths)
            throws IOException {
        int n = 0;
        while (n < count) {
            int length = read(directBuffer, offsets[n], capacity);
            if (length <= 0) {
                break;
            }
            lengths[n++] = length;
        }
        return n;
    }

    /** How frames are read, for {@code stats}: "io_uring, up to 64 per call", or one per read and why. */
    default String readMode() {
        return "one frame per read";
    }

    /** Calls that read frames, which a batched reader makes fewer than the frames. Reader thread only. */
    default long readCalls() {
        return 0;
    }

    /**
     * Writes one whole frame from direct memory; returns false (and does not throw) when the kernel queue
     * is full (EAGAIN) so the caller can count a drop.
     */
    boolean write(ByteBuffer directBuffer, int offset, int length) throws IOException;

    /** Reads that filled their whole capacity, so the frame may have been longer. Written by the reader thread. */
    long possiblyTruncatedReads();

    /** Idempotent; removes the device if we created it (non-persistent). Call after the reader and writer stopped. */
    @Override
    void close();
}
