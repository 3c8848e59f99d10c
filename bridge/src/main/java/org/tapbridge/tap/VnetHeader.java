package org.tapbridge.tap;

import java.nio.ByteBuffer;
import org.tapbridge.offload.VirtioNetHeader;

/**
 * The {@code struct virtio_net_hdr_v1} in front of every frame read from or written to a TAP opened with a
 * vnet header ({@link LinuxTapDevice#vnetHeaderLength()} bytes, 12 or 10). Static accessors at an absolute
 * index of any ByteBuffer, fields little-endian (the device is put in TUNSETVNETLE mode); no allocation.
 *
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------+---------------+-------------------------------+
 * |  flags (0)    |  gso_type (1) |        hdr_len (2..3)         |
 * +---------------+---------------+-------------------------------+
 * |        gso_size (4..5)        |       csum_start (6..7)       |
 * +-------------------------------+-------------------------------+
 * |       csum_offset (8..9)      |  num_buffers (10..11), v1 only|
 * +-------------------------------+-------------------------------+
 * |  Ethernet frame ...
 * </pre>
 *
 * <p>Reading: {@code flags & F_NEEDS_CSUM} means the TCP/UDP checksum at {@code csum_start + csum_offset}
 * (offsets from the Ethernet header) holds only the pseudo-header sum; the receiver must finish it over
 * [csum_start, end) or pass the hint on. {@code gso_type != GSO_NONE} means a super-frame: headers once
 * ({@code hdr_len} bytes, a hint that may be short), then a payload to cut into {@code gso_size} pieces;
 * NEEDS_CSUM is then always set. Ignore {@code num_buffers}: 6.18 writes 0 there, older kernels left the
 * two bytes as the read buffer held them.
 *
 * <p>Writing: all zeros is a plain frame with a complete checksum. A frame with NEEDS_CSUM, or a
 * super-frame (gso_type, gso_size, NEEDS_CSUM, the checksum field holding the pseudo-header sum with the
 * length of the whole TCP/UDP super-segment), is finished and cut by the kernel. Writing these does not
 * depend on the offloads enabled; those govern only what the kernel hands to user space.
 */
public final class VnetHeader {
    // The layout is defined once, in VirtioNetHeader; these names are the TAP layer's view of it.
    public static final int LENGTH_V1 = VirtioNetHeader.LENGTH_V1;
    public static final int LENGTH_LEGACY = VirtioNetHeader.LENGTH;
    public static final int FLAGS_OFFSET = VirtioNetHeader.FLAGS_OFFSET;
    public static final int GSO_TYPE_OFFSET = VirtioNetHeader.GSO_TYPE_OFFSET;
    public static final int HDR_LEN_OFFSET = VirtioNetHeader.HDR_LEN_OFFSET;
    public static final int GSO_SIZE_OFFSET = VirtioNetHeader.GSO_SIZE_OFFSET;
    public static final int CSUM_START_OFFSET = VirtioNetHeader.CSUM_START_OFFSET;
    public static final int CSUM_OFFSET_OFFSET = VirtioNetHeader.CSUM_OFFSET_OFFSET;
    public static final int NUM_BUFFERS_OFFSET = VirtioNetHeader.NUM_BUFFERS_OFFSET;
    public static final int F_NEEDS_CSUM = VirtioNetHeader.F_NEEDS_CSUM;
    public static final int F_DATA_VALID = VirtioNetHeader.F_DATA_VALID;
    public static final int GSO_NONE = VirtioNetHeader.GSO_NONE;
    public static final int GSO_TCPV4 = VirtioNetHeader.GSO_TCPV4;
    public static final int GSO_UDP = VirtioNetHeader.GSO_UDP;
    public static final int GSO_TCPV6 = VirtioNetHeader.GSO_TCPV6;
    public static final int GSO_UDP_L4 = VirtioNetHeader.GSO_UDP_L4;
    public static final int GSO_ECN = VirtioNetHeader.GSO_ECN;

