package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * TCP MSS clamping between real daemons over UDP (max-frame 1440): the SYN and the SYN-ACK of a
 * connection between two sites' hosts arrive with an MSS that lets a full segment, framed, fit one tunnel
 * message (1440 - 14 - 20 - 20 over IPv4, 1440 - 14 - 40 - 20 over IPv6, 4 less behind an 802.1Q tag),
 * with a valid TCP checksum, and the sites count it.
 */
class MssClampTest {
    private static final int MAX_FRAME = 1440;
    private static final int PORT = 5003;
    private static final String HOST_A_LINK_LOCAL = "fe80::a";
    private static final String HOST_B_LINK_LOCAL = "fe80::b";
    private static final int VLAN = 100;

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
        buildTwoSites();
        startBoth();
    }

    private void buildTwoSites() throws Exception {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("tcpdump", "tcpdump");
        Privileges.requireCommand("nc", "netcat-openbsd");
        bed = new Testbed(dir, "mss");
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        // Link-local only (the LAN is one segment), fixed and without duplicate detection so they work at once.
        bed.site("a").host().run("ip", "addr", "add", HOST_A_LINK_LOCAL + "/64", "dev", "eth0", "nodad");
        bed.site("b").host().run("ip", "addr", "add", HOST_B_LINK_LOCAL + "/64", "dev", "eth0", "nodad");
        bed.writeMeshConfigs("udp");
    }

    private void startBoth() throws Exception {
        bed.start("a");
        bed.start("b");
        bed.awaitMeshUp(40);
    }

    private void expectMaxFrames(int fromA, int fromB) {
        assertEquals(fromA, bed.peers("a").get(0).get("max-frame").asInt(), bed.peers("a").toString());
        assertEquals(fromB, bed.peers("b").get(0).get("max-frame").asInt(), bed.peers("b").toString());
    }

    @Test
    void anIpv6TransferCrossesWholeWithNoFragmentOnTheWan() throws Exception {
        buildTwoSites();
        Transfers.Payload payload = Transfers.randomFile(dir.resolve("payload6.bin"), 20, 42);
        try (WanFragments fragments = WanFragments.start(bed, dir.resolve("fragments6.pcap"), 120)) {
            startBoth();
            Transfers.Outcome outcome = Transfers.tcp(bed, "a", "b", HOST_B_LINK_LOCAL + "%eth0", payload, 5006, 60);
            assertEquals("", outcome.senderErrors(), bed.describe());
            assertEquals(payload.sha256(), outcome.receivedSha256(), "sha256 of what host b received\n"
                    + bed.describe());
            fragments.sendControlPing();
            WanFragments.Count count = fragments.stop();
            assertTrue(count.control() >= 2, "the capture must see the control ping's fragments: " + count);
            assertEquals(0, count.tunnel(), "IP fragments of tunnel traffic on the WAN: " + count);
            System.out.printf("IPv6 inner TCP: 20 MiB in %.2f s, 0 WAN fragments%n", outcome.seconds());
        }
    }

    @Test
    void clampsTheMssOfAnIpv4SynAndItsSynAckTo1386() throws Exception {
        twoSites();
        expectMaxFrames(MAX_FRAME, MAX_FRAME);
        // Host stacks announce 1500 - 20 - 20; a full segment would make a 1514-byte frame.
        checkHandshakeClamped(bed.site("b").hostIp(), false, 1460, MAX_FRAME - 14 - 20 - 20);
    }

    @Test
    void clampsTheMssOfAnIpv6LinkLocalSynAndItsSynAckTo1366() throws Exception {
        twoSites();
        expectMaxFrames(MAX_FRAME, MAX_FRAME);
        checkHandshakeClamped(HOST_B_LINK_LOCAL + "%eth0", true, 1440, MAX_FRAME - 14 - 40 - 20);
    }

    @Test
    void clampsASynComingInFromAPeerToWhatTheLinkBackToThatPeerCarries() throws Exception {
        buildTwoSites();
        // Site b reaches site a over a 1380-byte path (max-frame 1320); site a reaches b over 1500 (1440).
        Path configB = bed.site("b").config();
        String peerA = "[[peer]]\nname = \"a\"\n";
        Files.writeString(configB, Files.readString(configB).replace(peerA, peerA + "mtu = 1380\n"));
        startBoth();
        expectMaxFrames(MAX_FRAME, 1320);
        long clampedAtBBefore = bed.stats("b").get("mtu").get("mss-clamped").asLong();
        // Site a lowers the SYN to 1386 on its way out; site b lowers it again on its way in, so that host b
        // never sends segments its link back to a cannot carry whole: 1320 - 14 - 20 - 20 = 1266 both ways.
        checkHandshakeClamped(bed.site("b").hostIp(), false, 1460, 1320 - 14 - 20 - 20);
        long clampedAtB = bed.stats("b").get("mtu").get("mss-clamped").asLong() - clampedAtBBefore;
        assertTrue(clampedAtB >= 2, "site b clamps the SYN coming in and the SYN-ACK going out: +" + clampedAtB);
    }

    /**
     * Host a connects to host b at {@code address} and sends a line; captures on both hosts show the SYN
     * and SYN-ACK leaving with {@code hostMss} and arriving with {@code clampedMss}.
     */
    private void checkHandshakeClamped(String address, boolean ipv6, int hostMss, int clampedMss) throws Exception {
        Testbed.Site a = bed.site("a");
        Testbed.Site b = bed.site("b");
        long clampedBefore = clampedOnBothSites();
        Path received = dir.resolve("received.txt");
        String family = ipv6 ? "-6 " : "-4 ";
        String filter = "tcp port " + PORT;
        PcapCapture atA = PcapCapture.start(a.host(), "eth0", dir.resolve("a.pcap"), 60, filter);
        PcapCapture atB = PcapCapture.start(b.host(), "eth0", dir.resolve("b.pcap"), 60, filter);
        Process sink = new ProcessBuilder(b.host().inside("sh", "-c", "timeout 20 nc " + family + "-l -p " + PORT
                + " > " + received)).start();
        try {
            Transfers.awaitListening(b.host(), "-t", PORT, 10);
            Shell.Result send = a.host().exec(30, "sh", "-c", "echo mss-clamp-check | timeout 15 nc " + family
                    + "-N " + address + " " + PORT);
            assertEquals(0, send.exitCode(), "nc on host a: " + send.stderr() + "\n" + bed.describe());
            assertTrue(sink.waitFor(20, TimeUnit.SECONDS), "the receiver did not finish");
        } finally {
            sink.destroyForcibly();
            atA.stop();
            atB.stop();
        }
        assertEquals("mss-clamp-check", Files.readString(received).trim(), "what host b received");

        RawFrames.Tcp synSent = first(atA.frames(), t -> t.isSyn() && !t.isSynAck(), "SYN leaving host a");
        RawFrames.Tcp synArrived = first(atB.frames(), t -> t.isSyn() && !t.isSynAck(), "SYN arriving at host b");
        RawFrames.Tcp synAckSent = first(atB.frames(), RawFrames.Tcp::isSynAck, "SYN-ACK leaving host b");
        RawFrames.Tcp synAckArrived = first(atA.frames(), RawFrames.Tcp::isSynAck, "SYN-ACK arriving at host a");
        assertEquals(ipv6 ? 6 : 4, synArrived.ip().version());
        // The controls: what the hosts' own stacks put in, so the clamp is the bridge's doing.
        assertEquals(hostMss, synSent.mss(), "MSS host a sent");
        assertEquals(hostMss, synAckSent.mss(), "MSS host b sent");
        assertEquals(clampedMss, synArrived.mss(), "MSS of the SYN host b got");
        assertEquals(clampedMss, synAckArrived.mss(), "MSS of the SYN-ACK host a got");
        assertTrue(synArrived.checksumValid(), "TCP checksum of the clamped SYN");
        assertTrue(synAckArrived.checksumValid(), "TCP checksum of the clamped SYN-ACK");
        long clamped = clampedOnBothSites() - clampedBefore;
        assertTrue(clamped >= 2, "mtu.mss-clamped grew by " + clamped + " over both sites");
        System.out.println("IPv" + (ipv6 ? 6 : 4) + " handshake: MSS " + hostMss + " -> " + clampedMss
                + " both ways, mss-clamped +" + clamped);
    }

    @Test
    void clampsTheMssOfTaggedSynsTo1382ForIpv4And1362ForIpv6WithValidChecksums() throws Exception {
        Privileges.requireCommand("python3", "python3");
        twoSites();
        expectMaxFrames(MAX_FRAME, MAX_FRAME);
        Testbed.Site a = bed.site("a");
        Testbed.Site b = bed.site("b");
        // Host b's MAC is then known behind site b; the tagged frames go to it.
        assertEquals(3, bed.ping("a", "b", 3, 0.2), bed.describe());
        byte[] macA = RawFrames.mac(TwoSiteBridgeTest.macOf(a.host()));
        byte[] macB = RawFrames.mac(TwoSiteBridgeTest.macOf(b.host()));
        byte[] v4 = RawFrames.taggedSyn(macB, macA, VLAN, InetAddress.getByName(a.hostIp()),
                InetAddress.getByName(b.hostIp()), 40001, 5010, 1460);
        byte[] v6 = RawFrames.taggedSyn(macB, macA, VLAN, InetAddress.getByName(HOST_A_LINK_LOCAL),
                InetAddress.getByName(HOST_B_LINK_LOCAL), 40002, 5011, 1460);
        // Our own builder must be right, or the checksum check below proves nothing.
        assertTrue(RawFrames.tcp(v4).checksumValid() && RawFrames.tcp(v6).checksumValid());
        assertEquals(1460, RawFrames.tcp(v4).mss());
        Path v4File = dir.resolve("syn4.bin");
        Path v6File = dir.resolve("syn6.bin");
        Files.write(v4File, v4);
        Files.write(v6File, v6);
        long clampedBefore = clampedOnBothSites();

        PcapCapture atB = PcapCapture.start(b.host(), "eth0", dir.resolve("tagged.pcap"), 60, "vlan " + VLAN);
        List<byte[]> captured;
        try {
            RawFrames.send(a.host(), "eth0", v4File, v6File);
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (atB.frames().size() < 2 && System.nanoTime() < deadlineNs) {
                Thread.sleep(100);
            }
        } finally {
            atB.stop();
        }
        captured = atB.frames();
        checkTaggedClamp(v4, captured, MAX_FRAME - 18 - 20 - 20);
        checkTaggedClamp(v6, captured, MAX_FRAME - 18 - 40 - 20);
        long clamped = clampedOnBothSites() - clampedBefore;
        assertTrue(clamped >= 2, "mtu.mss-clamped grew by " + clamped + " over both sites");
    }

    /** The injected frame arrived with the expected MSS, a valid checksum, and every other byte unchanged. */
    private static void checkTaggedClamp(byte[] injected, List<byte[]> captured, int expectedMss) {
        RawFrames.Tcp sent = RawFrames.tcp(injected);
        byte[] arrived = null;
        for (byte[] f : captured) {
            RawFrames.Tcp t = RawFrames.tcp(f);
            if (t != null && t.sourcePort() == sent.sourcePort()) {
                arrived = f;
            }
        }
        String what = "tagged IPv" + sent.ip().version() + " SYN";
        assertNotNull(arrived, what + " never reached host b (" + captured.size() + " tagged frames captured)");
        assertEquals(VLAN, RawFrames.vlanId(arrived), what + ": VLAN tag");
        RawFrames.Tcp got = RawFrames.tcp(arrived);
        assertEquals(expectedMss, got.mss(), what + ": MSS");
        assertTrue(got.checksumValid(), what + ": TCP checksum after the clamp");
        assertEquals(injected.length, arrived.length, what + ": length");
        // Only the MSS value and the TCP checksum may differ.
        int checksumOffset = sent.ip().payloadOffset() + 16;
        byte[] expected = injected.clone();
        byte[] actual = arrived.clone();
        for (int at : new int[] {sent.mssOffset(), sent.mssOffset() + 1, checksumOffset, checksumOffset + 1}) {
            expected[at] = 0;
            actual[at] = 0;
        }
        assertArrayEquals(expected, actual, what + ": bytes other than MSS and checksum changed");
        System.out.println(what + " (VLAN " + VLAN + "): MSS " + sent.mss() + " -> " + got.mss() + ", checksum "
                + "valid, nothing else changed");
    }

    private long clampedOnBothSites() {
        return bed.stats("a").get("mtu").get("mss-clamped").asLong()
                + bed.stats("b").get("mtu").get("mss-clamped").asLong();
    }

    private static RawFrames.Tcp first(List<byte[]> frames, Predicate<RawFrames.Tcp> wanted, String what) {
        for (byte[] f : frames) {
            RawFrames.Tcp t = RawFrames.tcp(f);
            if (t != null && wanted.test(t)) {
                return t;
            }
        }
        throw new AssertionError("no " + what + " among " + frames.size() + " captured frames");
    }
}
