package org.tapbridge.inet;

/**
 * A deliberately plain Internet checksum over byte arrays, written apart from {@link InternetChecksum}
 * so that tests do not check the code with itself: add each big-endian word, carry around at once.
 */
final class ReferenceChecksum {
    private ReferenceChecksum() {
    }

    /** Ones'-complement sum of {@code data}, padded with a zero byte when odd; 0..0xFFFF. */
    static int sum(byte[] data) {
        int sum = 0;
        for (int i = 0; i < data.length; i += 2) {
            int high = data[i] & 0xFF;
            int low = i + 1 < data.length ? data[i + 1] & 0xFF : 0;
            sum += high * 256 + low;
            if (sum > 0xFFFF) {
                sum -= 0xFFFF;
            }
        }
        return sum;
    }

    /** The TCP pseudo-header (RFC 9293 / RFC 8200 section 8.1) followed by the segment. */
    static byte[] pseudoHeaderAndSegment(boolean ipv6, byte[] source, byte[] destination, byte[] frame,
                                         int segmentStart, int segmentEnd) {
        int segmentLength = segmentEnd - segmentStart;
        int pseudoLength = ipv6 ? 40 : 12;
        byte[] all = new byte[pseudoLength + segmentLength];
        System.arraycopy(source, 0, all, 0, source.length);
        System.arraycopy(destination, 0, all, source.length, destination.length);
        if (ipv6) {
            all[32] = (byte) (segmentLength >>> 24);
            all[33] = (byte) (segmentLength >>> 16);
            all[34] = (byte) (segmentLength >>> 8);
            all[35] = (byte) segmentLength;
            all[39] = (byte) IpProtocol.TCP;
        } else {
            all[9] = (byte) IpProtocol.TCP;
            all[10] = (byte) (segmentLength >>> 8);
            all[11] = (byte) segmentLength;
        }
        System.arraycopy(frame, segmentStart, all, pseudoLength, segmentLength);
        return all;
    }
}
