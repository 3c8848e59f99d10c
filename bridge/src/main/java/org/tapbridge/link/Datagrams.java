package org.tapbridge.link;

import java.nio.ByteBuffer;

/**
 * A batch of datagrams for one {@code recvmmsg} or {@code sendmmsg}: each entry is a slice of direct
 * memory, a length, an address (source when received, destination when sent) and, after a send, the
 * errno that refused it (0 when it left). Entries are set up once and re-pointed per batch; nothing
 * here allocates after construction. Owned by the data-path thread.
 */
public final class Datagrams {
    private final ByteBuffer[] buffers;
    private final int[] offsets;
    private final int[] capacities;
    private final int[] lengths;
    private final boolean[] truncated;
    private final int[] errors;
    private final int[] segmentSizes;
    private final WireAddress[] addresses;

    public Datagrams(int capacity) {
        buffers = new ByteBuffer[capacity];
        offsets = new int[capacity];
        capacities = new int[capacity];
        lengths = new int[capacity];
        truncated = new boolean[capacity];
        errors = new int[capacity];
        segmentSizes = new int[capacity];
        addresses = new WireAddress[capacity];
        for (int i = 0; i < capacity; i++) {
            addresses[i] = new WireAddress();
        }
    }

    public int capacity() {
        return buffers.length;
    }

    /** Points entry {@code i} at {@code buffer[offset, offset + capacity)}: where a datagram lands or starts. */
    public void point(int i, ByteBuffer buffer, int offset, int capacity) {
        buffers[i] = buffer;
        offsets[i] = offset;
        capacities[i] = capacity;
    }

    public ByteBuffer buffer(int i) {
        return buffers[i];
    }

    public int offset(int i) {
        return offsets[i];
    }

    public int bufferCapacity(int i) {
        return capacities[i];
    }

    /** Bytes received into entry {@code i}, or to send from it. */
    public int length(int i) {
        return lengths[i];
    }

    public void length(int i, int length) {
        lengths[i] = length;
    }

    /** The datagram was longer than the entry's capacity and was cut short by the kernel. */
    public boolean truncated(int i) {
        return truncated[i];
    }

    public void truncated(int i, boolean value) {
        truncated[i] = value;
    }

    /** errno of a refused send (EMSGSIZE, EAGAIN...), 0 when the datagram left. */
    public int error(int i) {
        return errors[i];
    }

    public void error(int i, int errno) {
        errors[i] = errno;
    }

    /**
     * Sending: entry {@code i} holds datagrams of this many bytes end to end (the last may be shorter), to
     * leave as one segmented send (UDP GSO); receiving: the kernel joined datagrams of this size into the
     * entry (UDP GRO). 0: one datagram.
     */
    public int segmentSize(int i) {
        return segmentSizes[i];
    }

    public void segmentSize(int i, int size) {
        segmentSizes[i] = size;
    }

    public WireAddress address(int i) {
        return addresses[i];
    }
}