    /**
     * The largest frame a read can return when segmentation offloads are on: an IP packet's 16-bit total
     * length (the tun driver never raises its GSO limit above 64 KB) plus Ethernet header and one VLAN tag.
     */
    public static final int MAX_SUPER_FRAME_BYTES = 65535 + TapDevice.FRAME_HEADROOM;

    private VnetHeader() {
    }

    public static int flags(ByteBuffer b, int at) {
        return b.get(at + FLAGS_OFFSET) & 0xff;
    }

    /** gso_type including the ECN bit. */
    public static int gsoType(ByteBuffer b, int at) {
        return b.get(at + GSO_TYPE_OFFSET) & 0xff;
    }

    public static int hdrLen(ByteBuffer b, int at) {
        return u16(b, at + HDR_LEN_OFFSET);
    }

    public static int gsoSize(ByteBuffer b, int at) {
        return u16(b, at + GSO_SIZE_OFFSET);
    }

    public static int csumStart(ByteBuffer b, int at) {
        return u16(b, at + CSUM_START_OFFSET);
    }

    public static int csumOffset(ByteBuffer b, int at) {
        return u16(b, at + CSUM_OFFSET_OFFSET);
    }

    /** True for a super-frame (gso_type other than NONE, ECN bit ignored). */
    public static boolean isSuperFrame(ByteBuffer b, int at) {
        return (gsoType(b, at) & ~GSO_ECN) != GSO_NONE;
    }

    /** Writes a header of {@code length} bytes (12 or 10) at {@code at}; bytes past the legacy 10 are zeroed. */
    public static void write(ByteBuffer b, int at, int length, int flags, int gsoType, int hdrLen, int gsoSize,
            int csumStart, int csumOffset) {
        b.put(at + FLAGS_OFFSET, (byte) flags);
        b.put(at + GSO_TYPE_OFFSET, (byte) gsoType);
        putU16(b, at + HDR_LEN_OFFSET, hdrLen);
        putU16(b, at + GSO_SIZE_OFFSET, gsoSize);
        putU16(b, at + CSUM_START_OFFSET, csumStart);
        putU16(b, at + CSUM_OFFSET_OFFSET, csumOffset);
        for (int i = LENGTH_LEGACY; i < length; i++) {
            b.put(at + i, (byte) 0);
        }
    }

    /** A header that says "plain frame, checksum complete": {@code length} zero bytes. */
    public static void writePlain(ByteBuffer b, int at, int length) {
        for (int i = 0; i < length; i++) {
            b.put(at + i, (byte) 0);
        }
    }

    /** "gso tcpv4 size 1448 hdr_len 66 needs_csum start 34 offset 16"; allocates, for logs and tests. */
    public static String describe(ByteBuffer b, int at) {
        int type = gsoType(b, at);
        String gso;
        switch (type & ~GSO_ECN) {
            case GSO_NONE: gso = "none"; break;
            case GSO_TCPV4: gso = "tcpv4"; break;
            case GSO_UDP: gso = "udp"; break;
            case GSO_TCPV6: gso = "tcpv6"; break;
            case GSO_UDP_L4: gso = "udp_l4"; break;
            default: gso = "type " + (type & ~GSO_ECN);
        }
        StringBuilder sb = new StringBuilder("gso ").append(gso).append((type & GSO_ECN) != 0 ? "+ecn" : "");
        if ((type & ~GSO_ECN) != GSO_NONE) {
            sb.append(" size ").append(gsoSize(b, at)).append(" hdr_len ").append(hdrLen(b, at));
        }
        int flags = flags(b, at);
        if ((flags & F_NEEDS_CSUM) != 0) {
            sb.append(" needs_csum start ").append(csumStart(b, at)).append(" offset ").append(csumOffset(b, at));
        }
        if ((flags & F_DATA_VALID) != 0) {
            sb.append(" data_valid");
        }
        return sb.toString();
    }

    private static int u16(ByteBuffer b, int index) {
        return (b.get(index) & 0xff) | (b.get(index + 1) & 0xff) << 8;
    }

    private static void putU16(ByteBuffer b, int index, int value) {
        b.put(index, (byte) value);
        b.put(index + 1, (byte) (value >>> 8));
    }
}
