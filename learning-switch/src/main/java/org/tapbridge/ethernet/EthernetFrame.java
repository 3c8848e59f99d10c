package org.tapbridge.ethernet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reusable view of one Ethernet frame in a buffer; {@link #wrap} re-points it and decodes the header.
 * Owned by one thread (the data-path thread); never allocates, never throws on bad input.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Destination MAC address                      |  0
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |                               |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                     Source MAC address                        |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  TPID 0x8100 or 0x88a8 (opt.) | PCP |D|    VLAN ID (12 bits)  | 12  outer tag, optional
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  TPID 0x8100 (opt., QinQ)     | PCP |D|    VLAN ID (12 bits)  | 16  inner tag, only after an outer tag
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  EtherType or 802.3 length    |  payload ...                  | 12, 16 or 20
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>The outer tag's VLAN ID ({@link #vlanId()}) selects the learning domain; 802.1ad (0x88a8)
 * outer tags are accepted so that QinQ traffic passes through unchanged. Offsets are absolute
 * indexes into the buffer, whose position, limit and byte order are never read or changed.
 */
public final class EthernetFrame {
    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    public static final int TYPE_OFFSET = 12;
    public static final int TAG_LENGTH = 4;
    /** Destination, source and EtherType: the shortest frame accepted. */
    public static final int HEADER_LENGTH = 14;
    public static final int VLAN_ID_MASK = 0x0FFF;
    public static final int RESERVED_VLAN_ID = 0x0FFF;

    // Views ignore the buffer's own byte order; plain get is allowed at any alignment.
    private static final VarHandle INT_BE = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle SHORT_BE = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

    private ByteBuffer buffer;
    private int offset;
    private int length;
    private int status = FrameStatus.OUT_OF_BOUNDS;
    private long destination;
    private long source;
    private int outerTpid;
    private int vlanId;
    private int priority;
    private int innerVlanId;
    private int etherType;
    private int headerLength;

    /**
     * Points this view at {@code length} bytes starting at absolute index {@code offset} and decodes
     * the header.
     *
     * @return {@link FrameStatus#OK}, or a nonzero {@link FrameStatus} code; on failure every header
     *     accessor returns 0
     */
    public int wrap(ByteBuffer buffer, int offset, int length) {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        clearHeader();
        if (buffer == null || offset < 0 || length < 0 || (long) offset + length > buffer.limit()) {
            return status = FrameStatus.OUT_OF_BOUNDS;
        }
        if (length < HEADER_LENGTH) {
            return status = FrameStatus.TOO_SHORT;
        }
        int type = u16(offset + TYPE_OFFSET);
        int header = HEADER_LENGTH;
        int tpid = 0;
        int tci = 0;
        int inner = 0;
        if (EtherType.isVlanTag(type)) {
            if (length < HEADER_LENGTH + TAG_LENGTH) {
                return status = FrameStatus.TRUNCATED_VLAN_TAG;
            }
            tpid = type;
            tci = u16(offset + TYPE_OFFSET + 2);
            type = u16(offset + TYPE_OFFSET + TAG_LENGTH);
            header += TAG_LENGTH;
            if (type == EtherType.VLAN) {
                if (length < HEADER_LENGTH + 2 * TAG_LENGTH) {
                    return status = FrameStatus.TRUNCATED_VLAN_TAG;
                }
                inner = u16(offset + TYPE_OFFSET + TAG_LENGTH + 2) & VLAN_ID_MASK;
                type = u16(offset + TYPE_OFFSET + 2 * TAG_LENGTH);
                header += TAG_LENGTH;
            }
            if ((tci & VLAN_ID_MASK) == RESERVED_VLAN_ID) {
                return status = FrameStatus.RESERVED_VLAN_ID;
            }
        }
        destination = mac(offset + DESTINATION_OFFSET);
        source = mac(offset + SOURCE_OFFSET);
        outerTpid = tpid;
        vlanId = tci & VLAN_ID_MASK;
        priority = tci >>> 13;
        innerVlanId = inner;
        etherType = type;
        headerLength = header;
        return status = FrameStatus.OK;
    }

    private void clearHeader() {
        destination = 0;
        source = 0;
        outerTpid = 0;
        vlanId = 0;
        priority = 0;
        innerVlanId = 0;
        etherType = 0;
        headerLength = 0;
    }

    private int u16(int index) {
        return (short) SHORT_BE.get(buffer, index) & 0xFFFF;
    }

    private long mac(int index) {
        return ((int) INT_BE.get(buffer, index) & 0xFFFF_FFFFL) << 16 | u16(index + 4);
    }

    /** The result of the last {@link #wrap}. */
    public int status() {
        return status;
    }

    public long destination() {
        return destination;
    }

    public long source() {
        return source;
    }

    /** The EtherType (or 802.3 length) after all tags. */
    public int etherType() {
        return etherType;
    }

    /** The outer tag's VLAN ID; 0 when untagged or priority-tagged. */
    public int vlanId() {
        return vlanId;
    }

    /** The outer tag's priority code point; 0 when untagged. */
    public int priority() {
        return priority;
    }

    /** The outer tag's protocol identifier (0x8100 or 0x88a8), or 0 when untagged. */
    public int outerTpid() {
        return outerTpid;
    }

    /** The inner (QinQ C-tag) VLAN ID, or 0 without an inner tag. */
    public int innerVlanId() {
        return innerVlanId;
    }

    public boolean isTagged() {
        return outerTpid != 0;
    }

    /** Bytes from the frame start to the payload: 14, 18 or 22. */
    public int headerLength() {
        return headerLength;
    }

    public int length() {
        return length;
    }

    /** Absolute index of the first byte of the frame in {@link #buffer()}. */
    public int offset() {
        return offset;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    /** For diagnostics only: allocates. */
    @Override
    public String toString() {
        if (status != FrameStatus.OK) {
            return "EthernetFrame[" + FrameStatus.describe(status) + ", offset=" + offset + ", length=" + length + "]";
        }
        return "EthernetFrame[" + MacAddress.format(source) + " -> " + MacAddress.format(destination)
                + ", vlan=" + vlanId + ", type=0x" + Integer.toHexString(etherType) + ", length=" + length + "]";
    }
}
