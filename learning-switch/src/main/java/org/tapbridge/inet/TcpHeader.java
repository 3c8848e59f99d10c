package org.tapbridge.inet;

import java.nio.ByteBuffer;

/**
 * Reusable view of a TCP header (RFC 9293) and its options; {@link #wrap} re-points it. Accessors
 * read and write the buffer directly and check nothing: the caller first makes sure that
 * {@link #MIN_LENGTH} bytes (and, before reading options, {@link #headerLength()} bytes) lie inside
 * the packet. Owned by one data-path thread.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             | 12
 * |       |       |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Options (Data Offset > 5) ...                       | 20
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Options are End of List (kind 0, one byte), No-Operation (kind 1, one byte), or kind, length
 * (counting both) and data; Maximum Segment Size is kind 2, length 4, a 16-bit value:
 * <pre>
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Kind = 2    |  Length = 4   |     Maximum Segment Size      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Options may start at any byte, so an MSS value need not be aligned to a 16-bit checksum word.
 */
public final class TcpHeader {
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int ACKNOWLEDGMENT_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int FLAGS_OFFSET = 13;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int URGENT_POINTER_OFFSET = 18;
    /** The fixed header: Data Offset 5, no options. */
    public static final int MIN_LENGTH = 20;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    public static final int OPTION_END = 0;
    public static final int OPTION_NOP = 1;
    public static final int OPTION_MSS = 2;
    public static final int OPTION_MSS_LENGTH = 4;
    /** Offsets inside an option of kind 2 and up. */
    public static final int OPTION_LENGTH_OFFSET = 1;
    public static final int OPTION_DATA_OFFSET = 2;

    private ByteBuffer buffer;
    private int index;

    /** Points this view at the header starting at absolute {@code index}; checks nothing. */
    public TcpHeader wrap(ByteBuffer buffer, int index) {
        this.buffer = buffer;
        this.index = index;
        return this;
    }

    /** Data Offset in bytes: 20 to 60 for a valid header, but 0 to 15 words are representable. */
    public int headerLength() {
        return (Bytes.u8(buffer, index + DATA_OFFSET_OFFSET) >>> 4) * 4;
    }

    public int sourcePort() {
        return Bytes.u16(buffer, index + SOURCE_PORT_OFFSET);
    }

    public int destinationPort() {
        return Bytes.u16(buffer, index + DESTINATION_PORT_OFFSET);
    }

    /** The sequence number as a wrapping 32-bit {@code int}. */
    public int sequence() {
        return Bytes.s32(buffer, index + SEQUENCE_OFFSET);
    }

    public void sequence(int value) {
        Bytes.putS32(buffer, index + SEQUENCE_OFFSET, value);
    }

    /** The acknowledgment number as a wrapping 32-bit {@code int}. */
    public int acknowledgment() {
        return Bytes.s32(buffer, index + ACKNOWLEDGMENT_OFFSET);
    }

    /** The eight flag bits, CWR to FIN; compare with {@link #SYN} and friends. */
    public int flags() {
        return Bytes.u8(buffer, index + FLAGS_OFFSET);
    }

    public void flags(int value) {
        Bytes.putU8(buffer, index + FLAGS_OFFSET, value);
    }

    public int window() {
        return Bytes.u16(buffer, index + WINDOW_OFFSET);
    }

    public int checksum() {
        return Bytes.u16(buffer, index + CHECKSUM_OFFSET);
    }

    public void checksum(int value) {
        Bytes.putU16(buffer, index + CHECKSUM_OFFSET, value);
    }

    /** The option kind at absolute {@code at}. */
    public int optionKind(int at) {
        return Bytes.u8(buffer, at);
    }

    /** The length byte of the option at absolute {@code at} (kinds 2 and up). */
    public int optionLength(int at) {
        return Bytes.u8(buffer, at + OPTION_LENGTH_OFFSET);
    }

    /** The 16-bit value of the option at absolute {@code at}, e.g. the MSS. */
    public int optionU16(int at) {
        return Bytes.u16(buffer, at + OPTION_DATA_OFFSET);
    }

    public void optionU16(int at, int value) {
        Bytes.putU16(buffer, at + OPTION_DATA_OFFSET, value);
    }

    /** Absolute index of the first header byte. */
    public int index() {
        return index;
    }
}
