package org.tapbridge.pipeline;

import java.nio.ByteBuffer;
import org.tapbridge.crypto.DataMessage;
import org.tapbridge.link.WireAddress;

/**
 * One ring slot: a fixed slice of direct memory and what was read into it. A frame from the TAP lies
 * at {@link #FRAME_OFFSET}, leaving room before it for the message header; a datagram lies at 0, and
 * once opened in place its frame is at {@link #FRAME_OFFSET} too. Created once with the ring and reused
 * for ever. Owned by the data-path thread.
 */
public final class FrameSlot {
    /** Claimed but nothing arrived: skipped. */
    public static final int EMPTY = 0;
    /** An Ethernet frame read from the TAP. */
    public static final int TAP_FRAME = 1;
    /** A datagram from the UDP socket, with its source. */
    public static final int DATAGRAM = 2;

    /** Where a frame starts: after room for a message header, so a frame can be sealed or opened in place. */
    public static final int FRAME_OFFSET = DataMessage.HEADER_LENGTH;

    private final ByteBuffer buffer;
    private final ByteBuffer memory;
    private final int base;
    private final WireAddress source = new WireAddress();
    int kind;
    int length;
    /** For a datagram: the size of each of several datagrams the kernel joined (UDP GRO), 0 for one. */
    int segmentSize;

    FrameSlot(ByteBuffer memory, int base, int capacity) {
        this.memory = memory;
        this.base = base;
        this.buffer = memory.slice(base, capacity);
    }

    /** The slot's own view: index 0 is the slot's first byte. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /**
     * The whole ring's memory, of which this slot starts at {@link #base()}: native reads and writes go
     * through it, so they always see the same buffer and its address is looked up once.
     */
    public ByteBuffer memory() {
        return memory;
    }

    public int base() {
        return base;
    }

    public int capacity() {
        return buffer.capacity();
    }

    public int kind() {
        return kind;
    }

    /** Bytes of the frame (TAP) or of the datagram. */
    public int length() {
        return length;
    }

    /** The datagram's source. */
    public WireAddress source() {
        return source;
    }

    void empty() {
        kind = EMPTY;
        length = 0;
    }

    void tapFrame(int length) {
        kind = TAP_FRAME;
        this.length = length;
    }

    void datagram(int length, int segmentSize) {
        kind = DATAGRAM;
        this.length = length;
        this.segmentSize = segmentSize;
    }

    /** Bytes of each datagram joined into this slot (the last may be shorter); 0 when it holds one. */
    public int segmentSize() {
        return segmentSize;
    }
}
