package org.tapbridge.offload;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reusable view of the {@code struct virtio_net_hdr} that precedes every frame read from or written to a
 * TAP opened with {@code IFF_VNET_HDR}; {@link #wrap} re-points it. Owned by the data-path thread.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     flags     |   gso_type    |      hdr_len (u16 LE)         |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      gso_size (u16 LE)        |     csum_start (u16 LE)       |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     csum_offset (u16 LE)      |  num_buffers (u16 LE, v1)     |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * flags     bit 0 NEEDS_CSUM: the checksum from csum_start to the end still has to be computed and
 *                 stored at csum_start + csum_offset; that field holds the pseudo-header sum
 *           bit 1 DATA_VALID: the checksum was verified (only ever set on reads)
 * gso_type  0 NONE, 1 TCPV4, 3 UDP (UFO), 4 TCPV6, 5 UDP_L4 (USO); bit 7 ECN: the TCP super-frame carries
 *           CWR, which only its first segment may keep
 * hdr_len   Ethernet + IP + transport headers; on reads only a hint (the kernel puts skb_headlen there,
 *           which on the forward path can span a whole first segment), so the segmenters parse instead
 * gso_size  payload bytes per segment (the MSS)
 * </pre>
 *
 * <p>The fields are little-endian: the legacy header is in the host's order, and the hosts we run on (x86,
 * arm64) are little-endian; {@code TUNSETVNETLE} makes it so on any host. The header is 10 bytes, or 12
 * with {@code num_buffers} when the TAP's header size is set to that of {@code virtio_net_hdr_v1}
 * ({@code TUNSETVNETHDRSZ}); tun neither writes nor reads {@code num_buffers}, so a read leaves whatever
 * the buffer held there. Indexes are absolute; the buffer's position, limit and order are never used.
 */
public final class VirtioNetHeader {
    /** {@code sizeof(struct virtio_net_hdr)}. */
    public static final int LENGTH = 10;
    /** {@code sizeof(struct virtio_net_hdr_v1)}, with {@code num_buffers}. */
    public static final int LENGTH_V1 = 12;

    public static final int FLAGS_OFFSET = 0;
    public static final int GSO_TYPE_OFFSET = 1;
    public static final int HDR_LEN_OFFSET = 2;
    public static final int GSO_SIZE_OFFSET = 4;
    public static final int CSUM_START_OFFSET = 6;
    public static final int CSUM_OFFSET_OFFSET = 8;
    public static final int NUM_BUFFERS_OFFSET = 10;

    public static final int F_NEEDS_CSUM = 1;
    public static final int F_DATA_VALID = 2;

    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    /** UDP fragmentation offload: deprecated, never enabled by us. */
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_UDP_L4 = 5;
    public static final int GSO_ECN = 0x80;

    /** Where the checksum field sits after csum_start in a TCP and a UDP header. */
    public static final int TCP_CSUM_OFFSET = 16;
    public static final int UDP_CSUM_OFFSET = 6;

    private static final VarHandle SHORT_LE = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private final int length;
    private ByteBuffer buffer;
    private int index;

    /** @param length {@link #LENGTH} or {@link #LENGTH_V1}, as the TAP was configured */
    public VirtioNetHeader(int length) {
        if (length != LENGTH && length != LENGTH_V1) {
            throw new IllegalArgumentException("virtio_net_hdr length " + length + " is neither " + LENGTH + " nor " + LENGTH_V1);
        }
        this.length = length;
    }

    /** Points this view at the header starting at absolute {@code index}; checks nothing. */
    public VirtioNetHeader wrap(ByteBuffer buffer, int index) {
        this.buffer = buffer;
        this.index = index;
        return this;
    }

    /** True when {@link #length()} bytes from {@code index} lie inside the buffer's limit. */
    public boolean fits(ByteBuffer buffer, int index) {
        return buffer != null && index >= 0 && (long) index + length <= buffer.limit();
    }

