package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * Frames longer than the tunnel carries (max-frame 1440 over a 1500-byte WAN) that nobody could be told
 * about, between real daemons: an IPv4 packet without DF and non-IP frames are split into tunnel
 * fragments (CONTROL messages) and reassembled by the peer, so they arrive whole, byte for byte, while
 * the WAN never sees an IP fragment. The frames that are answered instead: {@link TooBigFramesTest}.
 */
class TunnelFragmentsTest {
    @TempDir
    Path dir;

    private Testbed bed;

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    private void twoSites() throws Exception {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("tcpdump", "tcpdump");
        Privileges.requireCommand("python3", "python3");
        bed = new Testbed(dir, "frag");
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        bed.writeMeshConfigs("udp");
        bed.start("a");
        bed.start("b");
        bed.awaitMeshUp(40);
        assertEquals(1440, bed.peers("a").get(0).get("max-frame").asInt(), bed.peers("a").toString());
        // Neighbours resolved and host b's MAC learned behind site b.
        assertEquals(2, bed.ping("a", "b", 2, 0.2), bed.describe());
    }

    @Test
    void aUdpDatagramWithoutDfTooBigForTheTunnelArrivesWholeInTunnelFragmentsAndNoIpFragmentCrossesTheWan()
            throws Exception {
        twoSites();
        Testbed.Site a = bed.site("a");
        Testbed.Site b = bed.site("b");
        byte[] payload = new byte[1472];
        new Random(42).nextBytes(payload);
        Path payloadFile = dir.resolve("datagram.bin");
        Files.write(payloadFile, payload);
        Path receivedFile = dir.resolve("datagram.received");
        JsonNode mtuA = bed.stats("a").get("mtu");
        JsonNode mtuB = bed.stats("b").get("mtu");
        int port = 5005;

        PcapCapture atA = PcapCapture.start(a.host(), "eth0", dir.resolve("sent.pcap"), 60, "udp port " + port);
        PcapCapture atB = PcapCapture.start(b.host(), "eth0", dir.resolve("got.pcap"), 60, "udp port " + port);
        try (WanFragments fragments = WanFragments.start(bed, dir.resolve("fragments.pcap"), 60)) {
            Process sink = new ProcessBuilder(b.host().inside("python3", "-c", "import socket, sys\n"
                    + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                    + "s.bind(('0.0.0.0', int(sys.argv[2])))\n"
                    + "s.settimeout(20)\n"
                    + "data = s.recv(65535)\n"
                    + "open(sys.argv[1], 'wb').write(data)\n", receivedFile.toString(), String.valueOf(port)))
                    .redirectErrorStream(true).start();
            try {
                Transfers.awaitListening(b.host(), "-u", port, 10);
                // IP_MTU_DISCOVER (10) = IP_PMTUDISC_DONT (0): DF clear; the LAN's 1500 takes it as one packet.
                Shell.Result send = a.host().exec(20, "python3", "-c", "import socket, sys\n"
                        + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                        + "s.setsockopt(socket.IPPROTO_IP, 10, 0)\n"
                        + "s.sendto(open(sys.argv[1], 'rb').read(), (sys.argv[2], int(sys.argv[3])))\n",
                        payloadFile.toString(), b.hostIp(), String.valueOf(port));
                assertEquals(0, send.exitCode(), send.stderr());
                assertTrue(sink.waitFor(25, TimeUnit.SECONDS), "the receiver did not finish");
                assertEquals(0, sink.exitValue(), "receiver: " + new String(sink.getInputStream().readAllBytes())
                        + "\n" + bed.describe());
            } finally {
                sink.destroyForcibly();
                atA.stop();
                atB.stop();
            }
            assertArrayEquals(payload, Files.readAllBytes(receivedFile), "the datagram host b received");
            fragments.sendControlPing();
            WanFragments.Count count = fragments.stop();
            assertTrue(count.control() >= 2, "the capture must see the control ping's fragments: " + count);
            assertEquals(0, count.tunnel(), "IP fragments of tunnel traffic on the WAN: " + count);
        }
        // Host a sent one unfragmented 1500-byte packet without DF, and host b got one just like it.
        for (PcapCapture capture : List.of(atA, atB)) {
            List<byte[]> frames = capture.frames();
            assertEquals(1, frames.size(), "one packet, never IP-fragmented, at each host");
            RawFrames.Ip ip = RawFrames.ip(frames.get(0));
            assertFalse(ip.fragment() || ip.dontFragment(), "DF and MF clear, offset 0");
            assertEquals(1500, ip.end() - ip.headerOffset(), "IP packet length");
        }
        JsonNode afterA = bed.stats("a").get("mtu");
        JsonNode afterB = bed.stats("b").get("mtu");
        long fragmented = delta(mtuA, afterA, "frames-fragmented");
        long pieces = delta(mtuA, afterA, "fragments-sent");
        long reassembled = delta(mtuB, afterB, "reassembled");
        assertTrue(fragmented >= 1, "site a frames-fragmented grew by " + fragmented);
        assertTrue(pieces >= 2 * fragmented, "site a fragments-sent grew by " + pieces);
        assertTrue(reassembled >= 1, "site b reassembled grew by " + reassembled);
        assertEquals(0, delta(mtuA, afterA, "icmp-too-big-sent"), "DF was clear: no ICMP");
        System.out.println("1514-byte frame without DF: site a frames-fragmented +" + fragmented + ", fragments-sent +"
                + pieces + "; site b reassembled +" + reassembled + "; payload intact, 0 WAN fragments");
    }

