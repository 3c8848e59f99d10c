package org.tapbridge.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;

class UdpSegmenterTest {
    private final UdpSegmenter segmenter = new UdpSegmenter();

    @Test
    void cutsAUsoSuperFrameIntoDatagramsOfGsoSizeThatEachVerifyAlone() {
        int cases = 0;
        for (boolean ipv6 : new boolean[] {false, true}) {
            for (int tags = 0; tags <= 1; tags++) {
                for (int gsoSize : new int[] {1, 1200, 1472, 8000}) {
                    for (int payload : new int[] {1, 1200, 5 * 1200 + 17, 60_000}) {
                        Frames frames = Frames.of(ipv6).udp().identification(0xFFFD).randomPayload(payload, cases)
                                .checksum(Frames.Checksum.PARTIAL);
                        if (tags == 1) {
                            frames.tag(Frames.VLAN, 77);
                        }
                        if (ipv6 && cases % 2 == 0) {
                            frames.extension(60, 8);
                        }
                        Frames.Built superFrame = frames.build();
                        boolean direct = cases % 3 == 0;
                        ByteBuffer buffer = Harness.withHeader(superFrame.bytes, direct);
                        VirtioNetHeader header = Harness.udpHeader(buffer, superFrame, gsoSize);
                        assertEquals(OffloadStatus.OK, segmenter.prepare(buffer, Harness.frameOffset(), superFrame.length(), header));
                        assertEquals((payload + gsoSize - 1) / gsoSize, segmenter.segmentCount());
                        assertEquals(gsoSize, segmenter.segmentPayload());
                        List<byte[]> datagrams = Harness.segments(segmenter, !direct);
                        for (int i = 0; i < datagrams.size(); i++) {
                            SegmentCheck.verifyUdp(superFrame, datagrams.get(i), i, datagrams.size(), gsoSize);
                        }
                        cases++;
                    }
                }
            }
        }
        assertEquals(2 * 2 * 4 * 4, cases);
    }

    @Test
    void refusesTcpAndHeadersTheKernelWouldRefuse() {
        Frames.Built superFrame = Frames.ipv4().udp().randomPayload(3000, 1).checksum(Frames.Checksum.PARTIAL).build();
        ByteBuffer buffer = Harness.withHeader(superFrame.bytes, false);
        VirtioNetHeader header = Harness.udpHeader(buffer, superFrame, 1000);
        assertEquals(OffloadStatus.OK, segmenter.prepare(buffer, Harness.frameOffset(), superFrame.length(), header));
        header.flags(0);
        assertEquals(OffloadStatus.BAD_CSUM_OFFSET, segmenter.prepare(buffer, Harness.frameOffset(), superFrame.length(), header));
        header.flags(VirtioNetHeader.F_NEEDS_CSUM).gsoType(VirtioNetHeader.GSO_TCPV4).csumOffset(16);
        assertEquals(OffloadStatus.WRONG_GSO_TYPE, segmenter.prepare(buffer, Harness.frameOffset(), superFrame.length(), header));
        assertEquals(0, segmenter.segmentCount());
        assertEquals(0, segmenter.segmentPayload());
        assertEquals(0, segmenter.writeSegment(0, ByteBuffer.allocate(2000), 0));

        Frames.Built tcp = Frames.ipv4().randomPayload(3000, 1).checksum(Frames.Checksum.PARTIAL).build();
        buffer = Harness.withHeader(tcp.bytes, false);
        header = Harness.udpHeader(buffer, tcp, 1000).csumOffset(6);
        assertEquals(OffloadStatus.WRONG_PROTOCOL, segmenter.prepare(buffer, Harness.frameOffset(), tcp.length(), header));
    }

    @Test
    void sendsAComputedZeroChecksumAsAllOnes() {
        // One datagram whose checksum computes to zero: choose the first payload word to make the sum 0xFFFF.
        Frames.Built superFrame = Frames.ipv4().udp().payload(new byte[] {0, 0, 9, 9, 9, 9}).checksum(Frames.Checksum.ZERO).build();
        int length = 8 + 2;
        byte[] probe = superFrame.bytes.clone();
        Reference.putU16(probe, superFrame.transportStart + 4, length);
        int sum = Reference.sum(probe, superFrame.transportStart, superFrame.headerLength + 2,
                Reference.pseudoSum(probe, superFrame.ipStart, false, Reference.UDP, length));
        Reference.putU16(superFrame.bytes, superFrame.headerLength, 0xFFFF - sum);
        ByteBuffer buffer = Harness.withHeader(superFrame.bytes, false);
        VirtioNetHeader header = Harness.udpHeader(buffer, superFrame, 2);
        assertEquals(OffloadStatus.OK, segmenter.prepare(buffer, Harness.frameOffset(), superFrame.length(), header));
        List<byte[]> datagrams = Harness.segments(segmenter, false);
        assertEquals(3, datagrams.size());
        assertEquals(0xFFFF, Reference.u16(datagrams.get(0), superFrame.transportStart + 6));
        for (int i = 0; i < 3; i++) {
            SegmentCheck.verifyUdp(superFrame, datagrams.get(i), i, 3, 2);
        }
        assertArrayEquals(new byte[] {9, 9}, java.util.Arrays.copyOfRange(datagrams.get(2), superFrame.headerLength, superFrame.headerLength + 2));
    }
}
