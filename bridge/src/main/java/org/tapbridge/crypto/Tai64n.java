package org.tapbridge.crypto;

/**
 * TAI64N timestamps (12 bytes: 2^62 + seconds, then nanoseconds, big-endian) as WireGuard puts in its
 * initiations: a responder keeps the greatest one per peer, so a replayed initiation is refused. Stateless.
 */
final class Tai64n {
    static final int LENGTH = 12;
    private static final long TAI64_EPOCH = 1L << 62;

    private Tai64n() {
    }

    static byte[] encode(long wallClockNs) {
        long seconds = Math.floorDiv(wallClockNs, 1_000_000_000L);
        long nanos = Math.floorMod(wallClockNs, 1_000_000_000L);
        byte[] out = new byte[LENGTH];
        long s = TAI64_EPOCH + seconds;
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (s >>> (56 - 8 * i));
        }
        for (int i = 0; i < 4; i++) {
            out[8 + i] = (byte) (nanos >>> (24 - 8 * i));
        }
        return out;
    }

    /** Unsigned byte-wise comparison, which orders TAI64N values by time. */
    static int compare(byte[] a, byte[] b) {
        return java.util.Arrays.compareUnsigned(a, b);
    }
}