    @Test
    void nonIpFramesTooBigForTheTunnelArriveWholeInTunnelFragments() throws Exception {
        twoSites();
        Testbed.Site a = bed.site("a");
        Testbed.Site b = bed.site("b");
        byte[] macA = RawFrames.mac(TwoSiteBridgeTest.macOf(a.host()));
        byte[] macB = RawFrames.mac(TwoSiteBridgeTest.macOf(b.host()));
        // EtherType 0x88B5 (IEEE local experimental): nothing could answer it; 1514 bytes, and 1518 tagged.
        byte[] plain = RawFrames.frame(macB, macA, -1, 0x88B5, filler(1500, 42));
        byte[] tagged = RawFrames.frame(macB, macA, 100, 0x88B5, filler(1500, 43));
        Path plainFile = dir.resolve("plain.bin");
        Path taggedFile = dir.resolve("tagged.bin");
        Files.write(plainFile, plain);
        Files.write(taggedFile, tagged);
        JsonNode mtuA = bed.stats("a").get("mtu");
        JsonNode mtuB = bed.stats("b").get("mtu");
        PcapCapture atB = PcapCapture.start(b.host(), "eth0", dir.resolve("got.pcap"), 60,
                "ether proto 0x88b5 or (vlan and ether proto 0x88b5)");
        List<byte[]> got;
        try (WanFragments fragments = WanFragments.start(bed, dir.resolve("fragments.pcap"), 60)) {
            try {
                RawFrames.send(a.host(), "eth0", plainFile, taggedFile);
                long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (atB.frames().size() < 2 && System.nanoTime() < deadlineNs) {
                    Thread.sleep(100);
                }
            } finally {
                atB.stop();
            }
            fragments.sendControlPing();
            WanFragments.Count count = fragments.stop();
            assertTrue(count.control() >= 2, "the capture must see the control ping's fragments: " + count);
            assertEquals(0, count.tunnel(), "IP fragments of tunnel traffic on the WAN: " + count);
        }
        got = atB.frames();
        assertEquals(2, got.size(), "both frames at host b, once each");
        assertArrayEquals(plain, got.get(0), "the 1514-byte frame, byte for byte");
        assertArrayEquals(tagged, got.get(1), "the tagged 1518-byte frame, byte for byte");
        JsonNode afterA = bed.stats("a").get("mtu");
        JsonNode afterB = bed.stats("b").get("mtu");
        assertEquals(2, delta(mtuA, afterA, "frames-fragmented"), "site a frames-fragmented");
        assertEquals(4, delta(mtuA, afterA, "fragments-sent"), "site a fragments-sent: two pieces each");
        assertEquals(2, delta(mtuB, afterB, "reassembled"), "site b reassembled");
    }

    /** Deterministic bytes. */
    private static byte[] filler(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static long delta(JsonNode before, JsonNode after, String counter) {
        return after.get(counter).asLong() - before.get(counter).asLong();
    }
}
