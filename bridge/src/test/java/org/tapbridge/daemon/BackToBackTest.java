package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.fakes.FakePlatform;
import org.tapbridge.tap.InMemoryTapDevice;
import org.tapbridge.fakes.Frames;
import org.tapbridge.fakes.MemoryNetwork;
import org.tapbridge.drops.DropReason;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.PeerLink;
import org.tapbridge.switching.MacTableEntry;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.testing.TestKeys;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.crypto.WireFormat;

/** Two whole daemons in one JVM, joined by an in-memory UDP network, with fake TAPs on both ends. */
class BackToBackTest {
    private static final long HOST_A = MacAddress.parse("02:00:00:00:0a:01");
    private static final long HOST_B = MacAddress.parse("02:00:00:00:0b:01");
    private static final InetSocketAddress WAN_A = MemoryNetwork.address("198.18.0.1", 4790);
    private static final InetSocketAddress WAN_B = MemoryNetwork.address("198.18.0.2", 4790);
    /** Short timers so that a dead peer is noticed within the test's patience. */
    private static final LinkTimers FAST = new LinkTimers(TimeUnit.MILLISECONDS.toNanos(200),
            TimeUnit.MILLISECONDS.toNanos(800), TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.MILLISECONDS.toNanos(400));

    @TempDir
    Path dir;

    private static final TestKeys KEYS_A = TestKeys.generate();
    private static final TestKeys KEYS_B = TestKeys.generate();

    private final MemoryNetwork network = new MemoryNetwork();
    private final InMemoryTapDevice tapA = new InMemoryTapDevice("tapa", 1500, 1024);
    private final InMemoryTapDevice tapB = new InMemoryTapDevice("tapb", 1500, 1024);
    private Daemon siteA;
    private Daemon siteB;

    @BeforeEach
    void startBothSites() throws Exception {
        siteA = startA();
        siteB = startB(tapB);
        awaitUp(siteA, "b");
        awaitUp(siteB, "a");
    }

    @AfterEach
    void stopBothSites() {
        if (siteA != null) {
            siteA.close();
        }
        if (siteB != null) {
            siteB.close();
        }
    }

    private Daemon startA() throws Exception {
        return Daemon.start(site("a", "tapa", WAN_A, "b", WAN_B, KEYS_B), keys(KEYS_A, "b", KEYS_B),
                new FakePlatform(network, tapA), FAST, true);
    }

    private Daemon startB(InMemoryTapDevice tap) throws Exception {
        return Daemon.start(site("b", "tapb", WAN_B, "a", WAN_A, KEYS_A), keys(KEYS_B, "a", KEYS_A),
                new FakePlatform(network, tap), FAST, true);
    }

    private SiteConfig site(String name, String tap, InetSocketAddress listen, String peer, InetSocketAddress endpoint,
                            TestKeys peerKeys) {
        return new SiteConfig(dir.resolve(name + ".toml"), name, tap, 0, listen, dir.resolve(name + ".sock"),
                dir.resolve(name + ".key"), SwitchSettings.defaults(),
                List.of(new PeerConfig(peer, endpoint, Transport.UDP, peerKeys.publicBase64(), null, false)), List.of());
    }

    private static LinkSecurity keys(TestKeys own, String peer, TestKeys peerKeys) {
        return new LinkSecurity(own.privateKey(), Map.of(peer, peerKeys.publicKey()), Map.of(),
                SessionSettings.defaults());
    }

    private static void awaitUp(Daemon daemon, String peer) throws InterruptedException {
        PeerLink p = daemon.peers().byName(peer);
        for (int i = 0; i < 100 && !p.isUp(); i++) {
            Thread.sleep(20);
        }
        assertTrue(p.isUp(), "peer " + peer + " did not come up");
    }

    @Test
    void broadcastFromOneLanReachesTheOtherAndNotItsOwn() throws Exception {
        byte[] frame = Frames.ethernet(MacAddress.BROADCAST, HOST_A, "who-has".getBytes());
        tapA.inject(frame);

        assertArrayEquals(frame, tapB.takeWritten(2000));
        assertNull(tapA.takeWritten(200), "a flood must never go back to the port it came from");
    }

    @Test
    void unicastReplyGoesStraightBackAndBothSitesLearnWhereHostsAre() throws Exception {
        tapA.inject(Frames.ethernet(MacAddress.BROADCAST, HOST_A, "who-has".getBytes()));
        assertNotNull(tapB.takeWritten(2000));
        byte[] reply = Frames.ethernet(HOST_A, HOST_B, "is-at".getBytes());
        tapB.inject(reply);

        assertArrayEquals(reply, tapA.takeWritten(2000));
        MacTableEntry atA = entry(siteA, HOST_B);
        assertEquals(siteA.peers().byName("b").port(), atA.port(), "site a learns host B behind peer b");
        MacTableEntry atB = entry(siteB, HOST_A);
        assertEquals(siteB.peers().byName("a").port(), atB.port(), "site b learns host A behind peer a");
    }

    @Test
    void macsReportNamesThePeerBehindWhichAHostSits() throws Exception {
        tapB.inject(Frames.ethernet(MacAddress.BROADCAST, HOST_B, "hello".getBytes()));
        assertNotNull(tapA.takeWritten(2000));

        String json = new SiteReports(siteA).macs(true);
        assertTrue(json.contains("\"mac\" : \"02:00:00:00:0b:01\""), json);
        assertTrue(json.contains("\"port\" : \"b\""), json);
        String table = new SiteReports(siteA).macs(false);
        assertTrue(table.lines().anyMatch(l -> l.contains("02:00:00:00:0b:01") && l.contains(" b ")), table);
    }

