package org.tapbridge.inet;

import java.nio.ByteBuffer;

/**
 * Reusable view of the fixed IPv6 header (RFC 8200) and of the extension headers that may follow it;
 * {@link #wrap} re-points it. Accessors read the buffer directly and check nothing: the caller first
 * makes sure the bytes lie inside the frame. Owned by one data-path thread.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |             Flow Label                |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Payload Length        |  Next Header  |   Hop Limit   |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Source Address (16 bytes)                  |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Destination Address (16 bytes)                | 24
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    extension headers, payload ...             | 40
 * </pre>
 *
 * Extension headers (hop-by-hop, routing, destination options; AH counts differently; the fragment
 * header is always 8 bytes):
 * <pre>
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |  Hdr Ext Len  |  ... (8 * (Hdr Ext Len + 1) bytes in all)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |   Reserved    |    Fragment Offset      |Res|M|  fragment header
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Identification                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>Payload Length counts everything after the fixed header, extension headers included; an
 * Ethernet frame may carry padding after it.
 */
public final class Ipv6Header {
    public static final int VERSION = 6;
    public static final int VERSION_OFFSET = 0;
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    public static final int NEXT_HEADER_OFFSET = 6;
    public static final int HOP_LIMIT_OFFSET = 7;
    public static final int SOURCE_OFFSET = 8;
    public static final int DESTINATION_OFFSET = 24;
    /** The fixed header. */
    public static final int LENGTH = 40;

    /** Offsets inside an extension header. */
    public static final int EXTENSION_NEXT_HEADER_OFFSET = 0;
    public static final int EXTENSION_LENGTH_OFFSET = 1;
    /** Every extension header is at least this long (and the fragment header exactly this long). */
    public static final int EXTENSION_MIN_LENGTH = 8;
    public static final int FRAGMENT_OFFSET_OFFSET = 2;
    /** Fragment offset in place, in bytes: the 13-bit field counts 8-byte units above 3 flag bits. */
    public static final int FRAGMENT_OFFSET_MASK = 0xFFF8;

    private ByteBuffer buffer;
    private int index;

    /** Points this view at the fixed header starting at absolute {@code index}; checks nothing. */
    public Ipv6Header wrap(ByteBuffer buffer, int index) {
        this.buffer = buffer;
        this.index = index;
        return this;
    }

    public int version() {
        return Bytes.u8(buffer, index + VERSION_OFFSET) >>> 4;
    }

    public int payloadLength() {
        return Bytes.u16(buffer, index + PAYLOAD_LENGTH_OFFSET);
    }

    public void payloadLength(int value) {
        Bytes.putU16(buffer, index + PAYLOAD_LENGTH_OFFSET, value);
    }

    /** The first word: version, traffic class and flow label together. */
    public int versionClassAndFlowLabel() {
        return Bytes.s32(buffer, index + VERSION_OFFSET);
    }

    public int hopLimit() {
        return Bytes.u8(buffer, index + HOP_LIMIT_OFFSET);
    }

    public int nextHeader() {
        return Bytes.u8(buffer, index + NEXT_HEADER_OFFSET);
    }

    /** Absolute index of the first header byte. */
    public int index() {
        return index;
    }

    /**
     * True for the extension headers {@link #extensionLength} can measure: hop-by-hop, routing,
     * fragment, destination options and AH. (ESP hides what follows; others are not walked.)
     */
    public static boolean isExtensionHeader(int nextHeader) {
        return nextHeader == IpProtocol.HOP_BY_HOP || nextHeader == IpProtocol.ROUTING
                || nextHeader == IpProtocol.DESTINATION_OPTIONS || nextHeader == IpProtocol.FRAGMENT
                || nextHeader == IpProtocol.AH;
    }

    /** The Next Header field of the extension header at absolute {@code at}. */
    public int extensionNextHeader(int at) {
        return Bytes.u8(buffer, at + EXTENSION_NEXT_HEADER_OFFSET);
    }

    /**
     * The length in bytes of the extension header of type {@code type} at absolute {@code at}:
     * AH counts 4-byte units minus 2 (RFC 4302), the fragment header is fixed, the others count
     * 8-byte units minus 1.
     */
    public int extensionLength(int type, int at) {
        if (type == IpProtocol.FRAGMENT) {
            return EXTENSION_MIN_LENGTH;
        }
        int units = Bytes.u8(buffer, at + EXTENSION_LENGTH_OFFSET);
        return type == IpProtocol.AH ? (units + 2) * 4 : (units + 1) * 8;
    }

    /** The fragment offset in bytes of the fragment header at absolute {@code at}. */
    public int fragmentOffset(int at) {
        return Bytes.u16(buffer, at + FRAGMENT_OFFSET_OFFSET) & FRAGMENT_OFFSET_MASK;
    }
}
