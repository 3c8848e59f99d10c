package org.tapbridge.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

class TcpCoalescingTest {
    private static final int MSS = Harness.MSS;
    private static final int ACK = 0x10;
    private static final int PSH = 0x08;

    private final TcpSegmenter segmenter = new TcpSegmenter();
    private final FlowCoalescer coalescer = new FlowCoalescer(VirtioNetHeader.LENGTH, false);

    /** Cuts a super-frame for a 1514-byte tunnel, as the sending gateway does. */
    private List<byte[]> cut(Frames.Built superFrame, int maxFrame) {
        ByteBuffer buffer = Harness.withHeader(superFrame.bytes, true);
        VirtioNetHeader header = Harness.tcpHeader(buffer, superFrame, MSS, 0);
        assertEquals(OffloadStatus.OK, segmenter.prepare(buffer, Harness.frameOffset(), superFrame.length(), header, maxFrame));
        return Harness.segments(segmenter, false);
    }

    @Test
    void segmentsCoalesceBackIntoTheOriginalSuperFrame() {
        int cases = 0;
        for (boolean ipv6 : new boolean[] {false, true}) {
            for (int tags = 0; tags <= 2; tags++) {
                for (boolean timestamps : new boolean[] {false, true}) {
                    for (int payload : new int[] {2 * MSS, 10 * MSS + 1, 0}) {
                        for (int flags : new int[] {ACK | PSH, ACK}) {
                            roundTrip(ipv6, tags, timestamps, payload, flags, cases++);
                        }
                    }
                }
            }
        }
        assertEquals(72, cases);
    }

    private void roundTrip(boolean ipv6, int tags, boolean timestamps, int payload, int flags, int seed) {
        Frames frames = Frames.of(ipv6).tcpFlags(flags).dontFragment(seed % 3 != 0).identification(0xFFF0 + seed)
                .sequence(0xFFFF_8000L + seed).checksum(Frames.Checksum.PARTIAL);
        if (tags >= 1) {
            frames.tag(tags == 2 ? Frames.QINQ : Frames.VLAN, 3000 + seed);
        }
        if (tags == 2) {
            frames.tag(Frames.VLAN, 42);
        }
        if (timestamps) {
            frames.timestamps(123_456 + seed, 654_321);
        }
        int headers = frames.build().headerLength;
        frames.randomPayload(payload == 0 ? 0xFFFF - (headers - frames.build().ipStart) + (ipv6 ? 40 : 0) : payload, seed);
        Frames.Built original = frames.build();
        Frames.Built completed = frames.checksum(Frames.Checksum.FULL).build();
        List<byte[]> segments = cut(original, 1514);
        String what = "case " + seed + ": " + segments.size() + " segments of " + original.length() + " bytes";

        ReceiveLoop loop = new ReceiveLoop(coalescer, segments.size()).batch(segments);

        assertEquals(1, loop.writes.size(), what);
        ReceiveLoop.Write write = loop.writes.get(0);
        assertTrue(write.coalesced, what);
        // Byte for byte the super-frame the sender's kernel handed over: lengths, IPv4 checksum, first ID and
        // sequence, flags, and a checksum field holding the pseudo-header sum for the whole length.
        assertArrayEquals(original.bytes, write.frame, what);
        assertArrayEquals(Harness.coalescedHeader(ipv6 ? VirtioNetHeader.GSO_TCPV6 : VirtioNetHeader.GSO_TCPV4,
                original.headerLength, segmenter.segmentPayload(), original.transportStart, 16), write.header, what);

        // What the kernel does with it when it must finish the checksum itself (skb_checksum_help).
        ByteBuffer frame = ByteBuffer.wrap(write.frame.clone());
        assertEquals(OffloadStatus.OK, ChecksumCompleter.complete(frame, 0, write.frame.length, original.transportStart, 16));
        assertTrue(Reference.transportChecksumValid(frame.array(), original.ipStart, ipv6, Reference.TCP,
                original.transportStart, original.packetEnd), what);
        assertArrayEquals(completed.bytes, frame.array(), what);
    }

    @Test
    void handsALoneSegmentBackAsItWasOffered() {
        byte[] segment = Frames.ipv4().randomPayload(100, 1).padding(3).build().bytes;
        ByteBuffer slot = ByteBuffer.allocate(500);
        slot.put(40, segment);
        assertTrue(coalescer.offer(slot, 40, segment.length));
        assertEquals(1, coalescer.segments());
        assertEquals(FlowCoalescer.FLUSH_SINGLE, coalescer.flush());
        assertSame(slot, coalescer.outputBuffer());
        assertEquals(40, coalescer.outputOffset());
        assertEquals(segment.length, coalescer.outputLength());
        assertEquals(FlowCoalescer.FLUSH_NOTHING, coalescer.flush());
        assertNull(coalescer.outputBuffer());
        assertEquals(1, coalescer.singleFrames());
        assertEquals(0, coalescer.coalescedFrames());
    }

