package org.tapbridge.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;

class TcpSegmenterTest {
    private static final int MSS = Harness.MSS;
    private static final int ACK = 0x10;
    private static final int PSH = 0x08;
    private static final int FIN = 0x01;
    private static final int CWR = 0x80;
    private static final int ECE = 0x40;
    private static final int HOP_BY_HOP = 0;
    private static final int DESTINATION_OPTIONS = 60;

    private final TcpSegmenter segmenter = new TcpSegmenter();

    /** Every shape of super-frame we enable, cut for several tunnel sizes; every segment verified alone. */
    @Test
    void cutsEveryShapeIntoSegmentsThatEachVerifyAlone() {
        int cases = 0;
        for (boolean ipv6 : new boolean[] {false, true}) {
            for (int tags = 0; tags <= 2; tags++) {
                for (boolean timestamps : new boolean[] {false, true}) {
                    for (boolean ipExtras : new boolean[] {false, true}) {
                        for (int payload : new int[] {1, MSS - 1, MSS, MSS + 1, 10_003, 0}) {
                            for (int maxFrame : new int[] {1514, 1440, 9000, 200}) {
                                Frames frames = shape(ipv6, tags, timestamps, ipExtras, cases);
                                int room = 0xFFFF - (frames.build().headerLength - frames.build().ipStart)
                                        + (ipv6 ? 40 : 0);
                                Frames.Built superFrame = frames
                                        .randomPayload(payload == 0 ? room : payload, cases)
                                        .tcpFlags(ACK | PSH).checksum(Frames.Checksum.PARTIAL).build();
                                cutAndVerify(superFrame, MSS, maxFrame, (cases & 1) == 0, 0);
                                cases++;
                            }
                        }
                    }
                }
            }
        }
        assertEquals(2 * 3 * 2 * 2 * 6 * 4, cases);
    }

    private static Frames shape(boolean ipv6, int tags, boolean timestamps, boolean ipExtras, int seed) {
        Frames frames = Frames.of(ipv6).dontFragment(seed % 3 != 0).identification(seed * 977 & 0xFFFF)
                .sequence(0xFFFF_0000L + seed * 7919L & 0xFFFF_FFFFL);
        if (tags >= 1) {
            frames.tag(tags == 2 ? Frames.QINQ : Frames.VLAN, 100 + seed % 50);
        }
        if (tags == 2) {
            frames.tag(Frames.VLAN, 7);
        }
        if (timestamps) {
            frames.timestamps(0x0A0B_0C0DL + seed, 0x0102_0304L);
        }
        if (ipExtras) {
            if (ipv6) {
                frames.extension(HOP_BY_HOP, 8).extension(DESTINATION_OPTIONS, 16);
            } else {
                frames.ipv4Options(new byte[] {(byte) 0x94, 4, 0, 0, 1, 1, 1, 0}); // router alert, NOPs, EOL
            }
        }
        return frames;
    }

