package org.tapbridge.inet;

import java.nio.ByteBuffer;

/**
 * Reusable view of an IPv4 header (RFC 791) at an absolute index of a buffer; {@link #wrap}
 * re-points it. Accessors read the buffer directly and check nothing: the caller first makes sure
 * that {@link #MIN_LENGTH} bytes (and, before reading options, {@link #headerLength()} bytes) lie
 * inside the frame. Owned by one data-path thread.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |    DSCP   |ECN|          Total Length         |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |0|D|M|     Fragment Offset     |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (IHL > 5) ...                      | 20
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>Total Length counts the header and the payload; an Ethernet frame may carry padding after it.
 * Fragment Offset counts 8-byte units: only the fragment at offset 0 holds the transport header.
 */
public final class Ipv4Header {
    public static final int VERSION = 4;
    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int IDENTIFICATION_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SOURCE_OFFSET = 12;
    public static final int DESTINATION_OFFSET = 16;
    /** The fixed header: IHL 5, no options. */
    public static final int MIN_LENGTH = 20;
    public static final int TOS_OFFSET = 1;
    /** Flag bits in the 16-bit word at {@link #FLAGS_FRAGMENT_OFFSET}. */
    public static final int DONT_FRAGMENT = 0x4000;
    public static final int MORE_FRAGMENTS = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    private ByteBuffer buffer;
    private int index;

    /** Points this view at the header starting at absolute {@code index}; checks nothing. */
    public Ipv4Header wrap(ByteBuffer buffer, int index) {
        this.buffer = buffer;
        this.index = index;
        return this;
    }

    public int version() {
        return Bytes.u8(buffer, index + VERSION_IHL_OFFSET) >>> 4;
    }

    /** IHL in bytes: 20 to 60 for a valid header, but 0 to 16 words are representable. */
    public int headerLength() {
        return (Bytes.u8(buffer, index + VERSION_IHL_OFFSET) & 0x0F) * 4;
    }

    /** The DSCP and ECN bits (the former type of service). */
    public int typeOfService() {
        return Bytes.u8(buffer, index + TOS_OFFSET);
    }

    public int totalLength() {
        return Bytes.u16(buffer, index + TOTAL_LENGTH_OFFSET);
    }

    public void totalLength(int value) {
        Bytes.putU16(buffer, index + TOTAL_LENGTH_OFFSET, value);
    }

    public int identification() {
        return Bytes.u16(buffer, index + IDENTIFICATION_OFFSET);
    }

    public void identification(int value) {
        Bytes.putU16(buffer, index + IDENTIFICATION_OFFSET, value);
    }

    /** The flags and fragment offset word as it stands: compare with {@link #DONT_FRAGMENT} and friends. */
    public int flagsAndFragmentOffset() {
        return Bytes.u16(buffer, index + FLAGS_FRAGMENT_OFFSET);
    }

    public boolean dontFragment() {
        return (flagsAndFragmentOffset() & DONT_FRAGMENT) != 0;
    }

    /** True for any fragment: More Fragments set or a nonzero offset. */
    public boolean isFragment() {
        return (flagsAndFragmentOffset() & (MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public int ttl() {
        return Bytes.u8(buffer, index + TTL_OFFSET);
    }

    public int checksum() {
        return Bytes.u16(buffer, index + CHECKSUM_OFFSET);
    }

    public void checksum(int value) {
        Bytes.putU16(buffer, index + CHECKSUM_OFFSET, value);
    }

    /** Zeroes the checksum field, sums {@link #headerLength()} bytes and stores the complement. */
    public void updateChecksum() {
        checksum(0);
        checksum(InternetChecksum.checksum(buffer, index, headerLength()));
    }

    /** Fragment offset in bytes (the field counts 8-byte units). */
    public int fragmentOffset() {
        return (Bytes.u16(buffer, index + FLAGS_FRAGMENT_OFFSET) & FRAGMENT_OFFSET_MASK) * 8;
    }

    public int protocol() {
        return Bytes.u8(buffer, index + PROTOCOL_OFFSET);
    }

    /** Absolute index of the first header byte. */
    public int index() {
        return index;
    }
}
