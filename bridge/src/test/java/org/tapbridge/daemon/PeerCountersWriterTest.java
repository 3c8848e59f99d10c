package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.fakes.FakePlatform;
import org.tapbridge.fakes.Frames;
import org.tapbridge.fakes.MemoryNetwork;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.PeerCounters;
import org.tapbridge.link.PeerLink;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.tap.InMemoryTapDevice;
import org.tapbridge.testing.TestKeys;

/**
 * Issue 11, defect 9: peer counters lost increments when two threads wrote them. In v2 the data-path thread
 * is their only writer while the control path reports; with assertions on, a write from any other thread
 * stops the loop (see {@link PeerCounters}), so this test fails if a second writer comes back.
 */
class PeerCountersWriterTest {
    private static final long HOST_A = MacAddress.parse("02:00:00:00:0a:01");
    private static final long HOST_B = MacAddress.parse("02:00:00:00:0b:01");
    private static final InetSocketAddress WAN_A = MemoryNetwork.address("198.18.0.1", 4790);
    private static final InetSocketAddress WAN_B = MemoryNetwork.address("198.18.0.2", 4790);
    private static final LinkTimers FAST = new LinkTimers(TimeUnit.MILLISECONDS.toNanos(200),
            TimeUnit.MILLISECONDS.toNanos(800), TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.MILLISECONDS.toNanos(400));
    private static final int FRAMES = 5000;

    @TempDir
    Path dir;

    @Test
    void peerCountersCountEveryFrameExactlyWhileTheControlPathReportsThem() throws Exception {
        TestKeys keysA = TestKeys.generate();
        TestKeys keysB = TestKeys.generate();
        MemoryNetwork network = new MemoryNetwork();
        InMemoryTapDevice tapA = new InMemoryTapDevice("tapa", 1500, 8192);
        InMemoryTapDevice tapB = new InMemoryTapDevice("tapb", 1500, 8192);
        try (Daemon a = Daemon.start(site("a", "tapa", WAN_A, "b", WAN_B, keysB), keys(keysA, "b", keysB),
                new FakePlatform(network, tapA), FAST, false);
             Daemon b = Daemon.start(site("b", "tapb", WAN_B, "a", WAN_A, keysA), keys(keysB, "a", keysA),
                new FakePlatform(network, tapB), FAST, false)) {
            PeerLink bAtA = a.peers().byName("b");
            PeerLink aAtB = b.peers().byName("a");
            for (int i = 0; i < 200 && !(bAtA.isUp() && aAtB.isUp()); i++) {
                Thread.sleep(20);
            }
            assertTrue(bAtA.isUp() && aAtB.isUp(), "the peers did not come up");

            AtomicBoolean reporting = new AtomicBoolean(true);
            AtomicLong reports = new AtomicLong();
            AtomicReference<Throwable> reportFailure = new AtomicReference<>();
            Thread control = new Thread(() -> {
                SiteReports reportsA = new SiteReports(a);
                SiteReports reportsB = new SiteReports(b);
                try {
                    while (reporting.get()) {
                        reportsA.peers(true);
                        reportsB.peers(false);
                        reportsA.stats(false);
                        reports.incrementAndGet();
                    }
                } catch (Throwable t) {
                    reportFailure.set(t);
                }
            }, "tbctl-control");
            control.start();
            // Unicast to a host site a has learnt behind b: no flood, storm control or unknown-unicast limit.
            tapB.inject(Frames.ethernet(MacAddress.BROADCAST, HOST_B, "here".getBytes()));
            assertTrue(tapA.takeWritten(2000) != null, "host B's announcement did not reach LAN a");
            byte[] frame = Frames.ethernet(HOST_B, HOST_A, new byte[100]);
            int delivered = 0;
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            // One frame in flight at a time: the counts must then be exact, nothing may drop for lack of room.
            while (delivered < FRAMES && System.nanoTime() < deadlineNs) {
                assertTrue(tapA.inject(frame));
                if (tapB.takeWritten(2000) == null) {
                    break;
                }
                delivered++;
            }
            reporting.set(false);
            control.join(5000);

            assertNull(reportFailure.get(), () -> "reports failed: " + reportFailure.get());
            assertTrue(reports.get() > 0, "the control path never reported during the run");
            assertNull(a.failure(), a.failure());
            assertNull(b.failure(), b.failure());
            assertEquals(FRAMES, delivered, "frames that reached LAN b");
            long tx = a.onLoop(d -> bAtA.counters().txFrames());
            long rx = b.onLoop(d -> aAtB.counters().rxFrames());
            assertEquals(FRAMES, tx, "frames site a counted as sent to b");
            assertEquals(FRAMES, rx, "frames site b counted as received from a");
            assertEquals(FRAMES * (long) frame.length, (long) b.onLoop(d -> aAtB.counters().rxBytes()));
        }
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
}
