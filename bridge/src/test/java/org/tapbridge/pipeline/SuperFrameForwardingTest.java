package org.tapbridge.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tapbridge.link.PeerLink;
import org.tapbridge.offload.OffloadStatus;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.switching.SwitchCounters;
import org.tapbridge.tap.InMemoryTapDevice;

/**
 * What the TAP with a vnet header hands over, through the cutter and the forwarder to two peers whose links
 * carry different frame sizes: one switching decision per super-frame, segments cut per peer.
 */
class SuperFrameForwardingTest {
    private static final long HOST = 0x02_00_00_00_0A_01L;
    private static final long UNKNOWN_HOST = 0x02_00_00_00_0B_01L;
    /** What the kernel's TCP puts in a 64 KB IPv4 super-frame with timestamps: 65535 - 20 - 32 bytes. */
    private static final int SUPER_PAYLOAD = 65_483;
    /** The LAN host's MSS on a 1500-byte MTU with timestamps. */
    private static final int GSO_SIZE = 1448;
    private static final long FIRST_SEQUENCE = 0xFFFF_0000L;

    @TempDir
    Path dir;

    private OffloadHub hub;

    @AfterEach
    void stop() {
        if (hub != null) {
            hub.close();
        }
    }

    @ParameterizedTest(name = "{0}-byte vnet header")
    @ValueSource(ints = {10, 12})
    void tsoSuperFrameFloodedToTwoPeersReachesEachInSegmentsCutToItsOwnLink(int vnet) throws Exception {
        hub = new OffloadHub(dir, vnet);
        hub.awaitPeersUp();
        byte[] payload = TcpFrames.payload(SUPER_PAYLOAD, 64);
        // The sequence numbers wrap inside the super-frame; PSH is for the last segment only.
        byte[] superFrame = TcpFrames.tcp(UNKNOWN_HOST, HOST, 0xFFF0, FIRST_SEQUENCE,
                TcpFrames.ACK | TcpFrames.PSH, payload, true);

        hub.tap.inject(TcpFrames.concat(TcpFrames.tsoHeader(vnet, GSO_SIZE), superFrame));
        hub.turnUntil(() -> hub.tapPort.framesRead() == 1, 2_000);

        List<byte[]> atB = collect(hub.tapB, SUPER_PAYLOAD);
        List<byte[]> atC = collect(hub.tapC, SUPER_PAYLOAD);
        assertSegments(superFrame, payload, atB, OffloadHub.LIMIT_B, "peer b");
        assertSegments(superFrame, payload, atC, OffloadHub.LIMIT_C, "peer c");
        SwitchCounters counters = hub.forwarder.learningSwitch().counters();
        assertEquals(1, counters.value(LearningSwitch.LOCAL_PORT, SwitchCounters.FRAMES_IN),
                "one switching decision for the whole super-frame");
        assertEquals(1, counters.value(LearningSwitch.LOCAL_PORT, SwitchCounters.LEARNED));
        assertEquals(1, counters.value(LearningSwitch.LOCAL_PORT, SwitchCounters.FLOODED));
        assertEquals(1, hub.cutter.tcpSuperFrames());
        assertEquals(atB.size() + atC.size(), hub.cutter.tcpSegments());
        assertEquals(atB.size(), hub.peer("b").counters().txFrames(), "frames sealed for peer b");
    }

    @Test
    void plainFrameWhoseChecksumTheKernelLeftPartialIsForwardedWithItComplete() throws Exception {
        hub = new OffloadHub(dir, 12);
        hub.awaitPeersUp();
        byte[] payload = TcpFrames.payload(301, 3);
        byte[] partial = TcpFrames.tcp(UNKNOWN_HOST, HOST, 9, 77, TcpFrames.ACK | TcpFrames.PSH, payload, true);
        byte[] header = TcpFrames.vnetHeader(12, 1, 0, 0, 0, TcpFrames.TCP_START, 16);

        hub.tap.inject(TcpFrames.concat(header, partial));
        hub.turnUntil(() -> hub.tapPort.framesRead() == 1, 2_000);

        byte[] complete = TcpFrames.tcp(UNKNOWN_HOST, HOST, 9, 77, TcpFrames.ACK | TcpFrames.PSH, payload, false);
        assertTrue(TcpFrames.tcpChecksumValid(complete));
        assertArrayEquals(complete, hub.tapB.takeWritten(2_000), "at peer b");
        assertArrayEquals(complete, hub.tapC.takeWritten(2_000), "at peer c");
        assertEquals(1, hub.cutter.checksumsCompleted());
        assertEquals(0, hub.cutter.tcpSuperFrames());
    }

