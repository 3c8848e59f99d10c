package org.tapbridge.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Puts frames into buffers the way the data path holds them and runs the segmenters over them. */
final class Harness {
    static final int MSS = 1448;
    /** Bytes before and after each range handed to the code under test, which must never change. */
    static final int SENTINEL = 7;
    static final byte SENTINEL_BYTE = (byte) 0xA5;

    private Harness() {
    }

    /**
     * A buffer holding a virtio_net_hdr at {@code SENTINEL} and the frame right after it, sentinel bytes
     * around; direct or heap, and in little-endian order half the time, so nothing may rely on either.
     */
    static ByteBuffer withHeader(byte[] frame, boolean direct) {
        int size = SENTINEL + VirtioNetHeader.LENGTH + frame.length + SENTINEL;
        ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN) : ByteBuffer.allocate(size);
        for (int i = 0; i < size; i++) {
            buffer.put(i, SENTINEL_BYTE);
        }
        buffer.put(SENTINEL + VirtioNetHeader.LENGTH, frame);
        return buffer;
    }

    /** The kernel's header for a TCP super-frame: NEEDS_CSUM at the TCP header, hdr_len the headers. */
    static VirtioNetHeader tcpHeader(ByteBuffer buffer, Frames.Built frame, int gsoSize, int ecn) {
        return new VirtioNetHeader(VirtioNetHeader.LENGTH).wrap(buffer, SENTINEL).clear()
                .flags(VirtioNetHeader.F_NEEDS_CSUM)
                .gsoType((frame.ipv6 ? VirtioNetHeader.GSO_TCPV6 : VirtioNetHeader.GSO_TCPV4) | ecn)
                .hdrLen(frame.headerLength)
                .gsoSize(gsoSize)
                .csumStart(frame.transportStart)
                .csumOffset(16);
    }

    static VirtioNetHeader udpHeader(ByteBuffer buffer, Frames.Built frame, int gsoSize) {
        return new VirtioNetHeader(VirtioNetHeader.LENGTH).wrap(buffer, SENTINEL).clear()
                .flags(VirtioNetHeader.F_NEEDS_CSUM)
                .gsoType(VirtioNetHeader.GSO_UDP_L4)
                .hdrLen(frame.headerLength)
                .gsoSize(gsoSize)
                .csumStart(frame.transportStart)
                .csumOffset(6);
    }

    /** The 10-byte virtio_net_hdr a coalesced super-frame must carry: NEEDS_CSUM, little-endian fields. */
    static byte[] coalescedHeader(int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        byte[] header = new byte[VirtioNetHeader.LENGTH];
        header[0] = VirtioNetHeader.F_NEEDS_CSUM;
        header[1] = (byte) gsoType;
        int[] fields = {hdrLen, gsoSize, csumStart, csumOffset};
        for (int i = 0; i < fields.length; i++) {
            header[2 + 2 * i] = (byte) fields[i];
            header[3 + 2 * i] = (byte) (fields[i] >>> 8);
        }
        return header;
    }

    static int frameOffset() {
        return SENTINEL + VirtioNetHeader.LENGTH;
    }

    /** Cuts a prepared segmenter's segments into separate arrays, checking the sentinels of each output. */
    static List<byte[]> segments(TcpSegmenter segmenter, boolean direct) {
        List<byte[]> segments = new ArrayList<>();
        for (int i = 0; i < segmenter.segmentCount(); i++) {
            int length = segmenter.segmentLength(i);
            ByteBuffer out = sentinels(length, direct);
            assertEquals(length, segmenter.writeSegment(i, out, SENTINEL));
            segments.add(inside(out, length));
        }
        return segments;
    }

    static List<byte[]> segments(UdpSegmenter segmenter, boolean direct) {
        List<byte[]> segments = new ArrayList<>();
        for (int i = 0; i < segmenter.segmentCount(); i++) {
            int length = segmenter.segmentLength(i);
            ByteBuffer out = sentinels(length, direct);
            assertEquals(length, segmenter.writeSegment(i, out, SENTINEL));
            segments.add(inside(out, length));
        }
        return segments;
    }

    /** A buffer of {@code length} bytes framed by sentinels. */
    static ByteBuffer sentinels(int length, boolean direct) {
        int size = SENTINEL + length + SENTINEL;
        ByteBuffer out = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
        for (int i = 0; i < size; i++) {
            out.put(i, SENTINEL_BYTE);
        }
        return out;
    }

    /** The {@code length} bytes after the leading sentinels; fails if a sentinel changed. */
    static byte[] inside(ByteBuffer out, int length) {
        assertSentinels(out, SENTINEL, length);
        byte[] bytes = new byte[length];
        out.get(SENTINEL, bytes);
        return bytes;
    }

    /** Fails unless every byte outside {@code [from, from + length)} is still a sentinel. */
    static void assertSentinels(ByteBuffer buffer, int from, int length) {
        for (int i = 0; i < buffer.capacity(); i++) {
            if (i < from || i >= from + length) {
                assertEquals(SENTINEL_BYTE, buffer.get(i), "byte " + i + " outside [" + from + ", " + (from + length) + ")");
            }
        }
    }
}
