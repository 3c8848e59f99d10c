package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.fakes.FakePlatform;
import org.tapbridge.fakes.MemoryNetwork;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.PeerLink;
import org.tapbridge.link.PeerListener;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.systemd.NotifyListener;
import org.tapbridge.systemd.SdNotify;
import org.tapbridge.systemd.WatchdogPinger;
import org.tapbridge.tap.InMemoryTapDevice;
import org.tapbridge.testing.TestKeys;

/**
 * Issue 11, defect 3, in one JVM: what the data-path loop does when its handlers fail or it gets stuck, as
 * {@code tapbridge run} and the watchdog see it through {@link Daemon#failure()} and {@link Daemon#healthy()}.
 * The process-level consequences (exit status) are in {@code DaemonExitTest}.
 */
class DataPathFailureTest {
    private static final InetSocketAddress WAN_A = MemoryNetwork.address("198.18.0.1", 4790);
    private static final InetSocketAddress WAN_B = MemoryNetwork.address("198.18.0.2", 4790);
    private static final LinkTimers FAST = new LinkTimers(TimeUnit.MILLISECONDS.toNanos(200),
            TimeUnit.MILLISECONDS.toNanos(800), TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.MILLISECONDS.toNanos(400));
    private static final long PID = 4243;

    @TempDir
    Path dir;

    /** A listener that fails on the data-path thread, inside the handling of the datagram that completes a handshake. */
    private static PeerListener failingOnPeerUp(RuntimeException exception, Error error) {
        return new PeerListener() {
            @Override
            public void peerUp(PeerLink peer) {
                if (error != null) {
                    throw error;
                }
                throw exception;
            }

            @Override
            public void peerDown(PeerLink peer) {
            }
        };
    }

    @Test
    void anErrorInAFrameHandlerStopsTheLoopAndTheDaemonSaysWhy() throws Exception {
        TestKeys keysA = TestKeys.generate();
        TestKeys keysB = TestKeys.generate();
        MemoryNetwork network = new MemoryNetwork();
        try (Daemon a = start("a", WAN_A, "b", WAN_B, keysA, keysB, network)) {
            a.addPeerListener(failingOnPeerUp(null, new NoSuchMethodError("injected by the test")));
            try (Daemon b = start("b", WAN_B, "a", WAN_A, keysB, keysA, network)) {
                assertTrue(waitFor(5_000, () -> a.failure() != null), "no failure reported");
                assertTrue(a.failure().contains("NoSuchMethodError: injected by the test"), a.failure());
                assertFalse(a.healthy(), "a daemon whose loop died must not feed the watchdog");
                assertFalse(a.loop().running());
                assertNull(b.failure(), b.failure());
            }
        }
    }

    @Test
    void aRuntimeExceptionInAFrameHandlerIsCountedAndTheLoopGoesOn() throws Exception {
        TestKeys keysA = TestKeys.generate();
        TestKeys keysB = TestKeys.generate();
        MemoryNetwork network = new MemoryNetwork();
        try (Daemon a = start("a", WAN_A, "b", WAN_B, keysA, keysB, network)) {
            a.addPeerListener(failingOnPeerUp(new IllegalStateException("injected by the test"), null));
            try (Daemon b = start("b", WAN_B, "a", WAN_A, keysB, keysA, network)) {
                assertTrue(waitFor(5_000, () -> {
                    try {
                        return a.onLoop(d -> d.loop().handlerFailures()) > 0;
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }), "the failure was not counted");
                Thread.sleep(500);
                assertNull(a.failure(), a.failure());
                assertTrue(a.healthy(), "the loop must go on turning");
                assertTrue(a.loop().running());
            }
        }
    }

    @Test
    void aStalledLoopStopsTheWatchdogPingsAndThenCountsAsAFailure() throws Exception {
        TestKeys keysA = TestKeys.generate();
        TestKeys keysB = TestKeys.generate();
        CountDownLatch release = new CountDownLatch(1);
        try (NotifyListener listener = NotifyListener.onPath();
             SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", listener.notifySocket(),
                     "WATCHDOG_USEC", "400000", "WATCHDOG_PID", Long.toString(PID)), PID);
             Daemon a = start("a", WAN_A, "b", WAN_B, keysA, keysB, new MemoryNetwork());
             WatchdogPinger pinger = new WatchdogPinger(notify, a::healthy)) {
            assertTrue(pinger.start());
            assertNotNull(listener.receive(2_000), "no ping from a healthy daemon");

            // A control request that never returns: the loop is stuck inside it, as in a deadlock or an endless loop.
            a.loop().mailbox().post(() -> {
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            long stalledNs = System.nanoTime();
            long lastPingNs = stalledNs;
            NotifyListener.Message ping;
            while ((ping = listener.receive(1_000)) != null) {
                lastPingNs = ping.arrivedNs();
                assertTrue(lastPingNs - stalledNs < Daemon.HEALTHY_TURN_AGE_NS + 1_000_000_000L,
                        "still pinging " + (lastPingNs - stalledNs) / 1_000_000 + " ms into the stall");
            }
            assertTrue(lastPingNs - stalledNs > Daemon.HEALTHY_TURN_AGE_NS - 1_000_000_000L,
                    "pings stopped after only " + (lastPingNs - stalledNs) / 1_000_000 + " ms");
            assertFalse(a.healthy());
            assertNull(a.failure(), "a stall shorter than STALL_FAILURE_NS is not yet a failure");

            assertTrue(waitFor(Daemon.STALL_FAILURE_NS / 1_000_000 + 2_000, () -> a.failure() != null));
            long failedAfterNs = System.nanoTime() - stalledNs;
            // The stall began at the loop's last tick, up to one tick (100 ms) before the task was posted.
            assertTrue(failedAfterNs > Daemon.STALL_FAILURE_NS - 200_000_000L, failedAfterNs / 1_000_000 + " ms");
            assertTrue(a.failure().contains("has not turned for"), a.failure());

            release.countDown();
            assertNotNull(listener.receive(2_000), "no ping once the loop turns again");
            assertNull(a.failure());
        } finally {
            release.countDown();
        }
    }

    private static boolean waitFor(long timeoutMs, BooleanSupplier condition) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadlineNs) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private Daemon start(String name, InetSocketAddress listen, String peer, InetSocketAddress endpoint, TestKeys own,
                         TestKeys peerKeys, MemoryNetwork network) throws Exception {
        SiteConfig site = new SiteConfig(dir.resolve(name + ".toml"), name, "tap" + name, 0, listen,
                dir.resolve(name + ".sock"), dir.resolve(name + ".key"), SwitchSettings.defaults(),
                List.of(new PeerConfig(peer, endpoint, Transport.UDP, peerKeys.publicBase64(), null, false)), List.of());
        LinkSecurity keys = new LinkSecurity(own.privateKey(), Map.of(peer, peerKeys.publicKey()), Map.of(),
                SessionSettings.defaults());
        return Daemon.start(site, keys, new FakePlatform(network, new InMemoryTapDevice("tap" + name, 1500, 1024)),
                FAST, false);
    }
}