    /** Cuts {@code superFrame} and verifies the plan and each segment; returns the segments. */
    private List<byte[]> cutAndVerify(Frames.Built superFrame, int gsoSize, int maxFrame, boolean direct, int ecn) {
        ByteBuffer buffer = Harness.withHeader(superFrame.bytes, direct);
        VirtioNetHeader header = Harness.tcpHeader(buffer, superFrame, gsoSize, ecn);
        String what = superFrame.length() + "-byte " + (superFrame.ipv6 ? "IPv6" : "IPv4") + " super-frame, max frame " + maxFrame;
        int room = maxFrame - superFrame.headerLength;
        if (room < 1) {
            assertEquals(OffloadStatus.NO_ROOM, segmenter.prepare(buffer, Harness.frameOffset(), superFrame.length(), header, maxFrame), what);
            assertEquals(0, segmenter.segmentCount());
            return List.of();
        }
        assertEquals(OffloadStatus.OK, segmenter.prepare(buffer, Harness.frameOffset(), superFrame.length(), header, maxFrame), what);
        int segmentPayload = Math.min(gsoSize, room);
        int payload = superFrame.payloadLength();
        assertEquals(segmentPayload, segmenter.segmentPayload(), what);
        assertEquals((payload + segmentPayload - 1) / segmentPayload, segmenter.segmentCount(), what);
        assertEquals(superFrame.headerLength, segmenter.headerLength(), what);
        List<byte[]> segments = Harness.segments(segmenter, direct);
        for (int i = 0; i < segments.size(); i++) {
            byte[] segment = segments.get(i);
            assertTrue(segment.length <= maxFrame, what + ": segment " + i + " is " + segment.length);
            SegmentCheck.verifyTcp(superFrame, segment, i, segments.size(), segmentPayload);
        }
        byte[] before = new byte[buffer.capacity()];
        buffer.get(0, before);
        Harness.assertSentinels(buffer, Harness.SENTINEL, VirtioNetHeader.LENGTH + superFrame.length());
        assertArrayEquals(superFrame.bytes, java.util.Arrays.copyOfRange(before, Harness.frameOffset(),
                Harness.frameOffset() + superFrame.length()), what + ": the super-frame is only read");
        return segments;
    }

    @Test
    void cutsAFullSixtyFourKilobyteSuperFrameIntoFortyFiveSegments() {
        Frames.Built superFrame = Frames.ipv4().timestamps(1, 2).randomPayload(0xFFFF - 20 - 32, 64)
                .tcpFlags(ACK | PSH).checksum(Frames.Checksum.PARTIAL).build();
        List<byte[]> segments = cutAndVerify(superFrame, MSS, 1514, true, 0);
        assertEquals(46, segments.size()); // 65483 = 45 * 1448 + 323
        assertEquals(14 + 20 + 32 + 323, segments.get(45).length);
    }

    @Test
    void numbersIpv4IdsUpwardsAndWrapsThemWhateverDfSays() {
        for (boolean dontFragment : new boolean[] {true, false}) {
            Frames.Built superFrame = Frames.ipv4().dontFragment(dontFragment).identification(0xFFFE)
                    .randomPayload(5 * 1000, 5).checksum(Frames.Checksum.PARTIAL).build();
            List<byte[]> segments = cutAndVerify(superFrame, 1000, 1514, false, 0);
            int[] ids = segments.stream().mapToInt(s -> Reference.u16(s, 14 + 4)).toArray();
            assertArrayEquals(new int[] {0xFFFE, 0xFFFF, 0, 1, 2}, ids);
        }
    }

    @Test
    void keepsFinAndPshForTheLastSegmentAndCwrForTheFirst() {
        for (boolean ipv6 : new boolean[] {false, true}) {
            Frames.Built superFrame = Frames.of(ipv6).tcpFlags(ACK | PSH | FIN | CWR | ECE).randomPayload(4 * MSS - 10, 9)
                    .checksum(Frames.Checksum.PARTIAL).build();
            List<byte[]> segments = cutAndVerify(superFrame, MSS, 9000, ipv6, VirtioNetHeader.GSO_ECN);
            assertEquals(4, segments.size());
            int tcp = superFrame.transportStart + 13;
            assertEquals(ACK | CWR | ECE, segments.get(0)[tcp] & 0xFF);
            assertEquals(ACK | ECE, segments.get(1)[tcp] & 0xFF);
            assertEquals(ACK | ECE, segments.get(2)[tcp] & 0xFF);
            assertEquals(ACK | ECE | PSH | FIN, segments.get(3)[tcp] & 0xFF);
        }
    }

    @Test
    void wrapsSequenceNumbersPastTwoToTheThirtyTwo() {
        Frames.Built superFrame = Frames.ipv6().sequence(0xFFFF_FC00L).randomPayload(3 * MSS, 11)
                .checksum(Frames.Checksum.PARTIAL).build();
        List<byte[]> segments = cutAndVerify(superFrame, MSS, 9000, true, 0);
        assertEquals(0xFFFF_FC00L + 2 * MSS - (1L << 32), Reference.u32(segments.get(2), superFrame.transportStart + 4));
    }