    /** 10 or 12: the frame starts this many bytes after the header. */
    public int length() {
        return length;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public int index() {
        return index;
    }

    public int flags() {
        return buffer.get(index + FLAGS_OFFSET) & 0xFF;
    }

    public VirtioNetHeader flags(int value) {
        buffer.put(index + FLAGS_OFFSET, (byte) value);
        return this;
    }

    /** The raw gso_type, ECN bit included. */
    public int gsoType() {
        return buffer.get(index + GSO_TYPE_OFFSET) & 0xFF;
    }

    public VirtioNetHeader gsoType(int value) {
        buffer.put(index + GSO_TYPE_OFFSET, (byte) value);
        return this;
    }

    /** The gso_type without the ECN bit. */
    public int gsoBaseType() {
        return gsoType() & ~GSO_ECN;
    }

    public int hdrLen() {
        return u16(HDR_LEN_OFFSET);
    }

    public VirtioNetHeader hdrLen(int value) {
        return putU16(HDR_LEN_OFFSET, value);
    }

    public int gsoSize() {
        return u16(GSO_SIZE_OFFSET);
    }

    public VirtioNetHeader gsoSize(int value) {
        return putU16(GSO_SIZE_OFFSET, value);
    }

    public int csumStart() {
        return u16(CSUM_START_OFFSET);
    }

    public VirtioNetHeader csumStart(int value) {
        return putU16(CSUM_START_OFFSET, value);
    }

    public int csumOffset() {
        return u16(CSUM_OFFSET_OFFSET);
    }

    public VirtioNetHeader csumOffset(int value) {
        return putU16(CSUM_OFFSET_OFFSET, value);
    }

    /** num_buffers of the v1 header; 0 for a 10-byte header. */
    public int numBuffers() {
        return length == LENGTH_V1 ? u16(NUM_BUFFERS_OFFSET) : 0;
    }

    /** Sets num_buffers of the v1 header; ignored for a 10-byte header. */
    public VirtioNetHeader numBuffers(int value) {
        return length == LENGTH_V1 ? putU16(NUM_BUFFERS_OFFSET, value) : this;
    }

    public boolean needsChecksum() {
        return (flags() & F_NEEDS_CSUM) != 0;
    }

    public boolean dataValid() {
        return (flags() & F_DATA_VALID) != 0;
    }

    public boolean isGso() {
        return gsoType() != GSO_NONE;
    }

    /** Zeroes all {@link #length()} bytes: no checksum to do, no GSO; how a plain frame is written. */
    public VirtioNetHeader clear() {
        for (int i = 0; i < length; i++) {
            buffer.put(index + i, (byte) 0);
        }
        return this;
    }

    /**
     * Checks the header against the {@code frameLength} bytes that follow it, as the kernel's
     * {@code virtio_net_hdr_to_skb} would, plus the types we enabled.
     *
     * @return {@link OffloadStatus#OK}, or {@link OffloadStatus#BAD_FLAGS}, {@link OffloadStatus#BAD_GSO_TYPE},
     *     {@link OffloadStatus#GSO_SIZE_ZERO}, {@link OffloadStatus#CSUM_BEYOND_FRAME},
     *     {@link OffloadStatus#BAD_CSUM_OFFSET} or {@link OffloadStatus#HDR_LEN_BEYOND_FRAME}, checked in
     *     that order
     */
    public int validate(int frameLength) {
        int flags = flags();
        if ((flags & ~(F_NEEDS_CSUM | F_DATA_VALID)) != 0 || flags == (F_NEEDS_CSUM | F_DATA_VALID)) {
            return OffloadStatus.BAD_FLAGS;
        }
        int type = gsoType();
        int base = type & ~GSO_ECN;
        boolean tcp = base == GSO_TCPV4 || base == GSO_TCPV6;
        if (!(tcp || type == GSO_NONE || type == GSO_UDP_L4)) {
            return OffloadStatus.BAD_GSO_TYPE;
        }
        if (type != GSO_NONE && gsoSize() == 0) {
            return OffloadStatus.GSO_SIZE_ZERO;
        }
        boolean needsChecksum = (flags & F_NEEDS_CSUM) != 0;
        if (needsChecksum && (csumStart() >= frameLength || csumStart() + csumOffset() + 2 > frameLength)) {
            return OffloadStatus.CSUM_BEYOND_FRAME;
        }
        if (tcp && needsChecksum && csumOffset() != TCP_CSUM_OFFSET
                || type == GSO_UDP_L4 && (!needsChecksum || csumOffset() != UDP_CSUM_OFFSET)) {
            return OffloadStatus.BAD_CSUM_OFFSET;
        }
        if (hdrLen() > frameLength) {
            return OffloadStatus.HDR_LEN_BEYOND_FRAME;
        }
        return OffloadStatus.OK;
    }

    private int u16(int offset) {
        return (short) SHORT_LE.get(buffer, index + offset) & 0xFFFF;
    }

    private VirtioNetHeader putU16(int offset, int value) {
        SHORT_LE.set(buffer, index + offset, (short) value);
        return this;
    }

    /** For diagnostics only: allocates. */
    @Override
    public String toString() {
        return "VirtioNetHeader[flags=" + flags() + ", gso_type=0x" + Integer.toHexString(gsoType())
                + ", hdr_len=" + hdrLen() + ", gso_size=" + gsoSize() + ", csum_start=" + csumStart()
                + ", csum_offset=" + csumOffset() + "]";
    }
}
