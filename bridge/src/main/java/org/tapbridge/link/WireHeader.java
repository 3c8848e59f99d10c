package org.tapbridge.link;

import java.nio.ByteBuffer;

/**
 * Flyweight over the common header that starts every peer-link message, UDP datagram or TCP record.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    Version    |     Type      |       Reserved (zero)         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     Type-specific body ...
 * </pre>
 *
 * The version lets a later format coexist; the type separates handshakes, data and keepalives.
 * On TCP every message is preceded by its length as an unsigned 16-bit big-endian number.
 */
public final class WireHeader {
    public static final int VERSION_OFFSET = 0;
    public static final int TYPE_OFFSET = 1;
    public static final int RESERVED_OFFSET = 2;
    public static final int LENGTH = 4;

    public static final int CURRENT_VERSION = 1;

    /** Cleartext site announcement: body is a 1-byte length and the site's name. */
    public static final int TYPE_HELLO = 0x10;
    /** Cleartext Ethernet frame: body is the whole frame. */
    public static final int TYPE_FRAME = 0x11;
    /** Liveness probe with an empty body. */
    public static final int TYPE_KEEPALIVE = 0x12;

    private WireHeader() {
    }

    public static int version(ByteBuffer buffer, int offset) {
        return buffer.get(offset + VERSION_OFFSET) & 0xff;
    }

    public static int type(ByteBuffer buffer, int offset) {
        return buffer.get(offset + TYPE_OFFSET) & 0xff;
    }

    public static int reserved(ByteBuffer buffer, int offset) {
        return buffer.getShort(offset + RESERVED_OFFSET) & 0xffff;
    }

    public static void write(ByteBuffer buffer, int offset, int type) {
        buffer.put(offset + VERSION_OFFSET, (byte) CURRENT_VERSION);
        buffer.put(offset + TYPE_OFFSET, (byte) type);
        buffer.putShort(offset + RESERVED_OFFSET, (short) 0);
    }
}
