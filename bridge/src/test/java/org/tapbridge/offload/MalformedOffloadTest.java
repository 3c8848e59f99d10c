package org.tapbridge.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Truncated, corrupted and random input: a status code or a refusal, never an exception or a stray write. */
class MalformedOffloadTest {
    private final TcpSegmenter tcp = new TcpSegmenter();
    private final UdpSegmenter udp = new UdpSegmenter();

    private static List<Frames.Built> shapes(int payload) {
        return List.of(
                Frames.ipv4().tag(Frames.VLAN, 5).timestamps(1, 2).ipv4Options(new byte[] {1, 1, 1, 0})
                        .randomPayload(payload, 1).checksum(Frames.Checksum.PARTIAL).build(),
                Frames.ipv6().tag(Frames.QINQ, 6).tag(Frames.VLAN, 7).extension(0, 8).extension(60, 16)
                        .timestamps(3, 4).randomPayload(payload, 2).checksum(Frames.Checksum.PARTIAL).build(),
                Frames.ipv4().udp().randomPayload(payload, 3).checksum(Frames.Checksum.PARTIAL).build(),
                Frames.ipv6().udp().extension(60, 8).randomPayload(payload, 4).checksum(Frames.Checksum.PARTIAL).build());
    }

    private static VirtioNetHeader kernelHeader(ByteBuffer buffer, Frames.Built frame) {
        return frame.protocol == Reference.TCP ? Harness.tcpHeader(buffer, frame, 500, 0) : Harness.udpHeader(buffer, frame, 500);
    }

    @Test
    void refusesEveryTruncationOfASuperFrameWithoutThrowing() {
        for (Frames.Built frame : shapes(1600)) {
            for (int length = 0; length <= frame.length(); length++) {
                ByteBuffer buffer = Harness.withHeader(frame.bytes, length % 2 == 0);
                VirtioNetHeader header = kernelHeader(buffer, frame);
                int tcpStatus = tcp.prepare(buffer, Harness.frameOffset(), length, header, 1514);
                int udpStatus = udp.prepare(buffer, Harness.frameOffset(), length, header);
                int expected = length == frame.length() ? OffloadStatus.OK : -1;
                int status = frame.protocol == Reference.TCP ? tcpStatus : udpStatus;
                if (expected == OffloadStatus.OK) {
                    assertEquals(OffloadStatus.OK, status);
                } else {
                    assertNotEquals(OffloadStatus.OK, status, "truncated to " + length);
                    ByteBuffer out = Harness.sentinels(2000, false);
                    for (int i = -1; i < 5; i++) {
                        assertEquals(0, tcp.writeSegment(i, out, Harness.SENTINEL));
                        assertEquals(0, udp.writeSegment(i, out, Harness.SENTINEL));
                    }
                    Harness.assertSentinels(out, 0, 0);
                }
                // Finishing the checksum of a truncated frame touches at most the frame.
                int completed = ChecksumCompleter.complete(buffer, Harness.frameOffset(), length, header);
                assertTrue(completed == OffloadStatus.OK || completed == OffloadStatus.CSUM_BEYOND_FRAME);
                Harness.assertSentinels(buffer, Harness.SENTINEL, VirtioNetHeader.LENGTH + frame.length());
            }
        }
    }

    @Test
    void refusesAHeaderOrFrameOutsideItsBuffer() {
        Frames.Built frame = shapes(100).get(0);
        ByteBuffer buffer = Harness.withHeader(frame.bytes, true);
        VirtioNetHeader header = kernelHeader(buffer, frame);
        int offset = Harness.frameOffset();
        assertEquals(OffloadStatus.OUT_OF_BOUNDS, tcp.prepare(buffer, offset, buffer.capacity(), header, 1514));
        assertEquals(OffloadStatus.OUT_OF_BOUNDS, tcp.prepare(buffer, -1, frame.length(), header, 1514));
        assertEquals(OffloadStatus.OUT_OF_BOUNDS, tcp.prepare(null, offset, frame.length(), header, 1514));
        assertEquals(OffloadStatus.OUT_OF_BOUNDS, tcp.prepare(buffer, offset, frame.length(), null, 1514));
        header.wrap(buffer, buffer.capacity() - 9);
        assertEquals(OffloadStatus.OUT_OF_BOUNDS, tcp.prepare(buffer, offset, frame.length(), header, 1514));
        header.wrap(null, 0);
        assertEquals(OffloadStatus.OUT_OF_BOUNDS, udp.prepare(buffer, offset, frame.length(), header));
    }