    @Test
    void usoSuperFrameIsCutIntoTheDatagramsTheApplicationSentAndEachIsSwitched() throws Exception {
        hub = new OffloadHub(dir, 10);
        hub.awaitPeersUp();
        int gsoSize = 1100;
        int datagrams = 30;
        byte[] payload = TcpFrames.payload(datagrams * gsoSize - 500, 30);
        byte[] superFrame = TcpFrames.udp(UNKNOWN_HOST, HOST, 0x4242, payload, true);
        byte[] header = TcpFrames.vnetHeader(10, 1, 5, TcpFrames.UDP_HEADERS, gsoSize, TcpFrames.TCP_START, 6);

        hub.tap.inject(TcpFrames.concat(header, superFrame));
        hub.turnUntil(() -> hub.tapPort.framesRead() == 1, 2_000);

        for (InMemoryTapDevice remote : new InMemoryTapDevice[] {hub.tapB, hub.tapC}) {
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            for (int i = 0; i < datagrams; i++) {
                byte[] d = remote.takeWritten(3_000);
                String what = remote.name() + ", datagram " + i;
                assertTrue(d != null, what + " missing");
                int carried = Math.min(gsoSize, payload.length - i * gsoSize);
                assertEquals(TcpFrames.UDP_HEADERS + carried, d.length, what + ": length");
                assertEquals(8 + carried, TcpFrames.u16(d, TcpFrames.TCP_START + 4), what + ": UDP length");
                assertTrue(TcpFrames.ipv4HeaderValid(d), what + ": IPv4 header checksum");
                assertTrue(TcpFrames.udpChecksumValid(d), what + ": UDP checksum");
                joined.writeBytes(TcpFrames.range(d, TcpFrames.UDP_HEADERS, d.length));
            }
            assertNull(remote.takeWritten(100), remote.name() + ": more datagrams than were sent");
            assertArrayEquals(payload, joined.toByteArray(), remote.name() + ": payloads joined");
        }
        SwitchCounters counters = hub.forwarder.learningSwitch().counters();
        assertEquals(datagrams, counters.value(LearningSwitch.LOCAL_PORT, SwitchCounters.FRAMES_IN),
                "each datagram is switched on its own");
        assertEquals(1, hub.cutter.udpSuperFrames());
        assertEquals(datagrams, hub.cutter.udpDatagramsCut());
    }

    @Test
    void vnetHeaderWithAnUnknownGsoTypeIsRefusedCountedAndNothingIsSent() throws Exception {
        hub = new OffloadHub(dir, 12);
        hub.awaitPeersUp();
        byte[] superFrame = TcpFrames.tcp(UNKNOWN_HOST, HOST, 1, 1, TcpFrames.ACK, TcpFrames.payload(8000, 5), true);
        byte[] header = TcpFrames.tsoHeader(12, GSO_SIZE);
        header[1] = 2; // no such gso_type

        hub.tap.inject(TcpFrames.concat(header, superFrame));
        hub.turnUntil(() -> hub.tapPort.framesRead() == 1, 2_000);
        hub.loop.turnOnCallingThread();

        assertEquals(1, hub.tapPort.framesRead());
        assertEquals(1, hub.cutter.refused(OffloadStatus.BAD_GSO_TYPE));
        assertEquals(0, hub.forwarder.learningSwitch().counters().value(LearningSwitch.LOCAL_PORT,
                SwitchCounters.FRAMES_IN), "a refused frame never reaches the switch");
        assertNull(hub.tapB.takeWritten(300));
        assertNull(hub.tapC.takeWritten(100));
        assertEquals(0, hub.peer("b").counters().txFrames());
    }

