package org.tapbridge.crypto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The crypto messages on the wire. Every message starts with the link header (byte 0 version, byte 1
 * type, byte 2 lane) followed by one reserved zero byte, so all later fields are 4-byte aligned. All
 * integers are big-endian. The bodies are laid out in {@link DataMessage}, {@link HandshakeInitiation},
 * {@link HandshakeResponse} and {@link CookieReply}. Constants only.
 *
 * <p>Version 2 wraps the handshake messages of version 1 in WireGuard's two MACs (see {@link HandshakeMacs}):
 * {@code mac1} on both, {@code mac2} on initiations, and adds the COOKIE_REPLY message. DATA and CONTROL
 * are unchanged, but carry the new version byte too: both sites run the same version, and a version-1
 * site's messages are counted as {@code bad-version} rather than misread.
 *
 * <p>The lane byte names the data-path loop of the receiving site that owns the message's session, for
 * sites that run one loop per TAP queue ({@code [site] queues}): the kernel steers each datagram to that
 * loop's socket by this byte, and each loop pairs with the peer's loop of the same index. It was a reserved
 * zero byte before, so a single-loop site (lane 0) sends exactly what it sent then. It is covered by the
 * AEAD (DATA, CONTROL) or by mac1 (handshakes), like the rest of the header.
 */
public final class WireFormat {
    public static final byte VERSION = 2;
    public static final byte TYPE_HANDSHAKE_INIT = 1;
    public static final byte TYPE_HANDSHAKE_RESP = 2;
    public static final byte TYPE_DATA = 3;
    /** Sealed like DATA; carries a link control payload instead of a frame. */
    public static final byte TYPE_CONTROL = 4;
    /** A responder under load answers an initiation with a cookie instead of doing the handshake. */
    public static final byte TYPE_COOKIE_REPLY = 5;
    /** The highest type this version knows. */
    public static final byte MAX_TYPE = TYPE_COOKIE_REPLY;

    public static final int VERSION_OFFSET = 0;
    public static final int TYPE_OFFSET = 1;
    public static final int LANE_OFFSET = 2;
    public static final int RESERVED_OFFSET = 3;
    /** Version, type, lane and the reserved byte: the common prefix of every message. */
    public static final int PREFIX_LENGTH = 4;
    /** Lanes are 0 to MAX_LANES - 1: loops of one site, one per TAP queue. */
    public static final int MAX_LANES = 16;

    /** Bytes a DATA message adds to a frame: the 16-byte header and the 16-byte tag. Use for MTU math. */
    public static final int DATA_OVERHEAD = DataMessage.HEADER_LENGTH + TransportCipher.TAG_LENGTH;
    /** The longest handshake message; DATA messages are {@link #DATA_OVERHEAD} plus the frame. */
    public static final int MAX_HANDSHAKE_LENGTH = HandshakeInitiation.LENGTH;

    private WireFormat() {
    }

    /** The type byte if the prefix is well-formed (our version, a lane, reserved byte zero), else -1. */
    static int typeOf(ByteBuffer buf, int offset, int length) {
        if (length < PREFIX_LENGTH || buf.get(offset + VERSION_OFFSET) != VERSION
                || (buf.get(offset + LANE_OFFSET) & 0xFF) >= MAX_LANES || buf.get(offset + RESERVED_OFFSET) != 0) {
            return -1;
        }
        return buf.get(offset + TYPE_OFFSET);
    }

    /** The lane byte of a message whose prefix is there; no checks. */
    public static int laneOf(ByteBuffer buf, int offset) {
        return buf.get(offset + LANE_OFFSET) & 0xFF;
    }

    /** Big-endian whatever the buffer's order: the link may hand us native-order buffers. */
    static int readInt(ByteBuffer buf, int index) {
        int v = buf.getInt(index);
        return buf.order() == ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v);
    }

    static long readLong(ByteBuffer buf, int index) {
        long v = buf.getLong(index);
        return buf.order() == ByteOrder.BIG_ENDIAN ? v : Long.reverseBytes(v);
    }

    static void writeInt(ByteBuffer buf, int index, int value) {
        buf.putInt(index, buf.order() == ByteOrder.BIG_ENDIAN ? value : Integer.reverseBytes(value));
    }

    static void writeLong(ByteBuffer buf, int index, long value) {
        buf.putLong(index, buf.order() == ByteOrder.BIG_ENDIAN ? value : Long.reverseBytes(value));
    }

    static void writePrefix(ByteBuffer buf, int offset, byte type, int lane) {
        buf.put(offset + VERSION_OFFSET, VERSION);
        buf.put(offset + TYPE_OFFSET, type);
        buf.put(offset + LANE_OFFSET, (byte) lane);
        buf.put(offset + RESERVED_OFFSET, (byte) 0);
    }
}
