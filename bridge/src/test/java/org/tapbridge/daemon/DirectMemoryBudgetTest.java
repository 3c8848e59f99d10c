package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.fakes.FakePlatform;
import org.tapbridge.fakes.MemoryNetwork;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.tap.InMemoryTapDevice;
import org.tapbridge.testing.TestKeys;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.tap.TapDevice;
import org.tapbridge.tap.VnetHeader;

/**
 * Issue 11, defect 6: the direct memory a site allocates, worked out before any of it is, and checked
 * against the JVM's limit. The figures are worked by hand from the slot layout: a slot is a 16-byte message
 * header, the largest read, a 16-byte tag and one byte, rounded up to 64.
 */
class DirectMemoryBudgetTest {
    @TempDir
    Path dir;

    private static final long MIB = 1 << 20;
    private static final InetSocketAddress WAN = MemoryNetwork.address("198.18.0.1", 4790);
    private static final TestKeys PEER_ONE = TestKeys.generate();
    private static final TestKeys PEER_TWO = TestKeys.generate();
    private static final int PLAIN = 0;
    private static final int VNET = 12;

    private static SiteConfig site(int udpPeers, int tcpPeers, SwitchSettings switching) {
        List<PeerConfig> peers = new ArrayList<>();
        for (int i = 0; i < udpPeers + tcpPeers; i++) {
            peers.add(new PeerConfig("p" + i, new InetSocketAddress("198.18.0." + (i + 2), 4790),
                    i < udpPeers ? Transport.UDP : Transport.TCP, "unused", null, false));
        }
        return new SiteConfig(Path.of("/etc/tapbridge/t.toml"), "t", "tap0", 0, null, null, null, switching, peers,
                List.of());
    }

    private static SiteConfig site(int udpPeers, int tcpPeers) {
        return site(udpPeers, tcpPeers, SwitchSettings.defaults());
    }

    private static DirectMemoryBudget plain(int mtu) {
        return DirectMemoryBudget.forSite(site(0, 0), mtu, PLAIN, mtu + TapDevice.FRAME_HEADROOM, false);
    }

    /** What a Linux TAP with segmentation offloads asks for, whatever its MTU (LinuxTapDevice). */
    private static DirectMemoryBudget offloaded(SiteConfig site, int mtu, boolean control) {
        return DirectMemoryBudget.forSite(site, mtu, VNET, VNET + VnetHeader.MAX_SUPER_FRAME_BYTES, control);
    }

    @Test
    void anMtu1500SiteHasA400KilobyteRingOf1600ByteSlots() {
        DirectMemoryBudget b = plain(1500);
        assertEquals(1522, b.maxFrame());
        assertEquals(1522, b.largestRead());
        assertEquals(256L * 1600, b.bytesOf("frame ring"));
        assertEquals(256L * (32 + 1522), b.bytesOf("UDP send batch"));
        assertEquals(0, b.bytesOf("TAP offload"));
        // Ring, send batch, MTU guard, TCP listener and the small buffers: under 2 MiB in all.
        assertTrue(b.totalBytes() > MIB && b.totalBytes() < 2 * MIB, b.toString());
    }

    @Test
    void anMtu9000SiteHasRingSlotsOf9088Bytes() {
        DirectMemoryBudget b = plain(9000);
        assertEquals(9022, b.largestRead());
        assertEquals(256L * 9088, b.bytesOf("frame ring"));
        assertEquals(256L * (32 + 9022), b.bytesOf("UDP send batch"));
        assertTrue(b.totalBytes() > 5 * MIB && b.totalBytes() < 6 * MIB, b.toString());
    }

    @Test
    void withOffloadsEveryRingSlotHoldsASuperFrameWhateverTheMtu() {
        DirectMemoryBudget b = offloaded(site(0, 0), 1500, false);
        assertEquals(1522, b.maxFrame());
        assertEquals(65553, b.largestRead());
        assertEquals(256L * 65600, b.bytesOf("frame ring"));
        // TapPort's vnet scratch for the largest MTU, the TCP coalescer's frame, the cutter's segment.
        assertEquals((12 + 65022) + (12 + 65597) + (16 + 1522 + 16), b.bytesOf("TAP offload"));
        assertEquals(256L * (32 + 1522), b.bytesOf("UDP send batch"), "sends are cut to the MTU");
        assertTrue(b.totalBytes() > 17 * MIB && b.totalBytes() < 19 * MIB, b.toString());
    }

