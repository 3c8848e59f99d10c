package org.tapbridge.neighbor;

import java.nio.ByteBuffer;

/**
 * Builds ARP and NS/NA frames byte by byte for tests, with the ICMPv6 checksum computed by a plain loop kept
 * apart from the code under test. Addresses are documentation (192.0.2.0/24) and link-local ones only.
 */
final class NeighborFrames {
    static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    static final long HOST_A = 0x02_00_00_00_00_0AL;
    static final long HOST_B = 0x02_00_00_00_00_0BL;
    static final long HOST_C = 0x02_00_00_00_00_0CL;
    static final int IP_A = ip(192, 0, 2, 10);
    static final int IP_B = ip(192, 0, 2, 11);
    static final int IP_C = ip(192, 0, 2, 12);

    private NeighborFrames() {
    }

    static int ip(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    /** fe80::N */
    static byte[] linkLocal(int n) {
        byte[] address = new byte[16];
        address[0] = (byte) 0xFE;
        address[1] = (byte) 0x80;
        address[14] = (byte) (n >>> 8);
        address[15] = (byte) n;
        return address;
    }

    /** ff02::1:ffXX:XXXX for a target. */
    static byte[] solicitedNode(byte[] target) {
        byte[] address = new byte[16];
        address[0] = (byte) 0xFF;
        address[1] = 0x02;
        address[11] = 1;
        address[12] = (byte) 0xFF;
        address[13] = target[13];
        address[14] = target[14];
        address[15] = target[15];
        return address;
    }

    static long multicastMac(byte[] ipv6) {
        return 0x33_33_00_00_00_00L | (ipv6[12] & 0xFFL) << 24 | (ipv6[13] & 0xFFL) << 16 | (ipv6[14] & 0xFFL) << 8
                | (ipv6[15] & 0xFFL);
    }

    static ByteBuffer arp(long ethDestination, long ethSource, int operation, long senderMac, int senderIp,
                          long targetMac, int targetIp) {
        return arp(ethDestination, ethSource, -1, operation, senderMac, senderIp, targetMac, targetIp);
    }

    /** An ARP frame, tagged with {@code vlan} unless it is negative, padded to 60 bytes. */
    static ByteBuffer arp(long ethDestination, long ethSource, int vlan, int operation, long senderMac, int senderIp,
                          long targetMac, int targetIp) {
        ByteBuffer b = ByteBuffer.allocate(64);
        putMac(b, ethDestination);
        putMac(b, ethSource);
        if (vlan >= 0) {
            b.putShort((short) 0x8100).putShort((short) vlan);
        }
        b.putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) operation);
        putMac(b, senderMac);
        b.putInt(senderIp);
        putMac(b, targetMac);
        b.putInt(targetIp);
        int length = Math.max(60, b.position());
        return direct(b.array(), length);
    }

    /** A neighbour solicitation; {@code sourceLinkLayer} 0 leaves the option out. */
    static ByteBuffer solicitation(long ethDestination, long ethSource, byte[] source, byte[] destination,
                                   byte[] target, long sourceLinkLayer) {
        byte[] options = sourceLinkLayer == 0 ? new byte[0] : option(1, sourceLinkLayer);
        return nd(ethDestination, ethSource, source, destination, 135, 0, target, options, 255);
    }

    static ByteBuffer advertisement(long ethDestination, long ethSource, byte[] source, byte[] destination,
                                    int flags, byte[] target, long targetLinkLayer) {
        byte[] options = targetLinkLayer == 0 ? new byte[0] : option(2, targetLinkLayer);
        return nd(ethDestination, ethSource, source, destination, 136, flags, target, options, 255);
    }

    static byte[] option(int type, long mac) {
        byte[] o = new byte[8];
        o[0] = (byte) type;
        o[1] = 1;
        for (int i = 0; i < 6; i++) {
            o[2 + i] = (byte) (mac >>> (40 - 8 * i));
        }
        return o;
    }

    /** Any NS (135) or NA (136) with raw options, a valid checksum and the given hop limit. */
    static ByteBuffer nd(long ethDestination, long ethSource, byte[] source, byte[] destination, int type, int flags,
                         byte[] target, byte[] options, int hopLimit) {
        int icmpLength = 24 + options.length;
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + icmpLength);
        putMac(b, ethDestination);
        putMac(b, ethSource);
        b.putShort((short) 0x86DD);
        b.putInt(0x6000_0000).putShort((short) icmpLength).put((byte) 58).put((byte) hopLimit);
        b.put(source).put(destination);
        int icmp = b.position();
        b.put((byte) type).put((byte) 0).putShort((short) 0).put((byte) flags).put((byte) 0).putShort((short) 0);
        b.put(target).put(options);
        byte[] frame = b.array();
        int checksum = referenceChecksum(frame, 14, icmp, icmpLength);
        frame[icmp + 2] = (byte) (checksum >>> 8);
        frame[icmp + 3] = (byte) checksum;
        return direct(frame, frame.length);
    }

    /** The ICMPv6 checksum over the pseudo-header and message, as a plain loop; 0 over a valid message. */
    static int referenceChecksum(byte[] frame, int ip, int icmp, int icmpLength) {
        byte[] all = new byte[40 + icmpLength];
        System.arraycopy(frame, ip + 8, all, 0, 32);
        all[34] = (byte) (icmpLength >>> 8);
        all[35] = (byte) icmpLength;
        all[39] = 58;
        System.arraycopy(frame, icmp, all, 40, icmpLength);
        int sum = 0;
        for (int i = 0; i < all.length; i += 2) {
            sum += (all[i] & 0xFF) << 8 | (i + 1 < all.length ? all[i + 1] & 0xFF : 0);
            if (sum > 0xFFFF) {
                sum -= 0xFFFF;
            }
        }
        return ~sum & 0xFFFF;
    }

    static ByteBuffer direct(byte[] bytes, int length) {
        ByteBuffer d = ByteBuffer.allocateDirect(length);
        for (int i = 0; i < length && i < bytes.length; i++) {
            d.put(i, bytes[i]);
        }
        return d;
    }

    static byte[] bytes(ByteBuffer buffer, int offset, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = buffer.get(offset + i);
        }
        return out;
    }

    private static void putMac(ByteBuffer b, long mac) {
        for (int i = 0; i < 6; i++) {
            b.put((byte) (mac >>> (40 - 8 * i)));
        }
    }
}
