package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
 * IPv4 packet with DF and an IPv6 packet are answered as a router would, from the original destination,
 * with the MTU that fits behind the frame's own L2 header (1426 = 1440 - 14, 1422 behind an 802.1Q tag),
 * so the sender adapts and the data then gets through; nothing is lost silently. The frames that are
 * split in the tunnel instead: {@link TunnelFragmentsTest}.
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

    @Test
    void taggedFramesTooBigForTheTunnelAreAnsweredOnTheirVlanWithTheMtuThatFitsBehindTheTag() throws Exception {
        Privileges.requireCommand("python3", "python3");
        twoSites();
        Testbed.Site a = bed.site("a");
        Testbed.Site b = bed.site("b");
        byte[] macA = RawFrames.mac(TwoSiteBridgeTest.macOf(a.host()));
        byte[] macB = RawFrames.mac(TwoSiteBridgeTest.macOf(b.host()));
        int vlan = 100;
        // 1500-byte IP packets behind a tag: 1518-byte frames; 1440 - 18 = 1422 is what fits.
        byte[] v4 = RawFrames.udp(macB, macA, vlan, InetAddress.getByName(a.hostIp()),
                InetAddress.getByName(b.hostIp()), 40005, 5005, filler(1472, 4), true);
        byte[] v6 = RawFrames.udp(macB, macA, vlan, InetAddress.getByName(HOST_A_LINK_LOCAL),
                InetAddress.getByName(HOST_B_LINK_LOCAL), 40006, 5006, filler(1452, 6), false);
        assertEquals(1518, v4.length);
        assertEquals(1518, v6.length);
        Path v4File = dir.resolve("big4.bin");
        Path v6File = dir.resolve("big6.bin");
        Files.write(v4File, v4);
        Files.write(v6File, v6);
        long sentBefore = mtu("a", "icmp-too-big-sent");
        PcapCapture atA = PcapCapture.start(a.host(), "eth0", dir.resolve("tagged.pcap"), 60, "vlan " + vlan);
        PcapCapture atB = PcapCapture.start(b.host(), "eth0", dir.resolve("tagged-b.pcap"), 60, "vlan " + vlan);
        List<byte[]> answers;
        try {
            RawFrames.send(a.host(), "eth0", v4File, v6File);
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            do {
                Thread.sleep(100);
                answers = atA.frames().stream().filter(f -> RawFrames.tooBigMtu(f) >= 0).toList();
            } while (answers.size() < 2 && System.nanoTime() < deadlineNs);
            Thread.sleep(300);
        } finally {
            atA.stop();
            atB.stop();
        }
        answers = atA.frames().stream().filter(f -> RawFrames.tooBigMtu(f) >= 0).toList();
        assertEquals(2, answers.size(), "one answer per frame, at host a");
        for (byte[] f : answers) {
            RawFrames.Ip ip = RawFrames.ip(f);
            String what = "answer to the tagged IPv" + ip.version() + " frame";
            assertEquals(vlan, RawFrames.vlanId(f), what + ": on the frame's own VLAN");
            assertArrayEquals(macA, Arrays.copyOfRange(f, 0, 6), what + ": to the sender's MAC");
            assertArrayEquals(macB, Arrays.copyOfRange(f, 6, 12), what + ": from the destination's MAC");
            assertEquals(MAX_FRAME - 18, RawFrames.tooBigMtu(f), what + ": MTU");
            assertTrue(RawFrames.icmpChecksumValid(f), what + ": checksum");
            InetAddress from = InetAddress.getByName(ip.version() == 4 ? b.hostIp() : HOST_B_LINK_LOCAL);
            assertEquals(from, InetAddress.getByAddress(ip.source()), what + ": from the original destination");
        }
        assertEquals(0, atB.frames().size(), "neither too-big frame may reach host b");
        assertEquals(2, mtu("a", "icmp-too-big-sent") - sentBefore, "icmp-too-big-sent");
    }

    /** Deterministic bytes. */
    private static byte[] filler(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
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

    private static int received(String pingOutput) {
        Matcher m = RECEIVED.matcher(pingOutput);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }
}
