package org.tapbridge.offload;

/**
 * Deliberately plain Internet checksums over byte arrays, written apart from the production code so that
 * tests do not check the code with itself: big-endian words, end-around carry at every step.
 */
final class Reference {
    static final int TCP = 6;
    static final int UDP = 17;

    private Reference() {
    }

    /** Ones'-complement sum of {@code data[from, to)}, an odd last byte padded with zero; 0..0xFFFF. */
    static int sum(byte[] data, int from, int to, int initial) {
        int sum = initial;
        for (int i = from; i < to; i += 2) {
            int high = data[i] & 0xFF;
            int low = i + 1 < to ? data[i + 1] & 0xFF : 0;
            sum += high * 256 + low;
            if (sum > 0xFFFF) {
                sum -= 0xFFFF;
            }
        }
        return sum;
    }

    static int u16(byte[] data, int at) {
        return (data[at] & 0xFF) << 8 | data[at + 1] & 0xFF;
    }

    static long u32(byte[] data, int at) {
        return (long) u16(data, at) << 16 | u16(data, at + 2);
    }

    static void putU16(byte[] data, int at, int value) {
        data[at] = (byte) (value >>> 8);
        data[at + 1] = (byte) value;
    }

    static void putU32(byte[] data, int at, long value) {
        putU16(data, at, (int) (value >>> 16));
        putU16(data, at + 2, (int) value);
    }

    /** True when the IPv4 header at {@code ipStart} has a checksum that verifies. */
    static boolean ipv4HeaderValid(byte[] frame, int ipStart) {
        int ihl = (frame[ipStart] & 0x0F) * 4;
        return sum(frame, ipStart, ipStart + ihl, 0) == 0xFFFF;
    }

    /** The pseudo-header sum (RFC 9293 3.1, RFC 8200 8.1) for a transport segment of {@code length} bytes. */
    static int pseudoSum(byte[] frame, int ipStart, boolean ipv6, int protocol, int length) {
        int sum = ipv6 ? sum(frame, ipStart + 8, ipStart + 40, 0) : sum(frame, ipStart + 12, ipStart + 20, 0);
        sum = sum(new byte[] {0, (byte) protocol}, 0, 2, sum);
        return sum(new byte[] {(byte) (length >>> 8), (byte) length}, 0, 2, sum);
    }

    /** True when the TCP or UDP checksum of {@code frame[transportStart, end)} verifies. */
    static boolean transportChecksumValid(byte[] frame, int ipStart, boolean ipv6, int protocol, int transportStart, int end) {
        int sum = sum(frame, transportStart, end, pseudoSum(frame, ipStart, ipv6, protocol, end - transportStart));
        return sum == 0xFFFF;
    }
}
