package org.tapbridge.inet;

import java.util.Arrays;

/**
 * A frame built by {@link FrameBuilder}: its bytes and where its headers start, so that tests can find
 * the MSS and verify the TCP checksum of the bytes after a clamp.
 */
final class TestFrame {
    final byte[] bytes;
    final boolean ipv6;
    final int l2Length;
    final int ipStart;
    /** -1 when the frame carries no TCP header. */
    final int tcpStart;
    /** Index just past the IP packet; Ethernet padding may follow. */
    final int packetEnd;

    TestFrame(byte[] bytes, boolean ipv6, int l2Length, int ipStart, int tcpStart, int packetEnd) {
        this.bytes = bytes;
        this.ipv6 = ipv6;
        this.l2Length = l2Length;
        this.ipStart = ipStart;
        this.tcpStart = tcpStart;
        this.packetEnd = packetEnd;
    }

    int length() {
        return bytes.length;
    }

    /** The pseudo-header and segment sum over {@code frame}, a copy of this frame after a clamp: 0xFFFF when valid. */
    int tcpSum(byte[] frame) {
        int addressLength = ipv6 ? 16 : 4;
        int sourceAt = ipStart + (ipv6 ? 8 : 12);
        byte[] source = Arrays.copyOfRange(frame, sourceAt, sourceAt + addressLength);
        byte[] destination = Arrays.copyOfRange(frame, sourceAt + addressLength, sourceAt + 2 * addressLength);
        return ReferenceChecksum.sum(
                ReferenceChecksum.pseudoHeaderAndSegment(ipv6, source, destination, frame, tcpStart, packetEnd));
    }

    boolean tcpChecksumValid(byte[] frame) {
        return tcpSum(frame) == 0xFFFF;
    }

    int tcpChecksum(byte[] frame) {
        return u16(frame, tcpStart + 16);
    }

    /** The value of the first MSS option, found by a plain scan of this frame's options; -1 if none. */
    int mss(byte[] frame) {
        int end = tcpStart + ((frame[tcpStart + 12] & 0xFF) >>> 4) * 4;
        int at = tcpStart + 20;
        while (at < end && frame[at] != 0) {
            if (frame[at] == 1) {
                at++;
            } else if (frame[at] == 2) {
                return u16(frame, at + 2);
            } else {
                at += frame[at + 1] & 0xFF;
            }
        }
        return -1;
    }

    static int u16(byte[] frame, int at) {
        return (frame[at] & 0xFF) << 8 | frame[at + 1] & 0xFF;
    }

    static void putU16(byte[] frame, int at, int value) {
        frame[at] = (byte) (value >>> 8);
        frame[at + 1] = (byte) value;
    }
}