    @Test
    void copiesAFrameFromMemoryThatMovesOnSoTheHeldFrameSurvivesItsBufferBeingReused() {
        byte[] segment = Frames.ipv4().randomPayload(100, 1).build().bytes;
        ByteBuffer stream = ByteBuffer.allocateDirect(500);
        stream.put(40, segment);
        assertTrue(coalescer.offer(stream, 40, segment.length, false));
        for (int i = 0; i < stream.capacity(); i++) {
            stream.put(i, (byte) 0xEE);
        }
        assertEquals(FlowCoalescer.FLUSH_SINGLE, coalescer.flush());
        byte[] written = new byte[coalescer.outputLength()];
        coalescer.outputBuffer().get(coalescer.outputOffset(), written);
        assertArrayEquals(segment, written);
    }

    @Test
    void segmentsFromATcpLinksStreamBufferCoalesceAsThoseFromTheRingDo() {
        for (boolean ipv6 : new boolean[] {false, true}) {
            Frames.Built original = Frames.of(ipv6).tcpFlags(ACK | PSH).timestamps(77, 88).randomPayload(20 * MSS + 5, 9)
                    .checksum(Frames.Checksum.PARTIAL).build();
            List<byte[]> segments = cut(original, 1514);

            ReceiveLoop fromStream = new ReceiveLoop(coalescer, 1).streamBatch(segments);

            assertEquals(1, fromStream.writes.size(), "ipv6 " + ipv6);
            assertTrue(fromStream.writes.get(0).coalesced);
            assertArrayEquals(original.bytes, fromStream.writes.get(0).frame, "ipv6 " + ipv6);
        }
    }

