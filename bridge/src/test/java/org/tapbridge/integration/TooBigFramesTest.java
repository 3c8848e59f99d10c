package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * Frames longer than the tunnel carries (max-frame 1440 over a 1500-byte WAN), between real daemons: an
 * IPv4 packet with DF and an IPv6 packet are answered as a router would, with the MTU that fits (1426 =
 * 1440 - 14), so the sender adapts and the data then gets through; an IPv4 packet without DF is split
 * into tunnel fragments and arrives whole. Nothing is lost silently, and the WAN never sees an IP fragment.
 */
class TooBigFramesTest {
    private static final int MAX_FRAME = 1440;
    private static final int INNER_MTU = MAX_FRAME - 14;
    private static final Pattern ANNOUNCED_MTU = Pattern.compile("mtu ?= ?(\\d+)");
    private static final Pattern RECEIVED = Pattern.compile("(\\d+) received");
    private static final String HOST_A_LINK_LOCAL = "fe80::a";
    private static final String HOST_B_LINK_LOCAL = "fe80::b";

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
        bed = new Testbed(dir, "big");
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        bed.site("a").host().run("ip", "addr", "add", HOST_A_LINK_LOCAL + "/64", "dev", "eth0", "nodad");
        bed.site("b").host().run("ip", "addr", "add", HOST_B_LINK_LOCAL + "/64", "dev", "eth0", "nodad");
        bed.writeMeshConfigs("udp");
        bed.start("a");
        bed.start("b");
        bed.awaitMeshUp(40);
        assertEquals(MAX_FRAME, bed.peers("a").get(0).get("max-frame").asInt(), bed.peers("a").toString());
        assertEquals(MAX_FRAME, bed.peers("b").get(0).get("max-frame").asInt(), bed.peers("b").toString());
        // Neighbours resolved: the first big packet must not wait behind ARP or neighbour discovery.
        assertEquals(2, bed.ping("a", "b", 2, 0.2), bed.describe());
    }

    @Test
    void aDfPingTooBigForTheTunnelIsAnsweredWithFragNeededMtu1426AndGetsThroughOnceTheHostFragments()
            throws Exception {
        twoSites();
        Testbed.Site a = bed.site("a");
        Testbed.Site b = bed.site("b");
        long sentBefore = mtu("a", "icmp-too-big-sent");
        PcapCapture atA = PcapCapture.start(a.host(), "eth0", dir.resolve("icmp.pcap"), 60, "icmp");
        Shell.Result refused;
        try {
            // 1472 + 8 + 20 = 1500-byte packet, 1514-byte frame.
            refused = a.host().exec(20, "ping", "-n", "-c", "2", "-i", "0.5", "-W", "2", "-M", "do", "-s", "1472",
                    b.hostIp());
        } finally {
            atA.stop();
        }
        String said = refused.stdout() + refused.stderr();
        assertFalse(refused.ok(), "a 1514-byte frame with DF cannot cross: " + said);
        Matcher m = ANNOUNCED_MTU.matcher(said);
        assertTrue(m.find(), "ping must be told the MTU: " + said);
        assertEquals(INNER_MTU, Integer.parseInt(m.group(1)), said);
        long sent = mtu("a", "icmp-too-big-sent") - sentBefore;
        assertTrue(sent >= 1, "icmp-too-big-sent grew by " + sent);

        List<byte[]> replies = atA.frames().stream().filter(f -> RawFrames.tooBigMtu(f) >= 0).toList();
        assertFalse(replies.isEmpty(), "no ICMP fragmentation-needed captured at host a");
        for (byte[] f : replies) {
            RawFrames.Ip ip = RawFrames.ip(f);
            assertEquals(INNER_MTU, RawFrames.tooBigMtu(f), "next-hop MTU");
            assertEquals(b.hostIp(), ip.sourceText(), "the answer comes from the original destination");
            assertEquals(a.hostIp(), ip.destinationText());
            assertTrue(RawFrames.icmpChecksumValid(f), "ICMP checksum");
        }

        long fragmentedBefore = mtu("b", "frames-fragmented");
        long reassembledBefore = mtu("a", "reassembled");
        Shell.Result delivered = a.host().exec(20, "ping", "-n", "-c", "3", "-i", "0.3", "-W", "2", "-M", "want",
                "-s", "1472", b.hostIp());
        assertEquals(0, delivered.exitCode(), "once told, host a fragments, and every ping is answered: "
                + delivered.stdout() + delivered.stderr() + "\n" + bed.describe());
        assertEquals(3, received(delivered.stdout()), delivered.stdout());
        System.out.println("DF ping of 1500 bytes: told mtu=" + m.group(1) + " (" + replies.size()
                + " ICMP captured, icmp-too-big-sent +" + sent + "), then 3/3 answered; host b's unfragmented "
                + "1500-byte replies: site b frames-fragmented +" + (mtu("b", "frames-fragmented") - fragmentedBefore)
                + ", site a reassembled +" + (mtu("a", "reassembled") - reassembledBefore));
    }

    @Test
    void aUdpDatagramWithoutDfTooBigForTheTunnelArrivesWholeInTunnelFragmentsAndNoIpFragmentCrossesTheWan()
            throws Exception {
        Privileges.requireCommand("python3", "python3");
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
    void aTooBigIpv6PacketIsAnsweredWithPacketTooBigMtu1426AndNoEchoIsLostSilently() throws Exception {
        twoSites();
        Testbed.Site a = bed.site("a");
        Testbed.Site b = bed.site("b");
        long sentBefore = mtu("a", "icmp-too-big-sent") + mtu("b", "icmp-too-big-sent");
        String packetTooBig = "icmp6 and ip6[40] == 2";
        PcapCapture atA = PcapCapture.start(a.host(), "eth0", dir.resolve("ptb-a.pcap"), 60, packetTooBig);
        PcapCapture atB = PcapCapture.start(b.host(), "eth0", dir.resolve("ptb-b.pcap"), 60, packetTooBig);
        int count = 5;
        Shell.Result ping;
        try {
            // 1452 + 8 + 40 = 1500-byte packet, 1514-byte frame.
            ping = a.host().exec(30, "ping", "-6", "-n", "-c", String.valueOf(count), "-i", "0.5", "-W", "2", "-s",
                    "1452", HOST_B_LINK_LOCAL + "%eth0");
            Thread.sleep(300);
        } finally {
            atA.stop();
            atB.stop();
        }
        int answered = received(ping.stdout());
        List<byte[]> toA = atA.frames().stream().filter(f -> RawFrames.tooBigMtu(f) >= 0).toList();
        List<byte[]> toB = atB.frames().stream().filter(f -> RawFrames.tooBigMtu(f) >= 0).toList();
        String figures = answered + "/" + count + " answered; Packet Too Big at host a " + toA.size() + ", at host b "
                + toB.size() + "; ping said: " + ping.stdout() + ping.stderr();
        System.out.println("IPv6 1500-byte echo: " + figures.replace('\n', ' '));
        assertFalse(toA.isEmpty(), "host a must be told: " + figures);
        checkPacketTooBig(toA, HOST_B_LINK_LOCAL, HOST_A_LINK_LOCAL);
        // Host b learns the same about its 1500-byte replies, when it gets a request to answer.
        checkPacketTooBig(toB, HOST_A_LINK_LOCAL, HOST_B_LINK_LOCAL);
        assertTrue(answered >= 1, "once told, host a fragments and gets through: " + figures);
        // Each request that was not answered was itself refused with a PTB, or its reply was.
        assertTrue(answered + toA.size() + toB.size() >= count, "an echo was lost without a word: " + figures);
        long sent = mtu("a", "icmp-too-big-sent") + mtu("b", "icmp-too-big-sent") - sentBefore;
        assertEquals(toA.size() + toB.size(), sent, "icmp-too-big-sent against the PTBs captured: " + figures);
    }

    private static void checkPacketTooBig(List<byte[]> frames, String from, String to) throws Exception {
        for (byte[] f : frames) {
            RawFrames.Ip ip = RawFrames.ip(f);
            assertEquals(6, ip.version());
            assertEquals(INNER_MTU, RawFrames.tooBigMtu(f), "Packet Too Big MTU");
            assertEquals(InetAddress.getByName(from), InetAddress.getByAddress(ip.source()),
                    "the answer comes from the original destination");
            assertEquals(InetAddress.getByName(to), InetAddress.getByAddress(ip.destination()));
            assertTrue(RawFrames.icmpChecksumValid(f), "ICMPv6 checksum");
        }
    }

    private long mtu(String site, String counter) {
        JsonNode n = bed.stats(site).get("mtu").get(counter);
        assertTrue(n != null && n.isNumber(), "no mtu." + counter + " in stats of site " + site);
        return n.asLong();
    }

    private static long delta(JsonNode before, JsonNode after, String counter) {
        return after.get(counter).asLong() - before.get(counter).asLong();
    }

    private static int received(String pingOutput) {
        Matcher m = RECEIVED.matcher(pingOutput);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }
}
