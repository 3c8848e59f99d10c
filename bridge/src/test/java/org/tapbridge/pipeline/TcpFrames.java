package org.tapbridge.pipeline;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Builds untagged IPv4 TCP frames (timestamps option, DF) and vnet headers byte by byte, and checks
 * checksums with a deliberately plain Internet checksum written apart from the production code.
 *
 * <pre>
 * 0      14          34                 54        66
 * | Eth  | IPv4 (20) | TCP (20)         | TS (12) | payload ...
 * </pre>
 */
final class TcpFrames {
    static final int IP_START = 14;
    static final int TCP_START = 34;
    static final int CHECK_AT = TCP_START + 16;
    static final int HEADERS = 66;
    /** Ethernet, IPv4 and UDP headers: where a UDP frame's payload starts (the UDP header is at TCP_START). */
    static final int UDP_HEADERS = 42;
    static final int ACK = 0x10;
    static final int PSH = 0x08;
    static final int FIN = 0x01;
    static final long ACK_NUMBER = 0x2000_0000L;
    static final int WINDOW = 501;
    private static final byte[] SOURCE_IP = {(byte) 192, 0, 2, 10};
    private static final byte[] DESTINATION_IP = {(byte) 198, 51, 100, 20};

    private TcpFrames() {
    }

    static byte[] payload(int length, long seed) {
        byte[] bytes = new byte[length];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    /**
     * A frame from {@code sourceMac} to {@code destinationMac}; {@code partial} leaves the pseudo-header sum in
     * the TCP checksum field, as the kernel does for NEEDS_CSUM, otherwise the checksum is complete.
     */
    static byte[] tcp(long destinationMac, long sourceMac, int ipId, long sequence, int flags, byte[] payload,
                      boolean partial) {
        byte[] f = new byte[HEADERS + payload.length];
        putMac(f, 0, destinationMac);
        putMac(f, 6, sourceMac);
        putU16(f, 12, 0x0800);
        f[IP_START] = 0x45;
        putU16(f, IP_START + 2, 20 + 32 + payload.length);
        putU16(f, IP_START + 4, ipId);
        putU16(f, IP_START + 6, 0x4000);
        f[IP_START + 8] = 64;
        f[IP_START + 9] = 6;
        System.arraycopy(SOURCE_IP, 0, f, IP_START + 12, 4);
        System.arraycopy(DESTINATION_IP, 0, f, IP_START + 16, 4);
        putU16(f, IP_START + 10, ~sum(f, IP_START, IP_START + 20, 0) & 0xFFFF);
        putU16(f, TCP_START, 49_152);
        putU16(f, TCP_START + 2, 5201);
        putU32(f, TCP_START + 4, sequence);
        putU32(f, TCP_START + 8, ACK_NUMBER);
        f[TCP_START + 12] = (byte) (32 / 4 << 4);
        f[TCP_START + 13] = (byte) flags;
        putU16(f, TCP_START + 14, WINDOW);
        f[TCP_START + 20] = 1;
        f[TCP_START + 21] = 1;
        f[TCP_START + 22] = 8;
        f[TCP_START + 23] = 10;
        putU32(f, TCP_START + 24, 0x0102_0304L);
        putU32(f, TCP_START + 28, 0x0506_0708L);
        System.arraycopy(payload, 0, f, HEADERS, payload.length);
        int pseudo = pseudoSum(f, f.length - TCP_START);
        putU16(f, CHECK_AT, partial ? pseudo : ~sum(f, TCP_START, f.length, pseudo) & 0xFFFF);
        return f;
    }

    /**
     * An IPv4 UDP frame (ports 49152 to 4789, no IP options, DF); {@code partial} leaves the pseudo-header
     * sum in the UDP checksum field, as for NEEDS_CSUM.
     */
    static byte[] udp(long destinationMac, long sourceMac, int ipId, byte[] payload, boolean partial) {
        byte[] f = new byte[UDP_HEADERS + payload.length];
        putMac(f, 0, destinationMac);
        putMac(f, 6, sourceMac);
        putU16(f, 12, 0x0800);
        f[IP_START] = 0x45;
        putU16(f, IP_START + 2, 20 + 8 + payload.length);
        putU16(f, IP_START + 4, ipId);
        putU16(f, IP_START + 6, 0x4000);
        f[IP_START + 8] = 64;
        f[IP_START + 9] = 17;
        System.arraycopy(SOURCE_IP, 0, f, IP_START + 12, 4);
        System.arraycopy(DESTINATION_IP, 0, f, IP_START + 16, 4);
        putU16(f, IP_START + 10, ~sum(f, IP_START, IP_START + 20, 0) & 0xFFFF);
        putU16(f, TCP_START, 49_152);
        putU16(f, TCP_START + 2, 4789);
        putU16(f, TCP_START + 4, 8 + payload.length);
        System.arraycopy(payload, 0, f, UDP_HEADERS, payload.length);
        int pseudo = pseudoSum(f, 17, f.length - TCP_START);
        int full = ~sum(f, TCP_START, f.length, pseudo) & 0xFFFF;
        putU16(f, TCP_START + 6, partial ? pseudo : full == 0 ? 0xFFFF : full);
        return f;
    }

    static boolean udpChecksumValid(byte[] frame) {
        return sum(frame, TCP_START, frame.length, pseudoSum(frame, 17, frame.length - TCP_START)) == 0xFFFF;
    }

    /** A virtio_net_hdr of {@code length} bytes (little-endian fields; num_buffers 0). */
    static byte[] vnetHeader(int length, int flags, int gsoType, int hdrLen, int gsoSize, int csumStart,
                             int csumOffset) {
        byte[] h = new byte[length];
        h[0] = (byte) flags;
        h[1] = (byte) gsoType;
        putU16Le(h, 2, hdrLen);
        putU16Le(h, 4, gsoSize);
        putU16Le(h, 6, csumStart);
        putU16Le(h, 8, csumOffset);
        return h;
    }

    /** The kernel's header for a TCP/IPv4 super-frame of this layout. */
    static byte[] tsoHeader(int length, int gsoSize) {
        return vnetHeader(length, 1, 1, HEADERS, gsoSize, TCP_START, 16);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    static byte[] range(byte[] data, int from, int to) {
        return java.util.Arrays.copyOfRange(data, from, to);
    }

    /** The bytes of a direct or heap buffer, all of them. */
    static byte[] bytes(ByteBuffer buffer) {
        byte[] copy = new byte[buffer.capacity()];
        buffer.get(0, copy);
        return copy;
    }

    /** Finishes a NEEDS_CSUM checksum as the kernel does: sums from the TCP header on, field included. */
    static void completeChecksum(byte[] frame) {
        putU16(frame, CHECK_AT, ~sum(frame, TCP_START, frame.length, 0) & 0xFFFF);
    }

    static boolean tcpChecksumValid(byte[] frame) {
        return sum(frame, TCP_START, frame.length, pseudoSum(frame, frame.length - TCP_START)) == 0xFFFF;
    }

    static boolean ipv4HeaderValid(byte[] frame) {
        return sum(frame, IP_START, IP_START + 20, 0) == 0xFFFF;
    }

    static int pseudoSum(byte[] frame, int tcpLength) {
        return pseudoSum(frame, 6, tcpLength);
    }

    static int pseudoSum(byte[] frame, int protocol, int transportLength) {
        int sum = sum(frame, IP_START + 12, IP_START + 20, 0);
        sum = sum(new byte[] {0, (byte) protocol}, 0, 2, sum);
        return sum(new byte[] {(byte) (transportLength >>> 8), (byte) transportLength}, 0, 2, sum);
    }

    /** Ones'-complement sum of {@code data[from, to)}, an odd last byte padded with zero; 0..0xFFFF. */
    static int sum(byte[] data, int from, int to, int initial) {
        int sum = initial;
        for (int i = from; i < to; i += 2) {
            sum += (data[i] & 0xFF) << 8 | (i + 1 < to ? data[i + 1] & 0xFF : 0);
            if (sum > 0xFFFF) {
                sum -= 0xFFFF;
            }
        }
        return sum;
    }

    static int u16(byte[] data, int at) {
        return (data[at] & 0xFF) << 8 | data[at + 1] & 0xFF;
    }

    static int u16Le(byte[] data, int at) {
        return data[at] & 0xFF | (data[at + 1] & 0xFF) << 8;
    }

    static long u32(byte[] data, int at) {
        return (long) u16(data, at) << 16 | u16(data, at + 2);
    }

    private static void putMac(byte[] f, int at, long mac) {
        for (int i = 0; i < 6; i++) {
            f[at + i] = (byte) (mac >>> (40 - 8 * i));
        }
    }

    private static void putU16(byte[] data, int at, int value) {
        data[at] = (byte) (value >>> 8);
        data[at + 1] = (byte) value;
    }

    private static void putU16Le(byte[] data, int at, int value) {
        data[at] = (byte) value;
        data[at + 1] = (byte) (value >>> 8);
    }

    private static void putU32(byte[] data, int at, long value) {
        putU16(data, at, (int) (value >>> 16));
        putU16(data, at + 2, (int) value);
    }
}