    @Test
    void coalescesTinyPaddedSegmentsByTheirIpLength() {
        List<byte[]> segments = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            segments.add(Frames.ipv4().payload(new byte[] {(byte) i, 1, 2}).sequence(100 + 3 * i).identification(7 + i)
                    .padding(60 - 14 - 20 - 20 - 3).build().bytes);
        }
        ReceiveLoop loop = new ReceiveLoop(coalescer, 3).batch(segments);
        assertEquals(1, loop.writes.size());
        byte[] frame = loop.writes.get(0).frame;
        assertEquals(14 + 20 + 20 + 9, frame.length);
        assertArrayEquals(new byte[] {0, 1, 2, 1, 1, 2, 2, 1, 2}, java.util.Arrays.copyOfRange(frame, 54, 63));
    }

    /** A run of segments of one flow, each editable, offered after the first. */
    private boolean joins(UnaryOperator<Frames> second, int expectedRefusal) {
        FlowCoalescer fresh = new FlowCoalescer(VirtioNetHeader.LENGTH, ByteBuffer.allocate(VirtioNetHeader.LENGTH + FlowCoalescer.MAX_FRAME_LENGTH), false);
        Frames.Built first = flow().build();
        Frames.Built next = second.apply(flow().sequence(1000 + MSS).identification(101).randomPayload(MSS, 2)).build();
        assertTrue(fresh.offer(ByteBuffer.wrap(first.bytes), 0, first.length()));
        boolean joined = fresh.offer(ByteBuffer.wrap(next.bytes), 0, next.length());
        assertEquals(expectedRefusal, fresh.lastRefusal(), FlowCoalescer.describeRefusal(fresh.lastRefusal()));
        if (!joined) {
            assertEquals(1, fresh.refusals(expectedRefusal));
        }
        return joined;
    }

    private static Frames flow() {
        return Frames.ipv4().sequence(1000).identification(100).timestamps(5, 6).randomPayload(MSS, 1);
    }

    @Test
    void joinsOnlyTheNextSegmentOfTheSameFlowWithTheSameHeaders() {
        assertTrue(joins(f -> f, FlowCoalescer.REFUSED_NONE));
        assertTrue(joins(f -> f.tcpFlags(ACK | PSH), FlowCoalescer.REFUSED_NONE));
        assertTrue(joins(f -> f.randomPayload(1, 3), FlowCoalescer.REFUSED_NONE));

        assertFalse(joins(f -> f.sequence(1000 + 2 * MSS), FlowCoalescer.REFUSED_NOT_CONTIGUOUS)); // a gap
        assertFalse(joins(f -> f.sequence(1000), FlowCoalescer.REFUSED_NOT_CONTIGUOUS)); // a retransmission
        assertFalse(joins(f -> f.ports(49_153, 5201), FlowCoalescer.REFUSED_OTHER_FLOW));
        assertFalse(joins(f -> f.ports(49_152, 5202), FlowCoalescer.REFUSED_OTHER_FLOW));
        assertFalse(joins(f -> f.sourceMac(9), FlowCoalescer.REFUSED_OTHER_FLOW));
        assertFalse(joins(f -> f.tag(Frames.VLAN, 5), FlowCoalescer.REFUSED_OTHER_FLOW));
        assertFalse(joins(f -> Frames.ipv6().sequence(1000 + MSS).timestamps(5, 6).randomPayload(MSS, 2),
                FlowCoalescer.REFUSED_OTHER_FLOW));

        assertFalse(joins(f -> f.acknowledgment(0x2000_0001L), FlowCoalescer.REFUSED_HEADER_MISMATCH));
        assertFalse(joins(f -> f.window(502), FlowCoalescer.REFUSED_HEADER_MISMATCH));
        assertFalse(joins(f -> f.timestamps(6, 6), FlowCoalescer.REFUSED_HEADER_MISMATCH));
        assertFalse(joins(f -> f.tcpOptions(new byte[0]), FlowCoalescer.REFUSED_HEADER_MISMATCH));
        assertFalse(joins(f -> f.ttl(63), FlowCoalescer.REFUSED_HEADER_MISMATCH));
        assertFalse(joins(f -> f.tos(0x02), FlowCoalescer.REFUSED_HEADER_MISMATCH)); // ECT(0) -> CE-ish change
        assertFalse(joins(f -> f.dontFragment(false), FlowCoalescer.REFUSED_HEADER_MISMATCH));
        assertFalse(joins(f -> f.identification(102), FlowCoalescer.REFUSED_HEADER_MISMATCH));
        assertTrue(joins(f -> f.identification(100), FlowCoalescer.REFUSED_NONE)); // DF set: a fixed ID is fine

        assertFalse(joins(f -> f.randomPayload(MSS + 1, 2), FlowCoalescer.REFUSED_SIZE_MISMATCH));
        for (int flags : new int[] {ACK | 0x01, ACK | 0x02, ACK | 0x04, ACK | 0x20, ACK | 0x40, ACK | 0x80, 0x08, 0}) {
            assertFalse(joins(f -> f.tcpFlags(flags), FlowCoalescer.REFUSED_NOT_CANDIDATE), "flags " + flags);
        }
        assertFalse(joins(f -> f.payload(new byte[0]), FlowCoalescer.REFUSED_NOT_CANDIDATE)); // a pure ACK
        assertFalse(joins(f -> f.ipv4Options(new byte[] {1, 1, 1, 0}), FlowCoalescer.REFUSED_NOT_CANDIDATE));
        assertFalse(joins(f -> f.udp(), FlowCoalescer.REFUSED_NOT_CANDIDATE));
    }

    @Test
    void refusesFixedIdsWithoutDfAndFollowsTheModeTheSecondSegmentChose() {
        List<byte[]> fixed = new ArrayList<>();
        List<byte[]> mixed = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            fixed.add(flow().dontFragment(false).identification(100).sequence(1000 + i * MSS).build().bytes);
            mixed.add(flow().identification(i < 2 ? 100 : 100 + i).sequence(1000 + i * MSS).build().bytes);
        }
        ReceiveLoop loop = new ReceiveLoop(coalescer, 4).batch(fixed);
        assertEquals(4, loop.writes.size(), "DF clear, fixed ID: nothing joins");
        assertEquals(3, coalescer.refusals(FlowCoalescer.REFUSED_HEADER_MISMATCH));
        loop = new ReceiveLoop(new FlowCoalescer(VirtioNetHeader.LENGTH, false), 4).batch(mixed);
        assertEquals(List.of(2, 2), loop.writes.stream().map(w -> w.coalesced ? 2 : 1).toList(),
                "fixed for two, then incrementing: a new run starts");
    }

    @Test
    void endsTheRunAtPshAtAShortSegmentAndAtSixtyFourKilobytes() {
        List<byte[]> frames = new ArrayList<>();
        long sequence = 1000;
        int[] payloads = {MSS, MSS, 1000, MSS, MSS, MSS};
        int[] flags = {ACK, ACK, ACK, ACK, ACK | PSH, ACK};
        for (int i = 0; i < payloads.length; i++) {
            frames.add(flow().identification(100 + i).sequence(sequence).tcpFlags(flags[i]).randomPayload(payloads[i], i).build().bytes);
            sequence += payloads[i];
        }
        ReceiveLoop loop = new ReceiveLoop(coalescer, frames.size()).batch(frames);
        assertEquals(3, loop.writes.size());
        assertEquals(14 + 20 + 32 + 2 * MSS + 1000, loop.writes.get(0).frame.length);
        assertEquals(14 + 20 + 32 + 2 * MSS, loop.writes.get(1).frame.length);
        assertEquals(PSH | ACK, loop.writes.get(1).frame[14 + 20 + 13]);
        assertFalse(loop.writes.get(2).coalesced);
        assertEquals(2, coalescer.refusals(FlowCoalescer.REFUSED_RUN_CLOSED));

        frames.clear();
        for (int i = 0; i < 47; i++) {
            frames.add(flow().identification(100 + i).sequence(1000 + (long) i * MSS).randomPayload(MSS, i).build().bytes);
        }
        loop = new ReceiveLoop(coalescer, frames.size()).batch(frames);
        assertEquals(2, loop.writes.size());
        assertEquals(14 + 20 + 32 + 45 * MSS, loop.writes.get(0).frame.length); // 46 would exceed 65535
        assertEquals(14 + 20 + 32 + 2 * MSS, loop.writes.get(1).frame.length);
        assertEquals(101 + 44, Reference.u16(loop.writes.get(1).frame, 14 + 4), "the second run keeps its own first ID");
        assertEquals(1, coalescer.refusals(FlowCoalescer.REFUSED_FULL));
    }

    @Test
    void keepsTheOrderOfInterleavedFlowsAndPlainFrames() {
        List<byte[]> frames = new ArrayList<>();
        byte[] arp = new byte[60];
        arp[12] = 0x08;
        arp[13] = 0x06;
        for (int i = 0; i < 3; i++) {
            frames.add(flow().identification(100 + i).sequence(1000 + (long) i * MSS).build().bytes);
        }
        frames.add(arp);
        for (int i = 0; i < 2; i++) {
            frames.add(flow().ports(7, 8).identification(500 + i).sequence(7000 + (long) i * MSS).build().bytes);
            frames.add(flow().identification(103 + i).sequence(1000 + (long) (3 + i) * MSS).build().bytes);
        }
        ReceiveLoop loop = new ReceiveLoop(coalescer, frames.size()).batch(frames);
        assertEquals(List.of("3 segments", "plain 60", "plain 1514", "plain 1514", "plain 1514", "plain 1514"),
                loop.writes.stream().map(w -> w.coalesced ? (w.frame.length - 66) / MSS + " segments" : "plain " + w.frame.length).toList());
        assertArrayEquals(arp, loop.writes.get(1).frame);
        assertEquals(1, coalescer.coalescedFrames());
        assertEquals(3, coalescer.coalescedSegments());
        assertEquals(4, coalescer.singleFrames());
        assertEquals(2, coalescer.refusals(FlowCoalescer.REFUSED_NOT_CANDIDATE), "the ARP frame, offered to the run, then alone");
    }

    @Test
    void refusesBadFramesAndABadIpv4HeaderChecksum() {
        byte[] frame = flow().build().bytes;
        frame[14 + 10] ^= 1;
        assertFalse(coalescer.offer(ByteBuffer.wrap(frame), 0, frame.length));
        assertEquals(FlowCoalescer.REFUSED_NOT_CANDIDATE, coalescer.lastRefusal());
        assertFalse(coalescer.offer(null, 0, 10));
        assertFalse(coalescer.offer(ByteBuffer.allocate(10), 5, 10));
        assertEquals(0, coalescer.segments());
        assertThrows(IllegalArgumentException.class, () -> new FlowCoalescer(10, ByteBuffer.allocate(1000), false));
        assertThrows(IllegalArgumentException.class,
                () -> new FlowCoalescer(10, ByteBuffer.allocate(10 + FlowCoalescer.MAX_FRAME_LENGTH).asReadOnlyBuffer(), false));
        for (int reason = 0; reason < FlowCoalescer.REFUSAL_COUNT; reason++) {
            assertFalse(FlowCoalescer.describeRefusal(reason).startsWith("unknown"));
        }
    }

    @Test
    void writesATwelveByteHeaderWhenTheTapUsesVirtioNetHdrV1() {
        FlowCoalescer v1 = new FlowCoalescer(VirtioNetHeader.LENGTH_V1, false);
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            frames.add(flow().identification(100 + i).sequence(1000 + (long) i * MSS).build().bytes);
        }
        ReceiveLoop loop = new ReceiveLoop(v1, 2).batch(frames);
        assertEquals(12, loop.writes.get(0).header.length);
        assertEquals(0, loop.writes.get(0).header[10] | loop.writes.get(0).header[11]);
        assertEquals(14 + 20 + 32 + 2 * MSS, loop.writes.get(0).frame.length);
    }
}