    @Test
    void refusesEveryTruncationOfASegmentOfferedToTheCoalescer() {
        FlowCoalescer coalescer = new FlowCoalescer(VirtioNetHeader.LENGTH, false);
        for (boolean ipv6 : new boolean[] {false, true}) {
            Frames.Built first = Frames.of(ipv6).tag(Frames.VLAN, 3).timestamps(1, 2).randomPayload(1000, 1).build();
            Frames.Built second = Frames.of(ipv6).tag(Frames.VLAN, 3).timestamps(1, 2).sequence(0x1000_0000L + 1000)
                    .identification(0x1D1E).randomPayload(1000, 2).build();
            for (int length = 0; length <= second.length(); length++) {
                for (boolean holding : new boolean[] {false, true}) {
                    if (holding) {
                        assertTrue(coalescer.offer(ByteBuffer.wrap(first.bytes), 0, first.length()));
                    }
                    ByteBuffer buffer = Harness.withHeader(second.bytes, length % 2 == 1);
                    boolean absorbed = coalescer.offer(buffer, Harness.frameOffset(), length);
                    assertEquals(length == second.length(), absorbed, "offered " + length + " bytes, holding " + holding);
                    int flushed = coalescer.flush();
                    assertTrue(flushed != FlowCoalescer.FLUSH_NOTHING || !holding && !absorbed);
                    if (flushed != FlowCoalescer.FLUSH_NOTHING) {
                        assertTrue(Ranges.inBounds(coalescer.outputBuffer(), coalescer.outputOffset(), coalescer.outputLength()));
                    }
                    Harness.assertSentinels(buffer, Harness.SENTINEL, VirtioNetHeader.LENGTH + second.length());
                }
            }
        }
    }

    /**
     * Thousands of valid frames with a few random bytes of their headers (and of the virtio_net_hdr) changed,
     * cut, completed and coalesced: statuses and refusals, no exception, no byte written outside the range
     * a method owns; whatever is cut or coalesced carries checksums that verify.
     */
    @Test
    void survivesRandomCorruptionWithoutThrowingOrWritingOutsideItsRange() {
        SplittableRandom random = new SplittableRandom(20_240_601);
        List<Frames.Built> shapes = new ArrayList<>(shapes(3000));
        shapes.add(Frames.ipv4().randomPayload(3000, 9).checksum(Frames.Checksum.PARTIAL).build());
        shapes.add(Frames.ipv6().timestamps(1, 1).randomPayload(3000, 10).checksum(Frames.Checksum.PARTIAL).build());
        FlowCoalescer coalescer = new FlowCoalescer(VirtioNetHeader.LENGTH, false);
        long[] statuses = new long[OffloadStatus.COUNT];
        int cut = 0;
        for (int round = 0; round < 6000; round++) {
            Frames.Built frame = shapes.get(random.nextInt(shapes.size()));
            ByteBuffer buffer = Harness.withHeader(frame.bytes, random.nextBoolean());
            VirtioNetHeader header = kernelHeader(buffer, frame).gsoSize(1 + random.nextInt(2000));
            int corruptions = random.nextInt(4);
            for (int c = 0; c < corruptions; c++) {
                int at = Harness.SENTINEL + random.nextInt(VirtioNetHeader.LENGTH + Math.min(frame.headerLength + 4, frame.length()));
                buffer.put(at, (byte) random.nextInt(256));
            }
            int length = random.nextInt(8) == 0 ? random.nextInt(frame.length() + 1) : frame.length();
            int maxFrame = random.nextInt(3) == 0 ? random.nextInt(200) : 60 + random.nextInt(9000);
            int status = frame.protocol == Reference.TCP
                    ? tcp.prepare(buffer, Harness.frameOffset(), length, header, maxFrame)
                    : udp.prepare(buffer, Harness.frameOffset(), length, header);
            statuses[status]++;
            int count = frame.protocol == Reference.TCP ? tcp.segmentCount() : udp.segmentCount();
            assertEquals(status == OffloadStatus.OK, count > 0);
            for (int i = 0; i < Math.min(count, 8); i++) {
                int index = i < 4 ? i : count - 1 - random.nextInt(count);
                int expected = frame.protocol == Reference.TCP ? tcp.segmentLength(index) : udp.segmentLength(index);
                ByteBuffer out = Harness.sentinels(expected + random.nextInt(3) - 1, random.nextBoolean());
                int written = frame.protocol == Reference.TCP
                        ? tcp.writeSegment(index, out, Harness.SENTINEL)
                        : udp.writeSegment(index, out, Harness.SENTINEL);
                assertTrue(written == 0 || written == expected);
                Harness.assertSentinels(out, Harness.SENTINEL, written);
                if (written > 0) {
                    cut++;
                    byte[] segment = Harness.inside(out, written);
                    assertSegmentVerifies(segment);
                    offerAndCheck(coalescer, out, Harness.SENTINEL, written);
                }
            }
            int completed = ChecksumCompleter.complete(buffer, Harness.frameOffset(), length, header);
            assertTrue(completed == OffloadStatus.OK || completed == OffloadStatus.CSUM_BEYOND_FRAME);
            Harness.assertSentinels(buffer, Harness.SENTINEL, VirtioNetHeader.LENGTH + frame.length());
            // The damaged frame itself, as a peer might have sent it.
            offerAndCheck(coalescer, buffer, Harness.frameOffset(), length);
        }
        checkFlush(coalescer, coalescer.flush());
        StringBuilder summary = new StringBuilder("corruption rounds by status:");
        for (int s = 0; s < OffloadStatus.COUNT; s++) {
            summary.append(' ').append(s).append('=').append(statuses[s]);
        }
        System.out.println(summary + "; " + cut + " segments cut, " + coalescer.coalescedFrames() + " super-frames of "
                + coalescer.coalescedSegments() + " segments");
        assertTrue(statuses[OffloadStatus.OK] > 1000 && cut > 5000, "the corruption left enough frames whole: "
                + statuses[OffloadStatus.OK] + " cut into " + cut + " segments");
        int reached = 0;
        for (long count : statuses) {
            reached += count > 0 ? 1 : 0;
        }
        assertTrue(reached >= 15, reached + " statuses reached");
        assertTrue(coalescer.coalescedFrames() > 100, coalescer.coalescedFrames() + " super-frames");
    }

