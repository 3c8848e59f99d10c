package org.tapbridge.crypto;

import java.nio.ByteBuffer;

/**
 * Flyweight over a sealed message: DATA (type 3) carries one Ethernet frame, or is a keepalive when empty;
 * CONTROL (type 4) carries a link control payload (path-MTU probes, fragments of a frame too big for
 * one message) under the same keys and counters. The type byte is in the associated data, so neither
 * kind can be passed off as the other.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  version = 1  | type = 3 or 4 |        reserved = 0           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 receiver index (chosen by the receiver)       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +                counter (u64, the AES-GCM nonce)               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   ciphertext of the frame ...                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       tag (16 bytes)                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * The 16 header bytes are the AEAD associated data; the nonce is 4 zero bytes then the counter. Re-point
 * with {@link #wrap}; confined to the thread using the buffer.
 */
public final class DataMessage {
    public static final int RECEIVER_INDEX_OFFSET = 4;
    public static final int COUNTER_OFFSET = 8;
    public static final int HEADER_LENGTH = 16;
    /** A keepalive: header and tag around nothing. */
    public static final int MIN_LENGTH = HEADER_LENGTH + TransportCipher.TAG_LENGTH;

    private ByteBuffer buffer;
    private int offset;

    public DataMessage wrap(ByteBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int receiverIndex() {
        return WireFormat.readInt(buffer, offset + RECEIVER_INDEX_OFFSET);
    }

    public long counter() {
        return WireFormat.readLong(buffer, offset + COUNTER_OFFSET);
    }

    /** DATA or CONTROL. */
    public byte type() {
        return buffer.get(offset + WireFormat.TYPE_OFFSET);
    }

    /** Writes the whole header of a DATA message: prefix, receiver index and counter. */
    public DataMessage writeHeader(int receiverIndex, long counter) {
        return writeHeader(WireFormat.TYPE_DATA, receiverIndex, counter, 0);
    }

    /** Writes the whole header of a DATA or CONTROL message, for the receiving site's {@code lane}. */
    public DataMessage writeHeader(byte type, int receiverIndex, long counter, int lane) {
        WireFormat.writePrefix(buffer, offset, type, lane);
        WireFormat.writeInt(buffer, offset + RECEIVER_INDEX_OFFSET, receiverIndex);
        WireFormat.writeLong(buffer, offset + COUNTER_OFFSET, counter);
        return this;
    }

    /** Offset of the frame (plaintext) or its ciphertext in the buffer. */
    public int payloadOffset() {
        return offset + HEADER_LENGTH;
    }
}
