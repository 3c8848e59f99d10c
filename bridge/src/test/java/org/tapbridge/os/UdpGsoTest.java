package org.tapbridge.os;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * UDP segmentation (UDP_SEGMENT) on send and coalescing (UDP_GRO) on receive, on loopback and across a veth
 * pair of MTU 1400 in namespaces named "off...": datagrams arrive whole and in order, coalesced buffers
 * split back into the datagrams sent, and every refusal the kernel can make is reported per message.
 */
class UdpGsoTest {
    private static final long WAIT_MS = 5_000;
    private static final int LINK_MTU = 1400;

    /** What arrived: the datagrams (coalesced buffers split), and how many buffers were coalesced. */
    private record Arrivals(List<byte[]> datagrams, int coalescedBuffers, List<Integer> segmentSizes) {
    }

    // ---- loopback ----

    @Test
    void oneSegmentedSendOfTwentyDatagramsArrivesAsTwentyAtAPlainSocketOverIpv4() throws Exception {
        twentyToAPlainSocket("127.0.0.1");
    }

    @Test
    void oneSegmentedSendOfTwentyDatagramsArrivesAsTwentyAtAPlainSocketOverIpv6() throws Exception {
        twentyToAPlainSocket("::1");
    }

    private static void twentyToAPlainSocket(String loopback) throws Exception {
        try (UdpSocket sender = UdpSocket.open(new InetSocketAddress(loopback, 0), UdpOptions.defaults());
                UdpSocket receiver = UdpSocket.open(new InetSocketAddress(loopback, 0), UdpOptions.defaults())) {
            assertTrue(sender.gsoSupported(), "UDP_SEGMENT known to this kernel");
            List<byte[]> sent = datagrams(20, 1400, 1400, 20);
            DatagramBatch out = new DatagramBatch(1);
            Slab outSlab = new Slab(1, 64 * 1024).attach(out);
            int length = pack(outSlab, 0, sent);
            out.setLength(0, length);
            out.setSegmentSize(0, 1400);
            out.setTarget(0, EncodedEndpoint.of(receiver.localAddress()));
            assertEquals(1, sender.send(out, 1));
            assertEquals(0, out.status(0));
            assertEquals(28_000, out.length(0), "all bytes of the message taken");

            Arrivals arrivals = receiveAll(receiver, 32, 1500, 20);
            assertEquals(0, arrivals.coalescedBuffers(), "a plain socket gets separate datagrams");
            assertSame(sent, arrivals.datagrams());
        }
    }