    /** The segment parses as a TCP or UDP frame whose IPv4 header and transport checksums verify. */
    private static void assertSegmentVerifies(byte[] segment) {
        int l2 = 12;
        while (Reference.u16(segment, l2) == 0x8100 || Reference.u16(segment, l2) == 0x88A8) {
            l2 += 4;
        }
        boolean ipv6 = Reference.u16(segment, l2) == 0x86DD;
        int ip = l2 + 2;
        int transport;
        int protocol;
        if (ipv6) {
            int next = segment[ip + 6] & 0xFF;
            transport = ip + 40;
            while (next == 0 || next == 60) {
                next = segment[transport] & 0xFF;
                transport += ((segment[transport + 1] & 0xFF) + 1) * 8;
            }
            protocol = next;
        } else {
            assertTrue(Reference.ipv4HeaderValid(segment, ip));
            transport = ip + (segment[ip] & 0x0F) * 4;
            protocol = segment[ip + 9] & 0xFF;
        }
        assertTrue(Reference.transportChecksumValid(segment, ip, ipv6, protocol, transport, segment.length));
    }

    private static void offerAndCheck(FlowCoalescer coalescer, ByteBuffer buffer, int offset, int length) {
        if (!coalescer.offer(buffer, offset, length)) {
            checkFlush(coalescer, coalescer.flush());
            coalescer.offer(buffer, offset, length);
        }
        // Held frames stay valid: no test buffer is written after it was offered.
    }

    private static void checkFlush(FlowCoalescer coalescer, int flushed) {
        if (flushed == FlowCoalescer.FLUSH_NOTHING) {
            return;
        }
        assertTrue(Ranges.inBounds(coalescer.outputBuffer(), coalescer.outputOffset(), coalescer.outputLength()));
        if (flushed == FlowCoalescer.FLUSH_COALESCED) {
            int headerLength = coalescer.headerLength();
            byte[] frame = new byte[coalescer.outputLength() - headerLength];
            coalescer.outputBuffer().get(coalescer.outputOffset() + headerLength, frame);
            VirtioNetHeader header = new VirtioNetHeader(headerLength).wrap(coalescer.outputBuffer(), coalescer.outputOffset());
            assertEquals(OffloadStatus.OK, header.validate(frame.length));
            assertEquals(OffloadStatus.OK, ChecksumCompleter.complete(ByteBuffer.wrap(frame), 0, frame.length, header));
            assertSegmentVerifies(frame);
        }
    }
}