    @Test
    void contiguousSegmentsFromAPeerInOneBatchReachTheTapAsOneSuperFrame() throws Exception {
        int vnet = 12;
        hub = new OffloadHub(dir, vnet);
        hub.awaitPeersUp();
        hub.turnUntil(() -> false, 300); // path-MTU probes and keepalives settle, out of the batch below
        int segments = 8;
        int mss = 1348;
        byte[] payload = TcpFrames.payload(segments * mss, 8);
        long rxBefore = hub.peer("b").counters().rxFrames();
        for (int i = 0; i < segments; i++) {
            // From a host behind b to one the hub has not learned: flooded to the hub's TAP (not to c, a mesh peer).
            hub.tapB.inject(TcpFrames.tcp(HOST, UNKNOWN_HOST, 40 + i, 9000 + (long) i * mss, TcpFrames.ACK,
                    TcpFrames.range(payload, i * mss, (i + 1) * mss), false));
        }
        // b's loop sends them as they arrive; once b has sent them all, one hub turn takes them in one batch.
        PeerLink towardHub = hub.siteB().peers().byName("a");
        long deadlineNs = System.nanoTime() + 2_000_000_000L;
        while (towardHub.counters().txFrames() < segments && System.nanoTime() < deadlineNs) {
            Thread.sleep(1);
        }
        Thread.sleep(50); // counted when queued; the send follows within b's turn
        hub.loop.turnOnCallingThread();

        assertEquals(segments, hub.peer("b").counters().rxFrames() - rxBefore, "all segments in one turn");
        byte[] written = hub.tap.takeWritten();
        assertNull(hub.tap.takeWritten(), "one TAP write for the run");
        assertEquals(1, written[0], "flags: NEEDS_CSUM");
        assertEquals(1, written[1], "gso_type: TCPV4");
        assertEquals(mss, TcpFrames.u16Le(written, 4), "gso_size");
        byte[] frame = TcpFrames.range(written, vnet, written.length);
        TcpFrames.completeChecksum(frame);
        assertArrayEquals(TcpFrames.tcp(HOST, UNKNOWN_HOST, 40, 9000, TcpFrames.ACK, payload, false), frame);
        assertEquals(1, hub.tapPort.coalescer().coalescedFrames());
    }

    /** Frames written to a remote TAP until they carry {@code payloadBytes} of TCP payload, or 3 s of silence. */
    private static List<byte[]> collect(InMemoryTapDevice tap, int payloadBytes) throws InterruptedException {
        List<byte[]> frames = new ArrayList<>();
        int carried = 0;
        while (carried < payloadBytes) {
            byte[] frame = tap.takeWritten(3_000);
            if (frame == null) {
                break;
            }
            frames.add(frame);
            carried += frame.length - TcpFrames.HEADERS;
        }
        return frames;
    }

    /**
     * Each segment fits the link, and is what a host's TCP would have sent: original Ethernet header, IP
     * length, ID and header checksum, sequence number, PSH on the last only, a valid TCP checksum; the
     * payloads, in order, are the super-frame's.
     */
    private static void assertSegments(byte[] superFrame, byte[] payload, List<byte[]> segments, int limit,
                                       String where) {
        int perSegment = Math.min(GSO_SIZE, limit - TcpFrames.HEADERS);
        int expectedCount = (payload.length + perSegment - 1) / perSegment;
        assertEquals(expectedCount, segments.size(), where + ": segments of " + perSegment + " payload bytes");
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int i = 0; i < segments.size(); i++) {
            byte[] s = segments.get(i);
            String what = where + ", segment " + i;
            assertTrue(s.length <= limit, what + ": " + s.length + " bytes > " + limit);
            assertArrayEquals(TcpFrames.range(superFrame, 0, 14), TcpFrames.range(s, 0, 14), what + ": Ethernet header");
            assertEquals(s.length - 14, TcpFrames.u16(s, 16), what + ": IPv4 total length");
            assertEquals(0xFFF0 + i & 0xFFFF, TcpFrames.u16(s, 18), what + ": IPv4 ID");
            assertTrue(TcpFrames.ipv4HeaderValid(s), what + ": IPv4 header checksum");
            assertEquals(FIRST_SEQUENCE + (long) i * perSegment & 0xFFFF_FFFFL, TcpFrames.u32(s, TcpFrames.TCP_START + 4),
                    what + ": sequence number");
            int flags = i == segments.size() - 1 ? TcpFrames.ACK | TcpFrames.PSH : TcpFrames.ACK;
            assertEquals(flags, s[TcpFrames.TCP_START + 13] & 0xFF, what + ": flags");
            assertTrue(TcpFrames.tcpChecksumValid(s), what + ": TCP checksum");
            joined.writeBytes(TcpFrames.range(s, TcpFrames.HEADERS, s.length));
        }
        assertArrayEquals(payload, joined.toByteArray(), where + ": payloads joined");
    }
}
