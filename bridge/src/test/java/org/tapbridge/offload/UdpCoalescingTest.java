package org.tapbridge.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

/** UDP datagrams bound for a TAP that takes USO, joined into UDP_L4 super-frames that cut back into them. */
class UdpCoalescingTest {
    private final UdpSegmenter segmenter = new UdpSegmenter();
    private final FlowCoalescer coalescer = new FlowCoalescer(VirtioNetHeader.LENGTH, true);

    /** The datagrams an application sent with one UDP_SEGMENT call, as the peer gateway forwards them. */
    private List<byte[]> cut(Frames.Built superFrame, int gsoSize) {
        ByteBuffer buffer = Harness.withHeader(superFrame.bytes, true);
        VirtioNetHeader header = Harness.udpHeader(buffer, superFrame, gsoSize);
        assertEquals(OffloadStatus.OK, segmenter.prepare(buffer, Harness.frameOffset(), superFrame.length(), header));
        return Harness.segments(segmenter, false);
    }

    @Test
    void datagramsCoalesceBackIntoTheOriginalUsoSuperFrame() {
        int cases = 0;
        for (boolean ipv6 : new boolean[] {false, true}) {
            for (int tags = 0; tags <= 1; tags++) {
                for (int gsoSize : new int[] {1, 64, 1200}) {
                    for (int payload : new int[] {2 * gsoSize, 5 * gsoSize + (gsoSize + 1) / 2, 64 * gsoSize}) {
                        if (payload + 48 > SuperFrame.MAX_IP_LENGTH) {
                            continue;
                        }
                        roundTrip(ipv6, tags, gsoSize, payload, cases++);
                    }
                }
            }
        }
        assertEquals(2 * 2 * 8, cases);
    }

    private void roundTrip(boolean ipv6, int tags, int gsoSize, int payload, int seed) {
        Frames frames = Frames.of(ipv6).udp().identification(0xFFF0 + seed).dontFragment(seed % 2 == 0)
                .randomPayload(payload, seed).checksum(Frames.Checksum.PARTIAL);
        if (tags == 1) {
            frames.tag(Frames.VLAN, 3000 + seed);
        }
        Frames.Built original = frames.build();
        List<byte[]> datagrams = cut(original, gsoSize);
        String what = "case " + seed + ": " + datagrams.size() + " datagrams of " + gsoSize + " from " + payload + " bytes";
        long before = coalescer.udpCoalescedDatagrams();

        ReceiveLoop loop = new ReceiveLoop(coalescer, datagrams.size()).batch(datagrams);

        assertEquals(1, loop.writes.size(), what);
        ReceiveLoop.Write write = loop.writes.get(0);
        assertTrue(write.coalesced, what);
        // Byte for byte what the sender's kernel handed over: lengths, first ID, IPv4 header checksum, and the
        // pseudo-header sum for the whole length in the UDP checksum field.
        assertArrayEquals(original.bytes, write.frame, what);
        assertArrayEquals(Harness.coalescedHeader(VirtioNetHeader.GSO_UDP_L4, original.headerLength, gsoSize,
                original.transportStart, 6), write.header, what);

        // What the receiving host's kernel makes of it: the same datagrams, checksums and IDs included.
        ByteBuffer again = Harness.withHeader(write.frame, false);
        VirtioNetHeader parsed = new VirtioNetHeader(VirtioNetHeader.LENGTH).wrap(again, Harness.SENTINEL);
        again.put(Harness.SENTINEL, write.header);
        assertEquals(OffloadStatus.OK, parsed.validate(write.frame.length), what);
        assertEquals(OffloadStatus.OK, segmenter.prepare(again, Harness.frameOffset(), write.frame.length, parsed), what);
        List<byte[]> recut = Harness.segments(segmenter, true);
        assertEquals(datagrams.size(), recut.size(), what);
        for (int i = 0; i < recut.size(); i++) {
            assertArrayEquals(datagrams.get(i), recut.get(i), what + ", datagram " + i);
        }
        assertEquals(datagrams.size(), coalescer.udpCoalescedDatagrams() - before, what);
    }