    @Test
    void aGroSocketGetsTheSendAsOneBufferThatSplitsIntoTheDatagramsSentTheLastShorter() throws Exception {
        try (UdpSocket sender = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults());
                UdpSocket receiver = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0),
                        UdpOptions.defaults().withGro(true))) {
            assertTrue(receiver.groEnabled());
            assertNull(receiver.groRefusal());
            List<byte[]> sent = datagrams(20, 1400, 700, 21);
            sendSegmented(sender, receiver, sent, 1400);
            Arrivals arrivals = receiveAll(receiver, 4, UdpSocket.GRO_BUFFER_BYTES, 20);
            assertEquals(1, arrivals.coalescedBuffers());
            assertEquals(List.of(1400), arrivals.segmentSizes(), "the UDP_GRO control message carries gso_size");
            assertSame(sent, arrivals.datagrams());
        }
    }

    @Test
    void aGroSocketOnLoopbackGetsSeparatelySentDatagramsSeparately() throws Exception {
        // Loopback has no receive-side GRO: only the sender's segmented messages arrive coalesced.
        try (UdpSocket sender = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults());
                UdpSocket receiver = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0),
                        UdpOptions.defaults().withGro(true))) {
            UdpSocketTest.sendNumbered(sender, receiver, 5, 1000);
            Arrivals arrivals = receiveAll(receiver, 8, UdpSocket.GRO_BUFFER_BYTES, 5);
            assertEquals(0, arrivals.coalescedBuffers());
            assertEquals(5, arrivals.datagrams().size());
        }
    }

    @Test
    void segmentedAndPlainMessagesTravelTogetherInOneSendmmsg() throws Exception {
        try (UdpSocket sender = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults());
                UdpSocket receiver = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults())) {
            List<byte[]> first = datagrams(10, 1000, 1000, 31);
            List<byte[]> second = datagrams(1, 500, 500, 32);
            List<byte[]> third = datagrams(5, 300, 120, 33);
            DatagramBatch out = new DatagramBatch(3);
            Slab slab = new Slab(3, 16 * 1024).attach(out);
            EncodedEndpoint target = EncodedEndpoint.of(receiver.localAddress());
            int[] segments = {1000, 0, 300};
            List<List<byte[]>> messages = List.of(first, second, third);
            for (int i = 0; i < 3; i++) {
                out.setLength(i, pack(slab, i, messages.get(i)));
                out.setSegmentSize(i, segments[i]);
                out.setTarget(i, target);
            }
            assertEquals(3, sender.send(out, 3));
            List<byte[]> all = new ArrayList<>(first);
            all.addAll(second);
            all.addAll(third);
            assertSame(all, receiveAll(receiver, 32, 1500, 16).datagrams());
            // A receive into the same batch resets the control lengths and buffer lengths; the segment sizes
            // stay, and the next send writes the control messages again.
            UdpSocketTest.sendNumbered(receiver, sender, 1, 100);
            UdpSocketTest.awaitReadable(sender);
            assertEquals(1, sender.receive(out, 3));
            for (int i = 0; i < 3; i++) {
                out.setLength(i, pack(slab, i, messages.get(i)));
            }
            assertEquals(1000, out.segmentSize(0));
            assertEquals(3, sender.send(out, 3));
            assertSame(all, receiveAll(receiver, 32, 1500, 16).datagrams());
        }
    }

    @Test
    void aCoalescedBufferTooSmallForTheBatchIsCutShortAndFlaggedTruncated() throws Exception {
        try (UdpSocket sender = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults());
                UdpSocket receiver = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0),
                        UdpOptions.defaults().withGro(true))) {
            sendSegmented(sender, receiver, datagrams(20, 1400, 1400, 41), 1400);
            DatagramBatch in = new DatagramBatch(1);
            new Slab(1, 2048).attach(in);
            UdpSocketTest.awaitReadable(receiver);
            assertEquals(1, receiver.receive(in, 1));
            assertTrue(in.truncated(0), "MSG_TRUNC: the other 18 datagrams are lost");
            assertEquals(2048, in.length(0));
            assertEquals(1400, in.receivedSegmentSize(0));
            assertEquals(0, receiver.receive(in, 1), "nothing left: the rest of the batch went with it");
        }
    }

    @Test
    void groIsOffUnlessAskedForAndSendsNeedNoOption() throws Exception {
        try (UdpSocket plain = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults())) {
            assertFalse(plain.groEnabled());
            assertNull(plain.groRefusal());
            assertTrue(plain.gsoSupported());
            assertEquals(0, plain.gsoRefusals());
            assertFalse(plain.toString().contains("GRO"), plain.toString());
        }
        try (UdpSocket gro = UdpSocket.open(new InetSocketAddress("::1", 0), UdpOptions.defaults().withGro(true))) {
            assertTrue(gro.groEnabled());
            assertTrue(gro.toString().endsWith(", GRO)"), gro.toString());
        }
    }

    @Test
    void moreSegmentsThanTheKernelTakesIsARefusedSegmentationOfThatMessageOnly() throws Exception {
        try (UdpSocket sender = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults());
                UdpSocket receiver = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults())) {
            DatagramBatch out = new DatagramBatch(2);
            Slab slab = new Slab(2, 64 * 1024).attach(out);
            EncodedEndpoint target = EncodedEndpoint.of(receiver.localAddress());
            out.setLength(0, 129 * 100); // 6.18 takes 128 (UDP_MAX_SEGMENTS), older kernels 64
            out.setSegmentSize(0, 100);
            out.setTarget(0, target);
            byte[] plain = datagrams(1, 300, 300, 51).get(0);
            slab.write(1, plain);
            out.setLength(1, plain.length);
            out.setTarget(1, target);
            assertEquals(1, sender.send(out, 2), "the plain message still goes");
            assertEquals(Errno.EINVAL, out.status(0));
            assertTrue(out.segmentationRefused(0));
            assertFalse(out.segmentationRefused(1));
            assertEquals(1, sender.gsoRefusals());
            assertTrue(sender.gsoSupported(), "a refusal of one message's segment count is not remembered");
            assertSame(List.of(plain), receiveAll(receiver, 4, 1500, 1).datagrams());

            out.setLength(0, 128 * 100);
            assertEquals(1, sender.send(out, 1), "128 segments are taken on this kernel");
        }
    }

    @Test
    void udpLiteMakesTheKernelRefuseSegmentationWithEioAndTheSocketRemembersIt() throws Exception {
        // Without IPsec in this kernel, UDP-Lite is the one way to see the EIO that IPsec paths (and, in older
        // kernels, devices without checksum offload) give.
        UdpSocket sender;
        UdpSocket receiver;
        try {
            sender = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults(),
                    SocketConstants.IPPROTO_UDPLITE);
            receiver = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults(),
                    SocketConstants.IPPROTO_UDPLITE);
        } catch (NativeIoException e) {
            assumeTrue(false, "no UDP-Lite in this kernel (removed upstream): " + e.getMessage());
            return;
        }
        try (sender; receiver) {
            assertTrue(sender.gsoSupported());
            DatagramBatch out = new DatagramBatch(2);
            Slab slab = new Slab(2, 8192).attach(out);
            EncodedEndpoint target = EncodedEndpoint.of(receiver.localAddress());
            List<byte[]> segmented = datagrams(3, 1000, 1000, 61);
            out.setLength(0, pack(slab, 0, segmented));
            out.setSegmentSize(0, 1000);
            out.setTarget(0, target);
            byte[] plain = segmented.get(0);
            slab.write(1, plain);
            out.setLength(1, plain.length);
            out.setTarget(1, target);
            assertEquals(1, sender.send(out, 2));
            assertEquals(Errno.EIO, out.status(0));
            assertTrue(out.segmentationRefused(0));
            assertFalse(sender.gsoSupported(), "EIO is remembered: segmentation does not work from this socket");
            assertEquals(1, sender.gsoRefusals());
            // The caller's fallback: the same datagrams one per message.
            DatagramBatch one = new DatagramBatch(3);
            Slab oneSlab = new Slab(3, 1000).attach(one);
            for (int i = 0; i < 3; i++) {
                oneSlab.write(i, segmented.get(i));
                one.setLength(i, 1000);
                one.setTarget(i, target);
            }
            assertEquals(3, sender.send(one, 3));
            List<byte[]> expected = new ArrayList<>(List.of(plain));
            expected.addAll(segmented);
            assertSame(expected, receiveAll(receiver, 8, 1500, 4).datagrams());
        }
    }

    @Test
    void segmentSizesOutsideAU16AreRefusedAndCountsRoundUp() {
        DatagramBatch batch = new DatagramBatch(1);
        assertThrows(IllegalArgumentException.class, () -> batch.setSegmentSize(0, -1));
        assertThrows(IllegalArgumentException.class, () -> batch.setSegmentSize(0, 65536));
        assertThrows(IndexOutOfBoundsException.class, () -> batch.setSegmentSize(1, 1000));
        batch.setSegmentSize(0, 65535);
        assertEquals(65535, batch.segmentSize(0));
        assertEquals(1, DatagramBatch.segmentCount(1400, 0));
        assertEquals(1, DatagramBatch.segmentCount(1000, 1400));
        assertEquals(1, DatagramBatch.segmentCount(1400, 1400));
        assertEquals(2, DatagramBatch.segmentCount(1401, 1400));
        assertEquals(20, DatagramBatch.segmentCount(27_300, 1400));
        assertFalse(batch.segmentationRefused(0), "nothing sent yet");
    }

    // ---- across a veth pair of MTU 1400 ----

    @Test
    void acrossAVethOneSegmentedSendReachesAPlainSocketAsTwentyAndAGroSocketAsOne() throws Exception {
        try (NatVeth veth = NatVeth.create(LINK_MTU, "off")) {
            UdpSocket sender = veth.inA(() -> UdpSocket.open(new InetSocketAddress(NatVeth.ADDRESS_A, 0),
                    UdpOptions.defaults()));
            UdpSocket plain = veth.inB(() -> UdpSocket.open(new InetSocketAddress(NatVeth.ADDRESS_B, 0),
                    UdpOptions.defaults()));
            UdpSocket gro = veth.inB(() -> UdpSocket.open(new InetSocketAddress(NatVeth.ADDRESS_B, 0),
                    UdpOptions.defaults().withGro(true)));
            try (sender; plain; gro) {
                List<byte[]> sent = datagrams(20, 1372, 500, 71); // 1372 + 28 = the link MTU
                sendSegmented(sender, plain, sent, 1372);
                assertSame(sent, receiveAll(plain, 32, 1500, 20).datagrams());
                sendSegmented(sender, gro, sent, 1372);
                Arrivals coalesced = receiveAll(gro, 4, UdpSocket.GRO_BUFFER_BYTES, 20);
                assertEquals(1, coalesced.coalescedBuffers());
                assertEquals(List.of(1372), coalesced.segmentSizes());
                assertSame(sent, coalesced.datagrams());
            }
        }
    }

    @Test
    void withDfEverySegmentMustFitTheLinkMtuOrTheWholeMessageIsRefusedWithEmsgsize() throws Exception {
        try (NatVeth veth = NatVeth.create(LINK_MTU, "off")) {
            UdpSocket sender = veth.inA(() -> UdpSocket.open(new InetSocketAddress(NatVeth.ADDRESS_A, 0),
                    UdpOptions.defaults()));
            UdpSocket receiver = veth.inB(() -> UdpSocket.open(new InetSocketAddress(NatVeth.ADDRESS_B, 0),
                    UdpOptions.defaults()));
            try (sender; receiver) {
                int[] statuses = sendThree(sender, receiver, 1373, 1372);
                assertEquals(Errno.EMSGSIZE, statuses[0], "1373 + 28 > 1400");
                assertEquals(0, statuses[1]);
                assertEquals(0, statuses[2], "a message no longer than its segment size is a plain datagram");
                assertTrue(sender.gsoSupported(), "EMSGSIZE is about the path, not about segmentation");
                assertEquals(0, sender.gsoRefusals());
                assertEquals(3 + 1, receiveAll(receiver, 16, 1500, 4).datagrams().size());
            }
        }
    }

    @Test
    void aRouteMtuBelowTheLinksRefusesLargerSegmentsUnderDoButNotUnderProbe() throws Exception {
        try (NatVeth veth = NatVeth.create(LINK_MTU, "off")) {
            // A route MTU is what a learned path MTU becomes too (a route exception): dst_mtu either way.
            veth.runIn(veth.nsA, "ip", "route", "add", NatVeth.ADDRESS_B + "/32", "dev", veth.devA, "mtu", "1300");
            UdpSocket doSender = veth.inA(() -> UdpSocket.open(new InetSocketAddress(NatVeth.ADDRESS_A, 0),
                    UdpOptions.defaults()));
            UdpSocket probeSender = veth.inA(() -> UdpSocket.open(new InetSocketAddress(NatVeth.ADDRESS_A, 0),
                    UdpOptions.defaults().withPmtuMode(UdpOptions.PmtuMode.PROBE)));
            UdpSocket receiver = veth.inB(() -> UdpSocket.open(new InetSocketAddress(NatVeth.ADDRESS_B, 0),
                    UdpOptions.defaults()));
            try (doSender; probeSender; receiver) {
                int[] underDo = sendThree(doSender, receiver, 1273, 1272);
                assertEquals(Errno.EMSGSIZE, underDo[0], "1273 + 28 > 1300 under DO");
                assertEquals(0, underDo[1]);
                int[] underProbe = sendThree(probeSender, receiver, 1273, 1272);
                assertEquals(0, underProbe[0], "PROBE ignores the route MTU; the link's 1400 still fits");
                assertEquals(0, underProbe[1]);
                assertEquals(4 + 7, receiveAll(receiver, 16, 1500, 11).datagrams().size());
            }
        }
    }

    /**
     * Sends three messages: 3 segments of {@code tooBig}, 3 of {@code fits}, and one datagram of {@code fits}
     * bytes with segment size {@code tooBig}; returns the three statuses.
     */
    private static int[] sendThree(UdpSocket sender, UdpSocket receiver, int tooBig, int fits) throws Exception {
        DatagramBatch out = new DatagramBatch(3);
        new Slab(3, 3 * tooBig).attach(out);
        EncodedEndpoint target = EncodedEndpoint.of(receiver.localAddress());
        int[][] shape = {{3 * tooBig, tooBig}, {3 * fits, fits}, {fits, tooBig}};
        for (int i = 0; i < 3; i++) {
            out.setLength(i, shape[i][0]);
            out.setSegmentSize(i, shape[i][1]);
            out.setTarget(i, target);
        }
        sender.send(out, 3);
        return new int[] {out.status(0), out.status(1), out.status(2)};
    }

    // ---- helpers ----

    /** {@code count} seeded datagrams of {@code size} bytes, the last {@code lastSize}. */
    static List<byte[]> datagrams(int count, int size, int lastSize, long seed) {
        Random random = new Random(seed);
        List<byte[]> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(Slab.payload(random, i == count - 1 ? lastSize : size));
        }
        return list;
    }

    /** Lays the datagrams end to end in slot {@code slot}; returns the total length. */
    static int pack(Slab slab, int slot, List<byte[]> datagrams) {
        int offset = slot * slab.slotBytes;
        for (byte[] d : datagrams) {
            slab.buffer.put(offset, d);
            offset += d.length;
        }
        return offset - slot * slab.slotBytes;
    }

    private static void sendSegmented(UdpSocket sender, UdpSocket receiver, List<byte[]> datagrams, int segmentSize)
            throws Exception {
        DatagramBatch out = new DatagramBatch(1);
        Slab slab = new Slab(1, 64 * 1024).attach(out);
        out.setLength(0, pack(slab, 0, datagrams));
        out.setSegmentSize(0, segmentSize);
        out.setTarget(0, EncodedEndpoint.of(receiver.localAddress()));
        assertEquals(1, sender.send(out, 1), "status " + Errno.name(out.status(0)));
    }

    /** Receives until {@code expected} datagrams arrived (coalesced buffers split) or the wait ran out. */
    private static Arrivals receiveAll(UdpSocket receiver, int batchSize, int bufferBytes, int expected)
            throws Exception {
        DatagramBatch in = new DatagramBatch(batchSize);
        Slab slab = new Slab(batchSize, bufferBytes).attach(in);
        List<byte[]> datagrams = new ArrayList<>();
        List<Integer> segmentSizes = new ArrayList<>();
        int coalesced = 0;
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (datagrams.size() < expected && System.currentTimeMillis() < deadline) {
            int n = receiver.receive(in, batchSize);
            if (n == 0) {
                Thread.sleep(1);
                continue;
            }
            for (int i = 0; i < n; i++) {
                assertFalse(in.truncated(i), "message " + i + " truncated");
                int length = in.length(i);
                int segment = in.receivedSegmentSize(i);
                int count = DatagramBatch.segmentCount(length, segment);
                if (segment > 0) {
                    coalesced++;
                    segmentSizes.add(segment);
                }
                for (int k = 0; k < count; k++) {
                    int from = k * segment;
                    int size = segment == 0 ? length : Math.min(segment, length - from);
                    byte[] d = new byte[size];
                    slab.buffer.get(i * bufferBytes + from, d);
                    datagrams.add(d);
                }
            }
        }
        return new Arrivals(datagrams, coalesced, segmentSizes);
    }

    private static void assertSame(List<byte[]> expected, List<byte[]> actual) {
        assertEquals(expected.size(), actual.size(), "datagram count");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "datagram " + i);
        }
    }
}
