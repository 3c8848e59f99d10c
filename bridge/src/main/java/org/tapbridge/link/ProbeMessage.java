package org.tapbridge.link;

import java.nio.ByteBuffer;

/**
 * Path-MTU probe and acknowledgement: link control payloads, sealed in CONTROL messages.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | type 1 or 2   |  reserved = 0 |   probed size (outer IP, u16) |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        probe id (u32)                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          zero padding up to the probed size (probes only)     |
 * </pre>
 *
 * A probe is padded so the whole datagram, IP header included, is the probed size; the acknowledgement
 * is 8 bytes. Big-endian. Static helpers over absolute indexes.
 */
final class ProbeMessage {
    static final byte TYPE_PROBE = (byte) org.tapbridge.mtu.ControlType.PATH_MTU_PROBE;
    static final byte TYPE_ACK = (byte) org.tapbridge.mtu.ControlType.PATH_MTU_PROBE_ACK;
    static final int TYPE_OFFSET = 0;
    static final int SIZE_OFFSET = 2;
    static final int ID_OFFSET = 4;
    static final int PROBE_HEADER = 8;
    static final int ACK_LENGTH = 8;
    /** The largest probe payload: a 65535-byte datagram's worth. */
    static final int MAX_PROBE_PAYLOAD = 65535;

    private ProbeMessage() {
    }

    static void writeProbe(ByteBuffer buf, int id, int size, int payloadLength) {
        for (int i = PROBE_HEADER; i < payloadLength; i++) {
            buf.put(i, (byte) 0);
        }
        writeHeader(buf, TYPE_PROBE, id, size);
    }

    static void writeAck(ByteBuffer buf, int id, int size) {
        writeHeader(buf, TYPE_ACK, id, size);
    }

    private static void writeHeader(ByteBuffer buf, byte type, int id, int size) {
        buf.put(TYPE_OFFSET, type);
        buf.put(1, (byte) 0);
        buf.put(SIZE_OFFSET, (byte) (size >>> 8));
        buf.put(SIZE_OFFSET + 1, (byte) size);
        buf.put(ID_OFFSET, (byte) (id >>> 24));
        buf.put(ID_OFFSET + 1, (byte) (id >>> 16));
        buf.put(ID_OFFSET + 2, (byte) (id >>> 8));
        buf.put(ID_OFFSET + 3, (byte) id);
    }

    static int id(ByteBuffer buf, int offset) {
        return (buf.get(offset + ID_OFFSET) & 0xFF) << 24 | (buf.get(offset + ID_OFFSET + 1) & 0xFF) << 16
                | (buf.get(offset + ID_OFFSET + 2) & 0xFF) << 8 | (buf.get(offset + ID_OFFSET + 3) & 0xFF);
    }

    static int size(ByteBuffer buf, int offset) {
        return (buf.get(offset + SIZE_OFFSET) & 0xFF) << 8 | (buf.get(offset + SIZE_OFFSET + 1) & 0xFF);
    }
}
