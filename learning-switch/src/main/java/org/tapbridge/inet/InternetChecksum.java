package org.tapbridge.inet;

import java.nio.ByteBuffer;

/**
 * The Internet checksum (RFC 1071): 16-bit ones'-complement sums over byte ranges, and the
 * incremental update of a checksum when one 16-bit word changes (RFC 1624). Stateless.
 *
 * <p>Sums are passed around folded to 16 bits ({@code 0..0xFFFF}), so a checksum over several ranges
 * (a pseudo-header, then a segment) is {@code complement(sum(b, s, n, sum(b, p, m, 0)))}. Each range
 * is summed as if it started at an even offset of the checksummed data; an odd-length range is padded
 * with a zero byte, so only the last range may have an odd length.
 */
public final class InternetChecksum {
    private InternetChecksum() {
    }

    /**
     * Adds {@code length} bytes from absolute {@code index} to the folded sum {@code sum}.
     *
     * @return the folded ones'-complement sum, {@code 0..0xFFFF}
     */
    public static int sum(ByteBuffer buffer, int index, int length, int sum) {
        long total = sum & 0xFFFF;
        int end = index + (length & ~1);
        for (int i = index; i < end; i += 2) {
            total += Bytes.u16(buffer, i);
        }
        if ((length & 1) != 0) {
            total += Bytes.u8(buffer, end) << 8;
        }
        return fold(total);
    }

    /**
     * The same sum as {@link #sum}, eight bytes per read: for payload-sized ranges (a TCP segment, a
     * 64 KB super-frame), where it is several times faster.
     *
     * <p>Each 64-bit big-endian word is added as its two 32-bit halves to a 64-bit accumulator: since
     * 2^16 and 2^32 are both 1 modulo 0xFFFF, folding the wide total gives the same ones'-complement sum
     * as adding 16-bit words (RFC 1071 section 2(C), "parallel summation"), and it cannot overflow for
     * any buffer (below 2^31 bytes, each word adds less than 2^33). Two accumulators let consecutive
     * additions overlap.
     *
     * @return the folded ones'-complement sum, {@code 0..0xFFFF}, equal to {@code sum(buffer, index,
     *     length, sum)}
     */
    public static int bulkSum(ByteBuffer buffer, int index, int length, int sum) {
        long even = sum & 0xFFFF;
        long odd = 0;
        int i = index;
        int end = index + length;
        int pairsEnd = index + (length & ~15);
        while (i < pairsEnd) {
            long first = Bytes.s64(buffer, i);
            long second = Bytes.s64(buffer, i + 8);
            even += (first >>> 32) + (first & 0xFFFF_FFFFL);
            odd += (second >>> 32) + (second & 0xFFFF_FFFFL);
            i += 16;
        }
        long total = even + odd;
        if (end - i >= 8) {
            long word = Bytes.s64(buffer, i);
            total += (word >>> 32) + (word & 0xFFFF_FFFFL);
            i += 8;
        }
        if (end - i >= 4) {
            total += Bytes.s32(buffer, i) & 0xFFFF_FFFFL;
            i += 4;
        }
        if (end - i >= 2) {
            total += Bytes.u16(buffer, i);
            i += 2;
        }
        if (i < end) {
            total += Bytes.u8(buffer, i) << 8;
        }
        return fold(total);
    }

    /**
     * Copies {@code length} bytes from {@code source} to {@code destination} and adds them to the folded sum
     * in the same pass, as {@link #bulkSum} would (the kernel's {@code csum_partial_copy}). The ranges must
     * not overlap.
     *
     * @return the folded ones'-complement sum of the copied bytes and {@code sum}
     */
    public static int copyAndSum(ByteBuffer source, int sourceIndex, ByteBuffer destination, int destinationIndex,
                                 int length, int sum) {
        long even = sum & 0xFFFF;
        long odd = 0;
        int i = 0;
        int pairsEnd = length & ~15;
        while (i < pairsEnd) {
            long first = Bytes.s64(source, sourceIndex + i);
            long second = Bytes.s64(source, sourceIndex + i + 8);
            Bytes.putS64(destination, destinationIndex + i, first);
            Bytes.putS64(destination, destinationIndex + i + 8, second);
            even += (first >>> 32) + (first & 0xFFFF_FFFFL);
            odd += (second >>> 32) + (second & 0xFFFF_FFFFL);
            i += 16;
        }
        long total = even + odd;
        for (; i < length; i++) {
            byte b = source.get(sourceIndex + i);
            destination.put(destinationIndex + i, b);
            total += (i & 1) == 0 ? (b & 0xFF) << 8 : b & 0xFF;
        }
        return fold(total);
    }

    /** Adds one 16-bit word to a folded sum, e.g. a pseudo-header field. */
    public static int addWord(int sum, int word) {
        return fold((long) (sum & 0xFFFF) + (word & 0xFFFF));
    }

    /** Folds the carries of a wide sum back into 16 bits (the end-around carry). */
    public static int fold(long total) {
        long folded = total;
        while ((folded >>> 16) != 0) {
            folded = (folded & 0xFFFF) + (folded >>> 16);
        }
        return (int) folded;
    }

    /** The checksum to store for a folded sum over data whose checksum field held zero. */
    public static int complement(int sum) {
        return ~sum & 0xFFFF;
    }

    /**
     * The ones'-complement checksum over a range, checksum field included: 0 when the stored checksum is
     * valid.
     */
    public static int checksum(ByteBuffer buffer, int index, int length) {
        return complement(sum(buffer, index, length, 0));
    }

    /**
     * The checksum after one 16-bit word of the checksummed data changes from {@code oldWord} to
     * {@code newWord}, by RFC 1624 equation 3: {@code HC' = ~(~HC + ~m + m')}.
     *
     * <p>Equation 3 rather than the older {@code HC' = HC + m + ~m'} (RFC 1141): the latter yields
     * 0xFFFF (negative zero) where a full recomputation yields 0x0000. With equation 3 the result is
     * 0xFFFF only when {@code ~HC}, {@code ~m} and {@code m'} are all zero. Either stored zero verifies,
     * as both are zero in ones'-complement arithmetic, so an old checksum of 0xFFFF is handled too.
     *
     * <p>Both words must sit at the same (even) offset of the checksummed data; for a word at an odd
     * offset, pass both values byte-swapped ({@link #swap}), since a ones'-complement sum commutes
     * with byte swapping.
     */
    public static int update(int checksum, int oldWord, int newWord) {
        int total = (~checksum & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        total = (total & 0xFFFF) + (total >>> 16);
        total = (total & 0xFFFF) + (total >>> 16);
        return ~total & 0xFFFF;
    }

    /** The 16-bit word with its two bytes exchanged. */
    public static int swap(int word) {
        return (word & 0xFF) << 8 | (word >>> 8 & 0xFF);
    }
}