    @Test
    void eachPeerAddsItsOwnBuffersAndATcpPeerItsStreamBuffers() {
        DirectMemoryBudget b = DirectMemoryBudget.forSite(site(2, 3), 1500, PLAIN, 1518, false);
        assertEquals(2L * (65535 + 4 * 1522), b.bytesOf("2 UDP peer"));
        assertEquals(3L * (2 + 65535 + 512 * 1024), b.bytesOf("3 TCP peer"));
        assertEquals(b.totalBytes() - plain(1500).totalBytes(), b.bytesOf("2 UDP peer") + b.bytesOf("3 TCP peer"));
    }

    @Test
    void theControlSocketBudgetsItsLongestAnswerFromTheMacTableLimit() {
        DirectMemoryBudget defaults = DirectMemoryBudget.forSite(site(0, 0), 1500, PLAIN, 1518, true);
        assertEquals(16384L * 256, defaults.bytesOf("control socket"));
        SwitchSettings big = SwitchSettings.builder().macTableLimit(1 << 20).build();
        DirectMemoryBudget large = DirectMemoryBudget.forSite(site(0, 0, big), 1500, PLAIN, 1518, true);
        assertEquals(256 * MIB, large.bytesOf("control socket"));
    }

    /**
     * The budget against the JVM's own count of direct memory around a site's start: every large part is
     * really allocated, and nothing large is left out (the small-buffers allowance is the only slack).
     */
    @Test
    void coversWhatAStartedSiteReallyAllocates() throws Exception {
        SiteConfig config = new SiteConfig(dir.resolve("m.toml"), "m", "tapm", 0, WAN, dir.resolve("m.sock"),
                dir.resolve("m.key"), SwitchSettings.defaults(),
                List.of(new PeerConfig("p1", MemoryNetwork.address("198.18.0.2", 4790), Transport.UDP,
                                PEER_ONE.publicBase64(), null, false),
                        new PeerConfig("p2", MemoryNetwork.address("198.18.0.3", 4790), Transport.UDP,
                                PEER_TWO.publicBase64(), null, false)), List.of());
        LinkSecurity keys = new LinkSecurity(TestKeys.generate().privateKey(),
                Map.of("p1", PEER_ONE.publicKey(), "p2", PEER_TWO.publicKey()), Map.of(), SessionSettings.defaults());
        InMemoryTapDevice tap = new InMemoryTapDevice("tapm", 9000, 64);
        DirectMemoryBudget budget = DirectMemoryBudget.forSite(config, 9000, 0, tap.minimumReadCapacity(), false);
        long before = settledDirectBytes();
        try (Daemon site = Daemon.start(config, keys, new FakePlatform(new MemoryNetwork(), tap),
                LinkTimers.defaults(), false)) {
            long allocated = directBytes() - before;
            System.out.printf("direct memory of an MTU 9000 site with 2 UDP peers: allocated %d B, budget %d B%n",
                    allocated, budget.totalBytes());
            long large = budget.bytesOf("frame ring") + budget.bytesOf("UDP send batch") + budget.bytesOf("2 UDP peer");
            assertTrue(allocated >= large, "allocated " + allocated + " B, budget " + budget);
            assertTrue(allocated <= budget.totalBytes() - DirectMemoryBudget.SMALL_BUFFERS_BYTES + 64 * 1024,
                    "allocated " + allocated + " B, more than the budget lists: " + budget);
        }
    }

    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    /** After earlier tests' buffers have been collected and freed, so that they do not vanish mid-measurement. */
    private static long settledDirectBytes() throws InterruptedException {
        long last = -1;
        for (int i = 0; i < 20; i++) {
            System.gc();
            Thread.sleep(50);
            long now = directBytes();
            if (now == last) {
                return now;
            }
            last = now;
        }
        return last;
    }

    @Test
    void theDefaultSiteWithOffloadsFitsTheLaunchersLimitWithRoomForManyPeers() {
        DirectMemoryBudget b = offloaded(site(8, 100), 1500, true);
        assertDoesNotThrow(() -> b.requireWithin("t", 256 * MIB), b::toString);
    }

    @Test
    void aSiteAboveTheLimitIsRefusedWithTheSettingsToChange() {
        DirectMemoryBudget b = offloaded(site(1, 0), 1500, true);
        DirectMemoryException e = assertThrows(DirectMemoryException.class, () -> b.requireWithin("paris", 8 * MIB));
        String m = e.getMessage();
        assertTrue(m.startsWith("site paris needs 21.6 MiB of direct memory ("), m);
        assertTrue(m.contains("frame ring (256 slots of 65600 B) 16.0 MiB"), m);
        assertTrue(m.contains("limit of 8.0 MiB (-XX:MaxDirectMemorySize)"), m);
        assertTrue(m.contains("TAPBRIDGE_DIRECT_MEMORY=64m"), m);
        assertTrue(m.contains("offloads = false"), m);
        assertDoesNotThrow(() -> b.requireWithin("paris", b.totalBytes()));
    }
}