    @Test
    void aShorterDatagramJoinsAndEndsTheRunSoThatBoundariesSurvive() {
        List<byte[]> datagrams = new ArrayList<>();
        int[] sizes = {100, 100, 50, 100};
        for (int i = 0; i < sizes.length; i++) {
            datagrams.add(flow().identification(100 + i).randomPayload(sizes[i], i).build().bytes);
        }
        ReceiveLoop loop = new ReceiveLoop(coalescer, sizes.length).batch(datagrams);

        assertEquals(2, loop.writes.size());
        assertTrue(loop.writes.get(0).coalesced);
        assertEquals(14 + 20 + 8 + 250, loop.writes.get(0).frame.length);
        assertFalse(loop.writes.get(1).coalesced, "the datagram after the short one is written as it came");
        assertArrayEquals(datagrams.get(3), loop.writes.get(1).frame);
        assertEquals(1, coalescer.refusals(FlowCoalescer.REFUSED_RUN_CLOSED));
        assertEquals(1, coalescer.udpCoalescedFrames());
        assertEquals(3, coalescer.udpCoalescedDatagrams());
    }

    @Test
    void aRunHoldsAtMostSixtyFourDatagrams() {
        List<byte[]> datagrams = new ArrayList<>();
        for (int i = 0; i < FlowCoalescer.MAX_UDP_SEGMENTS + 1; i++) {
            datagrams.add(flow().identification(i).randomPayload(10, i).build().bytes);
        }
        ReceiveLoop loop = new ReceiveLoop(coalescer, datagrams.size()).batch(datagrams);

        assertEquals(2, loop.writes.size());
        assertEquals(14 + 20 + 8 + 640, loop.writes.get(0).frame.length);
        assertArrayEquals(datagrams.get(64), loop.writes.get(1).frame);
        assertEquals(1, coalescer.refusals(FlowCoalescer.REFUSED_FULL));
    }

    /** A datagram of the flow offered after a first one; true when it joined. */
    private boolean joins(UnaryOperator<Frames> second, int expectedRefusal) {
        FlowCoalescer fresh = new FlowCoalescer(VirtioNetHeader.LENGTH, true);
        Frames.Built first = flow().build();
        Frames.Built next = second.apply(flow().identification(101).randomPayload(200, 2)).build();
        assertTrue(fresh.offer(ByteBuffer.wrap(first.bytes), 0, first.length()));
        boolean joined = fresh.offer(ByteBuffer.wrap(next.bytes), 0, next.length());
        assertEquals(expectedRefusal, fresh.lastRefusal(), FlowCoalescer.describeRefusal(fresh.lastRefusal()));
        return joined;
    }

    private static Frames flow() {
        return Frames.ipv4().udp().identification(100).randomPayload(200, 1);
    }

    @Test
    void joinsOnlyTheSameFlowWithTheSameHeadersAndNoLargerDatagram() {
        assertTrue(joins(f -> f, FlowCoalescer.REFUSED_NONE));
        assertTrue(joins(f -> f.randomPayload(1, 3), FlowCoalescer.REFUSED_NONE));
        assertTrue(joins(f -> f.identification(100), FlowCoalescer.REFUSED_NONE)); // DF set: a fixed ID is fine

        assertFalse(joins(f -> f.randomPayload(201, 2), FlowCoalescer.REFUSED_SIZE_MISMATCH));
        assertFalse(joins(f -> f.ports(49_153, 5201), FlowCoalescer.REFUSED_OTHER_FLOW));
        assertFalse(joins(f -> f.ports(49_152, 5202), FlowCoalescer.REFUSED_OTHER_FLOW));
        assertFalse(joins(f -> f.sourceMac(9), FlowCoalescer.REFUSED_OTHER_FLOW));
        assertFalse(joins(f -> f.tag(Frames.VLAN, 5), FlowCoalescer.REFUSED_OTHER_FLOW));
        // A TCP segment between the same addresses and ports is another flow.
        assertFalse(joins(f -> Frames.ipv4().identification(101).randomPayload(200, 2), FlowCoalescer.REFUSED_OTHER_FLOW));
        assertFalse(joins(f -> Frames.ipv6().udp().randomPayload(200, 2), FlowCoalescer.REFUSED_OTHER_FLOW));

        assertFalse(joins(f -> f.ttl(63), FlowCoalescer.REFUSED_HEADER_MISMATCH));
        assertFalse(joins(f -> f.tos(0x02), FlowCoalescer.REFUSED_HEADER_MISMATCH));
        assertFalse(joins(f -> f.dontFragment(false), FlowCoalescer.REFUSED_HEADER_MISMATCH));
        assertFalse(joins(f -> f.identification(102), FlowCoalescer.REFUSED_HEADER_MISMATCH));
    }