    @Test
    void ignoresTheChecksumFieldWithoutNeedsCsumAndTheHdrLenHintAlways() {
        Frames.Built partial = Frames.ipv4().timestamps(5, 6).randomPayload(3 * MSS + 5, 12)
                .checksum(Frames.Checksum.PARTIAL).build();
        List<byte[]> expected = cutAndVerify(partial, MSS, 1514, false, 0);
        for (Frames.Checksum mode : Frames.Checksum.values()) {
            Frames.Built superFrame = Frames.ipv4().timestamps(5, 6).randomPayload(3 * MSS + 5, 12).checksum(mode).build();
            for (int flags : new int[] {0, VirtioNetHeader.F_DATA_VALID}) {
                for (int hdrLen : new int[] {0, 14 + 20 + 32 + MSS, superFrame.length()}) {
                    ByteBuffer buffer = Harness.withHeader(superFrame.bytes, true);
                    VirtioNetHeader header = Harness.tcpHeader(buffer, superFrame, MSS, 0).flags(flags).hdrLen(hdrLen)
                            .csumStart(0).csumOffset(0);
                    assertEquals(OffloadStatus.OK, segmenter.prepare(buffer, Harness.frameOffset(), superFrame.length(), header, 1514));
                    List<byte[]> segments = Harness.segments(segmenter, false);
                    assertEquals(expected.size(), segments.size());
                    for (int i = 0; i < segments.size(); i++) {
                        assertArrayEquals(expected.get(i), segments.get(i), mode + " flags " + flags + " hdr_len " + hdrLen);
                    }
                }
            }
        }
    }

    @Test
    void cutsSegmentsInAnyOrderIntoOneSharedBuffer() {
        Frames.Built superFrame = Frames.ipv6().tag(Frames.VLAN, 9).randomPayload(7 * MSS, 13)
                .checksum(Frames.Checksum.PARTIAL).build();
        List<byte[]> expected = cutAndVerify(superFrame, MSS, 1514, false, 0);
        ByteBuffer buffer = Harness.withHeader(superFrame.bytes, false);
        VirtioNetHeader header = Harness.tcpHeader(buffer, superFrame, MSS, 0);
        assertEquals(OffloadStatus.OK, segmenter.prepare(buffer, Harness.frameOffset(), superFrame.length(), header, 1514));
        ByteBuffer batch = ByteBuffer.allocateDirect(7 * 1600);
        for (int i = 6; i >= 0; i--) {
            assertEquals(expected.get(i).length, segmenter.writeSegment(i, batch, i * 1600));
        }
        for (int i = 0; i < 7; i++) {
            byte[] segment = new byte[expected.get(i).length];
            batch.get(i * 1600, segment);
            assertArrayEquals(expected.get(i), segment, "segment " + i);
        }
    }