    @Test
    void garbageDatagramsAreCountedAndTrafficKeepsFlowing() throws Exception {
        // Both sites start a handshake at once; data sealed under the session that loses the race can still
        // arrive and count as an unknown index. Frames both ways settle that before the garbage is counted.
        byte[] warm = Frames.ethernet(MacAddress.BROADCAST, HOST_A, "settle".getBytes());
        tapA.inject(warm);
        assertArrayEquals(warm, tapB.takeWritten(2000));
        byte[] warmBack = Frames.ethernet(MacAddress.BROADCAST, HOST_B, "settled".getBytes());
        tapB.inject(warmBack);
        assertArrayEquals(warmBack, tapA.takeWritten(2000));
        long unknownIndexBefore = siteA.links().cryptoCounters().drops(DropReason.UNKNOWN_INDEX);
        long malformedBefore = siteA.links().cryptoCounters().drops(DropReason.MALFORMED_MESSAGE);

        InetSocketAddress stranger = MemoryNetwork.address("198.18.0.9", 5555);
        network.deliver(stranger, WAN_A, new byte[] {1});
        network.deliver(stranger, WAN_A, new byte[] {9, 3, 0, 0, 1, 2, 3});
        network.deliver(stranger, WAN_A, new byte[] {WireFormat.VERSION, 0x7f, 0, 0});
        byte[] forgedData = new byte[64];
        forgedData[0] = WireFormat.VERSION;
        forgedData[1] = 3;
        network.deliver(stranger, WAN_A, forgedData);
        byte[] shortInitiation = {WireFormat.VERSION, 1, 0, 0, 5, 6, 7};
        network.deliver(stranger, WAN_A, shortInitiation);

        byte[] frame = Frames.ethernet(MacAddress.BROADCAST, HOST_B, "still-here".getBytes());
        tapB.inject(frame);
        assertArrayEquals(frame, tapA.takeWritten(2000));
        var drops = siteA.links().counters();
        assertEquals(1, drops.drops(DropReason.TRUNCATED));
        assertEquals(1, drops.drops(DropReason.BAD_VERSION));
        assertEquals(1, drops.drops(DropReason.BAD_TYPE));
        var crypto = siteA.links().cryptoCounters();
        assertEquals(unknownIndexBefore + 1, crypto.drops(DropReason.UNKNOWN_INDEX), crypto.toString());
        assertEquals(malformedBefore + 1, crypto.drops(DropReason.MALFORMED_MESSAGE), crypto.toString());
    }

    @Test
    void aSiteWithAnotherKeyGetsNoFrameThrough() throws Exception {
        InetSocketAddress impostorAddress = MemoryNetwork.address("198.18.0.3", 4790);
        TestKeys impostorKeys = TestKeys.generate();
        InMemoryTapDevice impostorTap = new InMemoryTapDevice("tapc", 1500, 1024);
        // The impostor claims to be site b (same name, a's real endpoint) but holds its own key.
        SiteConfig impostorSite = site("b", "tapc", impostorAddress, "a", WAN_A, KEYS_A);
        try (Daemon impostor = Daemon.start(impostorSite, keys(impostorKeys, "a", KEYS_A),
                new FakePlatform(network, impostorTap), FAST, false)) {
            Thread.sleep(500);
            impostorTap.inject(Frames.ethernet(MacAddress.BROADCAST, HOST_B, "let me in".getBytes()));
            assertNull(tapA.takeWritten(500), "a frame from a site holding an unknown key reached the LAN");
            assertFalse(impostor.peers().byName("a").isUp());
            assertTrue(siteA.links().cryptoCounters().drops(DropReason.UNKNOWN_KEY) >= 1);
        }
    }

    @Test
    void aSilentPeerIsDeclaredDownAndItsMacsAreForgotten() throws Exception {
        tapB.inject(Frames.ethernet(MacAddress.BROADCAST, HOST_B, "hello".getBytes()));
        assertNotNull(tapA.takeWritten(2000));
        assertNotNull(entry(siteA, HOST_B));

        siteB.close();
        siteB = null;
        PeerLink b = siteA.peers().byName("b");
        for (int i = 0; i < 150 && b.isUp(); i++) {
            Thread.sleep(20);
        }
        assertTrue(!b.isUp(), "peer b is still up 3 s after it stopped");
        Thread.sleep(100);
        assertNull(entry(siteA, HOST_B), "MACs behind a dead peer must flood again, not vanish into its port");
    }

    @Test
    void aRestartedPeerIsFoundAgainAndTrafficResumes() throws Exception {
        siteB.close();
        InMemoryTapDevice reopened = new InMemoryTapDevice("tapb", 1500, 1024);
        siteB = startB(reopened);
        awaitUp(siteB, "a");
        byte[] frame = Frames.ethernet(MacAddress.BROADCAST, HOST_B, "back".getBytes());
        reopened.inject(frame);
        assertArrayEquals(frame, tapA.takeWritten(2000));
    }

    private static MacTableEntry entry(Daemon daemon, long mac) throws Exception {
        List<MacTableEntry> dump = daemon.onLoop(d -> d.forwarder().learningSwitch().dump(System.nanoTime()));
        return dump.stream().filter(e -> e.mac() == mac).findFirst().orElse(null);
    }
}
