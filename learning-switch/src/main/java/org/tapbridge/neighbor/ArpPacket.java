package org.tapbridge.neighbor;

import java.nio.ByteBuffer;
import org.tapbridge.ethernet.MacAddress;

/**
 * Reusable view of an ARP packet (RFC 826) for IPv4 over Ethernet, the payload after the Ethernet header
 * and its tags; {@link #wrap} re-points it. Accessors read the buffer directly and check nothing: the caller
 * first makes sure {@link #LENGTH} bytes lie inside the frame. Owned by the data-path thread.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Hardware type (1 = Ethernet)|  Protocol type (0x0800 = IPv4)|  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | HW len (6)    | Proto len (4) |  Operation (1 request, 2 reply)|  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Sender hardware address (6 bytes)             |  8
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               | Sender protocol address       | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  (sender IPv4, cont.)         | Target hardware address       | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                          (6 bytes)                            | 20
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Target protocol address (4 bytes)             | 24
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * A probe (RFC 5227) has sender address 0.0.0.0; a gratuitous ARP has the sender's own address as target.
 */
public final class ArpPacket {
    public static final int HARDWARE_TYPE_OFFSET = 0;
    public static final int PROTOCOL_TYPE_OFFSET = 2;
    public static final int HARDWARE_LENGTH_OFFSET = 4;
    public static final int PROTOCOL_LENGTH_OFFSET = 5;
    public static final int OPERATION_OFFSET = 6;
    public static final int SENDER_MAC_OFFSET = 8;
    public static final int SENDER_IP_OFFSET = 14;
    public static final int TARGET_MAC_OFFSET = 18;
    public static final int TARGET_IP_OFFSET = 24;
    /** The packet for IPv4 over Ethernet; a frame pads it to 46 bytes of payload. */
    public static final int LENGTH = 28;

    public static final int HARDWARE_ETHERNET = 1;
    public static final int PROTOCOL_IPV4 = 0x0800;
    public static final int OPERATION_REQUEST = 1;
    public static final int OPERATION_REPLY = 2;

    private ByteBuffer buffer;
    private int index;

    /** Points this view at the packet starting at absolute {@code index}; checks nothing. */
    public ArpPacket wrap(ByteBuffer buffer, int index) {
        this.buffer = buffer;
        this.index = index;
        return this;
    }

    public int hardwareType() {
        return Wire.u16(buffer, index + HARDWARE_TYPE_OFFSET);
    }

    public int protocolType() {
        return Wire.u16(buffer, index + PROTOCOL_TYPE_OFFSET);
    }

    public int hardwareLength() {
        return Wire.u8(buffer, index + HARDWARE_LENGTH_OFFSET);
    }

    public int protocolLength() {
        return Wire.u8(buffer, index + PROTOCOL_LENGTH_OFFSET);
    }

    public int operation() {
        return Wire.u16(buffer, index + OPERATION_OFFSET);
    }

    public long senderMac() {
        return MacAddress.read(buffer, index + SENDER_MAC_OFFSET);
    }

    /** The sender's IPv4 address as an unsigned 32-bit value in an {@code int}. */
    public int senderIp() {
        return Wire.s32(buffer, index + SENDER_IP_OFFSET);
    }

    public long targetMac() {
        return MacAddress.read(buffer, index + TARGET_MAC_OFFSET);
    }

    public int targetIp() {
        return Wire.s32(buffer, index + TARGET_IP_OFFSET);
    }

    /** Writes a whole IPv4-over-Ethernet packet at absolute {@code index} of {@code buffer}. */
    static void write(ByteBuffer buffer, int index, int operation, long senderMac, int senderIp, long targetMac,
                      int targetIp) {
        Wire.putU16(buffer, index + HARDWARE_TYPE_OFFSET, HARDWARE_ETHERNET);
        Wire.putU16(buffer, index + PROTOCOL_TYPE_OFFSET, PROTOCOL_IPV4);
        Wire.putU8(buffer, index + HARDWARE_LENGTH_OFFSET, MacAddress.LENGTH);
        Wire.putU8(buffer, index + PROTOCOL_LENGTH_OFFSET, 4);
        Wire.putU16(buffer, index + OPERATION_OFFSET, operation);
        MacAddress.write(buffer, index + SENDER_MAC_OFFSET, senderMac);
        Wire.putS32(buffer, index + SENDER_IP_OFFSET, senderIp);
        MacAddress.write(buffer, index + TARGET_MAC_OFFSET, targetMac);
        Wire.putS32(buffer, index + TARGET_IP_OFFSET, targetIp);
    }
}
