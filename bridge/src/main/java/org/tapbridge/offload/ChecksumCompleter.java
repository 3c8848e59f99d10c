package org.tapbridge.offload;

import java.nio.ByteBuffer;

import org.tapbridge.inet.InternetChecksum;

/**
 * Finishes the checksum of a frame read with {@code NEEDS_CSUM} (the kernel's {@code CHECKSUM_PARTIAL}),
 * exactly as the kernel's {@code skb_checksum_help} does: the ones'-complement sum from csum_start to the
 * end of the frame, taken with the checksum field as it stands (the kernel left the pseudo-header sum
 * there), folded, complemented and stored at csum_start + csum_offset; a result of 0 is stored as 0xFFFF
 * (which UDP needs, since 0 there means "no checksum", and which verifies the same for TCP). Needed before a
 * frame without GSO leaves as a plain frame. Stateless.
 */
public final class ChecksumCompleter {
    private ChecksumCompleter() {
    }

    /**
     * Completes the checksum the header asks for; does nothing when it does not ask ({@code NEEDS_CSUM}
     * clear).
     *
     * @param frame the frame that follows the header: {@code length} bytes from absolute {@code offset}
     * @return {@link OffloadStatus#OK}, {@link OffloadStatus#OUT_OF_BOUNDS} (no buffer, range outside it,
     *     read-only) or {@link OffloadStatus#CSUM_BEYOND_FRAME}; nothing is written unless OK
     */
    public static int complete(ByteBuffer frame, int offset, int length, VirtioNetHeader header) {
        if (!header.needsChecksum()) {
            return OffloadStatus.OK;
        }
        return complete(frame, offset, length, header.csumStart(), header.csumOffset());
    }

    /**
     * Completes the checksum whose sum starts {@code csumStart} bytes into the frame and whose field sits
     * {@code csumOffset} bytes after that.
     *
     * @return {@link OffloadStatus#OK}, {@link OffloadStatus#OUT_OF_BOUNDS} or
     *     {@link OffloadStatus#CSUM_BEYOND_FRAME}; nothing is written unless OK
     */
    public static int complete(ByteBuffer frame, int offset, int length, int csumStart, int csumOffset) {
        if (!Ranges.writable(frame, offset, length)) {
            return OffloadStatus.OUT_OF_BOUNDS;
        }
        if (csumStart < 0 || csumOffset < 0 || csumStart >= length || (long) csumStart + csumOffset + 2 > length) {
            return OffloadStatus.CSUM_BEYOND_FRAME;
        }
        int sum = InternetChecksum.bulkSum(frame, offset + csumStart, length - csumStart, 0);
        int checksum = InternetChecksum.complement(sum);
        Ranges.putU16(frame, offset + csumStart + csumOffset, checksum == 0 ? 0xFFFF : checksum);
        return OffloadStatus.OK;
    }
}