    @Test
    void refusesDatagramsThatSegmentationWouldNotGiveBackUnchanged() {
        ByteBuffer slot = ByteBuffer.allocate(2048);
        // A UDP length field that disagrees with the IP length.
        byte[] lying = flow().build().bytes;
        Reference.putU16(lying, 14 + 20 + 4, 8 + 100);
        slot.put(0, lying);
        assertFalse(coalescer.offer(slot, 0, lying.length));
        assertEquals(FlowCoalescer.REFUSED_NOT_CANDIDATE, coalescer.lastRefusal());
        // No payload: nothing to cut at gso_size.
        byte[] empty = Frames.ipv4().udp().build().bytes;
        slot.put(0, empty);
        assertFalse(coalescer.offer(slot, 0, empty.length));
        // A fragment, and IPv4 options.
        byte[] fragment = flow().build().bytes;
        Reference.putU16(fragment, 14 + 6, 0x2000);
        Reference.putU16(fragment, 14 + 10, 0);
        Reference.putU16(fragment, 14 + 10, ~Reference.sum(fragment, 14, 14 + 20, 0) & 0xFFFF);
        slot.put(0, fragment);
        assertFalse(coalescer.offer(slot, 0, fragment.length));
        byte[] options = flow().ipv4Options(new byte[] {1, 1, 1, 0}).build().bytes;
        slot.put(0, options);
        assertFalse(coalescer.offer(slot, 0, options.length));
        assertEquals(0, coalescer.segments());
    }

    @Test
    void leavesUdpAloneWhenTheTapTakesNoUso() {
        FlowCoalescer tcpOnly = new FlowCoalescer(VirtioNetHeader.LENGTH, false);
        byte[] datagram = flow().build().bytes;
        assertFalse(tcpOnly.offer(ByteBuffer.wrap(datagram), 0, datagram.length));
        assertEquals(FlowCoalescer.REFUSED_NOT_CANDIDATE, tcpOnly.lastRefusal());
        assertFalse(tcpOnly.coalescesUdp());
        assertTrue(coalescer.coalescesUdp());
    }

    @Test
    void aFlushTellsWhetherItsSuperFrameJoinedUdpDatagramsOrTcpSegments() {
        List<byte[]> datagrams = List.of(flow().identification(1).randomPayload(100, 1).build().bytes,
                flow().identification(2).randomPayload(100, 2).build().bytes);
        assertTrue(new ReceiveLoop(coalescer, 2).batch(datagrams).writes.get(0).coalesced);
        assertTrue(coalescer.lastFlushWasUdp(), "two datagrams of one flow: a UDP super-frame");

        Frames.Built superFrame = Frames.of(false).tcpFlags(0x10).sequence(1000).checksum(Frames.Checksum.PARTIAL)
                .randomPayload(3 * Harness.MSS, 3).build();
        ByteBuffer buffer = Harness.withHeader(superFrame.bytes, true);
        VirtioNetHeader header = Harness.tcpHeader(buffer, superFrame, Harness.MSS, 0);
        TcpSegmenter segmenter = new TcpSegmenter();
        assertEquals(OffloadStatus.OK, segmenter.prepare(buffer, Harness.frameOffset(), superFrame.length(), header,
                1514));
        List<byte[]> segments = Harness.segments(segmenter, false);
        assertTrue(new ReceiveLoop(coalescer, segments.size()).batch(segments).writes.get(0).coalesced);
        assertFalse(coalescer.lastFlushWasUdp(), "three segments of one TCP flow: a TCP super-frame");
    }
}