    @Test
    void refusesWhatItCannotCut() {
        Frames.Built good = Frames.ipv4().randomPayload(3000, 1).checksum(Frames.Checksum.PARTIAL).build();
        assertEquals(OffloadStatus.OK, prepare(good, VirtioNetHeader.GSO_TCPV4, 1514));
        assertEquals(OffloadStatus.WRONG_GSO_TYPE, prepare(good, VirtioNetHeader.GSO_NONE, 1514));
        assertEquals(OffloadStatus.ETHERTYPE_MISMATCH, prepare(good, VirtioNetHeader.GSO_TCPV6, 1514));
        assertEquals(OffloadStatus.NO_ROOM, prepare(good, VirtioNetHeader.GSO_TCPV4, 54));
        assertEquals(OffloadStatus.OK, prepare(good, VirtioNetHeader.GSO_TCPV4, 55));
        assertEquals(1, segmenter.segmentPayload());
        assertEquals(3000, segmenter.segmentCount());

        Frames.Built udp = Frames.ipv4().udp().randomPayload(3000, 1).checksum(Frames.Checksum.PARTIAL).build();
        assertEquals(OffloadStatus.WRONG_PROTOCOL, prepare(udp, VirtioNetHeader.GSO_TCPV4, 1514, 0));
        Frames.Built empty = Frames.ipv6().checksum(Frames.Checksum.PARTIAL).build();
        assertEquals(OffloadStatus.NO_PAYLOAD, prepare(empty, VirtioNetHeader.GSO_TCPV6, 1514));
        Frames.Built padded = Frames.ipv4().randomPayload(3000, 1).padding(4).checksum(Frames.Checksum.PARTIAL).build();
        assertEquals(OffloadStatus.IP_LENGTH_MISMATCH, prepare(padded, VirtioNetHeader.GSO_TCPV4, 1514));
        Frames.Built routed = Frames.ipv6().extension(43, 24).randomPayload(3000, 1).checksum(Frames.Checksum.PARTIAL).build();
        assertEquals(OffloadStatus.UNSUPPORTED_EXTENSION, prepare(routed, VirtioNetHeader.GSO_TCPV6, 1514));
        Frames.Built fragmented = Frames.ipv6().extension(44, 8).randomPayload(3000, 1).checksum(Frames.Checksum.PARTIAL).build();
        assertEquals(OffloadStatus.UNSUPPORTED_EXTENSION, prepare(fragmented, VirtioNetHeader.GSO_TCPV6, 1514));
        Frames.Built lateHopByHop = Frames.ipv6().extension(DESTINATION_OPTIONS, 8).extension(HOP_BY_HOP, 8)
                .randomPayload(3000, 1).checksum(Frames.Checksum.PARTIAL).build();
        assertEquals(OffloadStatus.UNSUPPORTED_EXTENSION, prepare(lateHopByHop, VirtioNetHeader.GSO_TCPV6, 1514));
        Frames.Built udpBehindOptions = Frames.ipv6().extension(DESTINATION_OPTIONS, 8).udp().randomPayload(3000, 1)
                .checksum(Frames.Checksum.PARTIAL).build();
        assertEquals(OffloadStatus.WRONG_PROTOCOL, prepare(udpBehindOptions, VirtioNetHeader.GSO_TCPV6, 1514, 0));

        byte[] bytes = good.bytes.clone();
        bytes[14 + 6] = 0x20; // MF
        assertEquals(OffloadStatus.IP_FRAGMENT, prepare(bytes, good, VirtioNetHeader.GSO_TCPV4, 1514, 34));
        bytes = good.bytes.clone();
        bytes[14] = 0x44; // IHL 4
        assertEquals(OffloadStatus.BAD_IP_HEADER, prepare(bytes, good, VirtioNetHeader.GSO_TCPV4, 1514, 34));
        bytes = good.bytes.clone();
        bytes[14] = 0x65; // version 6 behind EtherType IPv4
        assertEquals(OffloadStatus.BAD_IP_HEADER, prepare(bytes, good, VirtioNetHeader.GSO_TCPV4, 1514, 34));
        bytes = good.bytes.clone();
        bytes[34 + 12] = 0x40; // data offset 4
        assertEquals(OffloadStatus.BAD_TRANSPORT_HEADER, prepare(bytes, good, VirtioNetHeader.GSO_TCPV4, 1514, 34));
        bytes = good.bytes.clone();
        bytes[34 + 12] = (byte) 0xF0; // data offset 15: 60 bytes of options that are payload
        assertEquals(OffloadStatus.OK, prepare(bytes, good, VirtioNetHeader.GSO_TCPV4, 1514, 34));
        assertEquals(14 + 20 + 60, segmenter.headerLength());
        assertEquals(OffloadStatus.CSUM_START_MISMATCH, prepare(good.bytes, good, VirtioNetHeader.GSO_TCPV4, 1514, 14));
        bytes = good.bytes.clone();
        bytes[12] = (byte) 0x81; // a VLAN tag announced, VLAN 4095 read from the IP header's first bytes
        bytes[14] = 0x0F;
        bytes[15] = (byte) 0xFF;
        assertEquals(OffloadStatus.BAD_ETHERNET, prepare(bytes, good, VirtioNetHeader.GSO_TCPV4, 1514, 34));

        // 65536 bytes of IP packet: more than any length field can say.
        byte[] huge = new byte[14 + 0x10000];
        System.arraycopy(good.bytes, 0, huge, 0, good.headerLength);
        assertEquals(OffloadStatus.TOO_LONG, prepare(huge, good, VirtioNetHeader.GSO_TCPV4, 1514, 34));
        assertEquals(0, segmenter.segmentCount());
        assertEquals(0, segmenter.headerLength());
    }

