package org.tapbridge.tap;

import java.nio.ByteBuffer;

/** The Internet checksum (RFC 1071) over ByteBuffer regions, for building and checking frames in tests. */
final class InetChecksum {
    static final int TCP = 6;
    static final int UDP = 17;

    private InetChecksum() {
    }

    /** The ones'-complement sum of [from, from + length) as 16-bit big-endian words, not folded. */
    static long sum(ByteBuffer b, int from, int length) {
        long sum = 0;
        int i = 0;
        for (; i + 1 < length; i += 2) {
            sum += ((b.get(from + i) & 0xff) << 8) | (b.get(from + i + 1) & 0xff);
        }
        if (i < length) {
            sum += (b.get(from + i) & 0xff) << 8;
        }
        return sum;
    }

    static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** The pseudo-header sum for IPv4 addresses at {@code ip + 12} and {@code ip + 16}, folded, not inverted. */
    static int pseudoIpv4(ByteBuffer b, int ip, int protocol, int l4Length) {
        return fold(sum(b, ip + 12, 8) + protocol + l4Length);
    }

    /** The same for IPv6 addresses at {@code ip + 8} and {@code ip + 24}. */
    static int pseudoIpv6(ByteBuffer b, int ip, int protocol, int l4Length) {
        return fold(sum(b, ip + 8, 32) + protocol + l4Length);
    }

    /** True when the IPv4 header at {@code ip} sums to 0xffff, its checksum included. */
    static boolean ipv4HeaderValid(ByteBuffer b, int ip) {
        int headerLength = (b.get(ip) & 0x0f) * 4;
        return fold(sum(b, ip, headerLength)) == 0xffff;
    }

    /** True when the TCP or UDP segment at {@code l4} over IPv4 at {@code ip} sums to 0xffff with its pseudo-header. */
    static boolean l4Ipv4Valid(ByteBuffer b, int ip, int l4, int protocol, int l4Length) {
        return fold(pseudoIpv4(b, ip, protocol, l4Length) + sum(b, l4, l4Length)) == 0xffff;
    }

    /** Writes the IPv4 header checksum at {@code ip + 10}. */
    static void fillIpv4Header(ByteBuffer b, int ip) {
        int headerLength = (b.get(ip) & 0x0f) * 4;
        b.putShort(ip + 10, (short) 0);
        b.putShort(ip + 10, (short) ~fold(sum(b, ip, headerLength)));
    }
}
