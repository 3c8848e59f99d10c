package org.tapbridge.mtu;

import java.nio.ByteBuffer;

/**
 * The Internet checksum (RFC 1071) over absolute buffer ranges, for the replies {@link TooBigReply} builds.
 * Package-private on purpose: {@code org.tapbridge.inet.InternetChecksum} is the shared one.
 */
final class Checksum {
    private Checksum() {
    }

    /**
     * Adds {@code length} bytes from {@code index} to a running sum as big-endian 16-bit words; an odd last
     * byte is padded with zero. A {@code long} cannot overflow: 64 KB add less than 2^32.
     */
    static long add(long sum, ByteBuffer buffer, int index, int length) {
        int end = index + (length & ~1);
        for (int i = index; i < end; i += 2) {
            sum += Bytes.u16(buffer, i);
        }
        if ((length & 1) != 0) {
            sum += (buffer.get(end) & 0xFF) << 8;
        }
        return sum;
    }

    /** The 16-bit one's complement of the folded sum: the value to store in a checksum field. */
    static int finish(long sum) {
        return ~fold(sum) & 0xFFFF;
    }

    /** The end-around-carry fold; a header whose stored checksum is right folds to 0xFFFF. */
    static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }
}