    private int prepare(Frames.Built frame, int gsoType, int maxFrame) {
        return prepare(frame, gsoType, maxFrame, VirtioNetHeader.F_NEEDS_CSUM);
    }

    private int prepare(Frames.Built frame, int gsoType, int maxFrame, int flags) {
        return prepare(frame.bytes, frame, gsoType, maxFrame, frame.transportStart, flags);
    }

    private int prepare(byte[] bytes, Frames.Built frame, int gsoType, int maxFrame, int csumStart) {
        return prepare(bytes, frame, gsoType, maxFrame, csumStart, VirtioNetHeader.F_NEEDS_CSUM);
    }

    private int prepare(byte[] bytes, Frames.Built frame, int gsoType, int maxFrame, int csumStart, int flags) {
        ByteBuffer buffer = Harness.withHeader(bytes, false);
        VirtioNetHeader header = Harness.tcpHeader(buffer, frame, MSS, 0).gsoType(gsoType).csumStart(csumStart)
                .flags(flags).hdrLen(0);
        return segmenter.prepare(buffer, Harness.frameOffset(), bytes.length, header, maxFrame);
    }

    @Test
    void writesNothingOutsideAUsableOutputRange() {
        Frames.Built superFrame = Frames.ipv4().randomPayload(3 * MSS, 2).checksum(Frames.Checksum.PARTIAL).build();
        ByteBuffer buffer = Harness.withHeader(superFrame.bytes, false);
        VirtioNetHeader header = Harness.tcpHeader(buffer, superFrame, MSS, 0);
        assertEquals(OffloadStatus.OK, segmenter.prepare(buffer, Harness.frameOffset(), superFrame.length(), header, 1514));
        int length = segmenter.segmentLength(0);
        ByteBuffer small = Harness.sentinels(length - 1, true);
        assertEquals(0, segmenter.writeSegment(0, small, 2 * Harness.SENTINEL)); // one byte past the limit
        Harness.assertSentinels(small, 0, 0);
        ByteBuffer exact = Harness.sentinels(length, true);
        assertEquals(0, segmenter.writeSegment(0, exact, -1));
        assertEquals(0, segmenter.writeSegment(-1, exact, Harness.SENTINEL));
        assertEquals(0, segmenter.writeSegment(3, exact, Harness.SENTINEL));
        assertEquals(0, segmenter.writeSegment(0, exact.asReadOnlyBuffer(), Harness.SENTINEL));
        assertEquals(0, segmenter.writeSegment(0, null, 0));
        Harness.assertSentinels(exact, 0, 0);
        byte[] original = new byte[buffer.capacity()];
        buffer.get(0, original);
        assertEquals(0, segmenter.writeSegment(0, buffer, Harness.frameOffset() + 100), "overlaps the super-frame");
        byte[] after = new byte[buffer.capacity()];
        buffer.get(0, after);
        assertArrayEquals(original, after);
        assertEquals(length, segmenter.writeSegment(0, exact, Harness.SENTINEL));
        Harness.assertSentinels(exact, Harness.SENTINEL, length);
    }
}
