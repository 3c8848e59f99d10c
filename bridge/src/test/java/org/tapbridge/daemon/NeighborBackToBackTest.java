package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.fakes.FakePlatform;
import org.tapbridge.fakes.MemoryNetwork;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.PeerLink;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.tap.InMemoryTapDevice;
import org.tapbridge.testing.TestKeys;

/** ARP suppression through the whole data path of two daemons in one JVM, with fake TAPs and network. */
class NeighborBackToBackTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long HOST_A = MacAddress.parse("02:00:00:00:0a:01");
    private static final long HOST_B = MacAddress.parse("02:00:00:00:0b:01");
    private static final int IP_A = 0xC000_020A;
    private static final int IP_B = 0xC000_020B;
    private static final InetSocketAddress WAN_A = MemoryNetwork.address("198.18.0.1", 4790);
    private static final InetSocketAddress WAN_B = MemoryNetwork.address("198.18.0.2", 4790);
    private static final LinkTimers FAST = new LinkTimers(TimeUnit.MILLISECONDS.toNanos(200),
            TimeUnit.MILLISECONDS.toNanos(800), TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.MILLISECONDS.toNanos(400));
    private static final TestKeys KEYS_A = TestKeys.generate();
    private static final TestKeys KEYS_B = TestKeys.generate();

    @TempDir
    Path dir;

    private final MemoryNetwork network = new MemoryNetwork();
    private final InMemoryTapDevice tapA = new InMemoryTapDevice("tapa", 1500, 1024);
    private final InMemoryTapDevice tapB = new InMemoryTapDevice("tapb", 1500, 1024);
    private Daemon siteA;
    private Daemon siteB;

    private void start(boolean suppression) throws Exception {
        SwitchSettings settings = SwitchSettings.builder().arpSuppression(suppression).build();
        siteA = Daemon.start(site("a", "tapa", WAN_A, "b", WAN_B, KEYS_B, settings), keys(KEYS_A, "b", KEYS_B),
                new FakePlatform(network, tapA), FAST, true);
        siteB = Daemon.start(site("b", "tapb", WAN_B, "a", WAN_A, KEYS_A, settings), keys(KEYS_B, "a", KEYS_A),
                new FakePlatform(network, tapB), FAST, true);
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

    private SiteConfig site(String name, String tap, InetSocketAddress listen, String peer, InetSocketAddress endpoint,
                            TestKeys peerKeys, SwitchSettings settings) {
        return new SiteConfig(dir.resolve(name + ".toml"), name, tap, 0, listen, dir.resolve(name + ".sock"),
                dir.resolve(name + ".key"), settings,
                List.of(new PeerConfig(peer, endpoint, Transport.UDP, peerKeys.publicBase64(), null, false)), List.of());
    }

    private static LinkSecurity keys(TestKeys own, String peer, TestKeys peerKeys) {
        return new LinkSecurity(own.privateKey(), Map.of(peer, peerKeys.publicKey()), Map.of(),
                SessionSettings.defaults());
    }

    private static void awaitUp(Daemon daemon, String peer) throws InterruptedException {
        PeerLink p = daemon.peers().byName(peer);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!p.isUp()) {
            assertTrue(System.nanoTime() < deadline, "peer " + peer + " did not come up");
            Thread.sleep(20);
        }
    }

    private static byte[] arp(long ethDestination, long ethSource, int operation, long senderMac, int senderIp,
                              long targetMac, int targetIp) {
        ByteBuffer b = ByteBuffer.allocate(60);
        b.put(mac(ethDestination)).put(mac(ethSource)).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) operation);
        b.put(mac(senderMac)).putInt(senderIp).put(mac(targetMac)).putInt(targetIp);
        return b.array();
    }

    private static byte[] mac(long mac) {
        byte[] bytes = new byte[6];
        for (int i = 0; i < 6; i++) {
            bytes[i] = (byte) (mac >>> (40 - 8 * i));
        }
        return bytes;
    }

    @Test
    void anArpRequestForAHostAtTheOtherSiteIsAnsweredOnTheTapAndNeverSentToThePeer() throws Exception {
        start(true);
        // Host B announces itself; site a learns it from the frame that crossed.
        byte[] announcement = arp(MacAddress.BROADCAST, HOST_B, 1, HOST_B, IP_B, 0, IP_B);
        tapB.inject(announcement);
        assertArrayEquals(announcement, tapA.takeWritten(2000));

        tapA.inject(arp(MacAddress.BROADCAST, HOST_A, 1, HOST_A, IP_A, 0, IP_B));
        assertArrayEquals(arp(HOST_A, HOST_B, 2, HOST_B, IP_B, HOST_A, IP_A), tapA.takeWritten(2000));
        assertNull(tapB.takeWritten(300), "the request crossed to site b");

        SiteReports reports = new SiteReports(siteA);
        JsonNode rows = JSON.readTree(reports.neighbors(true));
        // The asker is bound too, on the local port.
        assertEquals(2, rows.size(), rows.toString());
        assertEquals("192.0.2.10", rows.get(0).get("ip").asText());
        assertEquals("local", rows.get(0).get("port").asText());
        assertEquals("192.0.2.11", rows.get(1).get("ip").asText());
        assertEquals("02:00:00:00:0b:01", rows.get(1).get("mac").asText());
        assertEquals("b", rows.get(1).get("port").asText());
        assertEquals("reachable", rows.get(1).get("state").asText());
        JsonNode stats = JSON.readTree(reports.stats(true)).get("neighbors");
        assertEquals(1, stats.get("arp-answered").asLong(), stats.toString());
        assertEquals(2, stats.get("bindings").asLong(), stats.toString());
        assertTrue(reports.stats(false).contains("neighbors: bindings=2"), reports.stats(false));
    }

    @Test
    void aPeerThatGoesDownTakesItsBindingsWithIt() throws Exception {
        start(true);
        tapB.inject(arp(MacAddress.BROADCAST, HOST_B, 1, HOST_B, IP_B, 0, IP_B));
        tapA.takeWritten(2000);
        SiteReports reports = new SiteReports(siteA);
        assertEquals(1, JSON.readTree(reports.neighbors(true)).size());
        siteB.close();
        siteB = null;
        PeerLink b = siteA.peers().byName("b");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (b.isUp()) {
            assertTrue(System.nanoTime() < deadline, "peer b never went down");
            Thread.sleep(20);
        }
        assertEquals(0, JSON.readTree(reports.neighbors(true)).size());
        // A request for B now floods (to nobody) instead of being answered for a host out of reach.
        tapA.inject(arp(MacAddress.BROADCAST, HOST_A, 1, HOST_A, IP_A, 0, IP_B));
        assertNull(tapA.takeWritten(300));
    }

    @Test
    void withSuppressionOffRequestsCrossAndNeighborsSaysHowToTurnItOn() throws Exception {
        start(false);
        tapB.inject(arp(MacAddress.BROADCAST, HOST_B, 1, HOST_B, IP_B, 0, IP_B));
        tapA.takeWritten(2000);
        byte[] request = arp(MacAddress.BROADCAST, HOST_A, 1, HOST_A, IP_A, 0, IP_B);
        tapA.inject(request);
        assertArrayEquals(request, tapB.takeWritten(2000));
        SiteReports reports = new SiteReports(siteA);
        IllegalArgumentException off = assertThrows(IllegalArgumentException.class, () -> reports.neighbors(false));
        assertTrue(off.getMessage().contains("arp-suppression = true"), off.getMessage());
        assertTrue(!reports.stats(true).contains("\"neighbors\""));
    }
}
