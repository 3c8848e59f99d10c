package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.CryptoCounters;
import org.tapbridge.crypto.Keys;
import org.tapbridge.crypto.Outbox;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.crypto.PeerSession;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.drops.DropReason;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.fakes.FakePlatform;
import org.tapbridge.fakes.Frames;
import org.tapbridge.fakes.MemoryNetwork;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.PeerLink;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.tap.InMemoryTapDevice;
import org.tapbridge.testing.TestKeys;

/**
 * Two daemons in one JVM rekeying every two seconds while an attacker floods each with handshake
 * initiations that carry a valid mac1 and the other site's exact address and port as their source: the
 * session must survive every rekey. Before wire version 2 the flood drained the one bucket the real peer
 * needed, its rekeys were refused, and the keys died with the session.
 */
class SpoofedHandshakeFloodTest {
    private static final long HOST_A = MacAddress.parse("02:00:00:00:0a:01");
    private static final long HOST_B = MacAddress.parse("02:00:00:00:0b:01");
    private static final InetSocketAddress WAN_A = MemoryNetwork.address("198.18.0.1", 4790);
    private static final InetSocketAddress WAN_B = MemoryNetwork.address("198.18.0.2", 4790);
    private static final LinkTimers FAST = new LinkTimers(TimeUnit.MILLISECONDS.toNanos(200),
            TimeUnit.MILLISECONDS.toNanos(800), TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.MILLISECONDS.toNanos(400));
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * Rekey after 2 s, keys dead after 4 s, retries every 300 ms: the flood must be beaten within 2 s of
     * each rekey, several times over.
     */
    private static final SessionSettings QUICK_REKEYS = new SessionSettings(2_000 * MS, 4_000 * MS,
            SessionSettings.REKEY_AFTER_MESSAGES, SessionSettings.REJECT_AFTER_MESSAGES, 300 * MS, 1_800 * MS,
            1_000 * MS, SessionSettings.HANDSHAKES_PER_SECOND_PER_SOURCE, SessionSettings.HANDSHAKE_BURST_PER_SOURCE,
            SessionSettings.HANDSHAKES_PER_SECOND_TOTAL, SessionSettings.RATE_LIMITED_SOURCES);
    private static final long FLOOD_NS = TimeUnit.SECONDS.toNanos(9);
    private static final TestKeys KEYS_A = TestKeys.generate();
    private static final TestKeys KEYS_B = TestKeys.generate();

    @TempDir
    Path dir;

    private final MemoryNetwork network = new MemoryNetwork();
    private final InMemoryTapDevice tapA = new InMemoryTapDevice("tapa", 1500, 1024);
    private final InMemoryTapDevice tapB = new InMemoryTapDevice("tapb", 1500, 1024);
    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    @Test
    void theSessionSurvivesEveryRekeyWhileAFloodSpoofsEachPeersAddress() throws Exception {
        Daemon siteA = start("a", "tapa", tapA, WAN_A, "b", WAN_B, KEYS_A, KEYS_B);
        Daemon siteB = start("b", "tapb", tapB, WAN_B, "a", WAN_A, KEYS_B, KEYS_A);
        awaitUp(siteA, "b");
        awaitUp(siteB, "a");
        long completedBefore = crypto(siteA).handshakesCompleted() + crypto(siteB).handshakesCompleted();

        byte[] towardB = strangersInitiation(KEYS_B.publicKey());
        byte[] towardA = strangersInitiation(KEYS_A.publicKey());
        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicLong sent = new AtomicLong();
        Thread flood = new Thread(() -> {
            long endNs = System.nanoTime() + FLOOD_NS;
            // 2000 a second each way, bounded in time; each from the other site's own address and port.
            while (flooding.get() && System.nanoTime() < endNs) {
                for (int i = 0; i < 10; i++) {
                    network.deliver(WAN_A, WAN_B, towardB);
                    network.deliver(WAN_B, WAN_A, towardA);
                    sent.addAndGet(2);
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "tbck-flood");
        flood.start();
        started.add(() -> {
            flooding.set(false);
            flood.join(5_000);
        });

        int frames = 0;
        int lost = 0;
        List<Long> lostAtMs = new ArrayList<>();
        long startNs = System.nanoTime();
        while (System.nanoTime() - startNs < FLOOD_NS) {
            byte[] frame = Frames.ethernet(HOST_B, HOST_A, ("during-" + frames).getBytes());
            tapA.inject(frame);
            frames++;
            byte[] got = tapB.takeWritten(1_000);
            if (got == null) {
                lost++;
                lostAtMs.add((System.nanoTime() - startNs) / MS);
            }
            Thread.sleep(50);
        }
        flooding.set(false);
        flood.join(5_000);

        CryptoCounters.Snapshot a = crypto(siteA);
        CryptoCounters.Snapshot b = crypto(siteB);
        long completed = a.handshakesCompleted() + b.handshakesCompleted() - completedBefore;
        String figures = "flood sent " + sent.get() + "; frames " + frames + ", lost " + lost + "; handshakes "
                + completed + "; cookies sent a=" + a.cookieRepliesSent() + " b=" + b.cookieRepliesSent()
                + ", received a=" + a.cookiesReceived() + " b=" + b.cookiesReceived() + "; lost at ms " + lostAtMs
                + "; drops a=" + drops(a) + " b=" + drops(b);
        System.out.println("spoofed flood: " + figures);
        // Nine seconds of two-second keys: at least three rekeys, each against the flood.
        assertTrue(completed >= 3, "rekeys completed during the flood: " + figures);
        assertTrue(a.cookieRepliesSent() + b.cookieRepliesSent() > 0, "the flood met cookies: " + figures);
        // Each lost frame costs the loop a second's wait, so a dead session shows as a handful, not dozens;
        // one may go to a loaded machine's scheduling.
        assertTrue(lost <= 1, "frames lost during the flood: " + figures);
        // A message sent from inside seal() used to land in the send slot of the message being sealed.
        assertEquals(0, a.drops(DropReason.MALFORMED_MESSAGE) + b.drops(DropReason.MALFORMED_MESSAGE),
                "no message clobbered by a rekey: " + figures);
        byte[] after = Frames.ethernet(HOST_A, HOST_B, "after".getBytes());
        tapB.inject(after);
        assertArrayEquals(after, tapA.takeWritten(2_000), "the session is alive after the flood: " + figures);
    }

    private Daemon start(String name, String tap, InMemoryTapDevice device, InetSocketAddress listen, String peer,
                         InetSocketAddress endpoint, TestKeys own, TestKeys peerKeys) throws Exception {
        SiteConfig config = new SiteConfig(dir.resolve(name + ".toml"), name, tap, 0, listen,
                dir.resolve(name + ".sock"), dir.resolve(name + ".key"), SwitchSettings.defaults(),
                List.of(new PeerConfig(peer, endpoint, Transport.UDP, peerKeys.publicBase64(), null, false)), List.of());
        LinkSecurity security = new LinkSecurity(own.privateKey(), Map.of(peer, peerKeys.publicKey()), Map.of(),
                QUICK_REKEYS);
        Daemon daemon = Daemon.start(config, security, new FakePlatform(network, device), FAST, true);
        started.add(daemon::close);
        return daemon;
    }

    private static void awaitUp(Daemon daemon, String peer) throws InterruptedException {
        PeerLink p = daemon.peers().byName(peer);
        for (int i = 0; i < 100 && !p.isUp(); i++) {
            Thread.sleep(20);
        }
        assertTrue(p.isUp(), "peer " + peer + " did not come up");
    }

    private static String drops(CryptoCounters.Snapshot s) {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < DropReason.COUNT; r++) {
            if (s.drops(r) > 0) {
                sb.append(DropReason.name(r)).append('=').append(s.drops(r)).append(' ');
            }
        }
        return sb.toString();
    }

    private static CryptoCounters.Snapshot crypto(Daemon daemon) throws Exception {
        return daemon.onLoop(d -> d.links().cryptoCounters());
    }

    /** An initiation to the site with {@code publicKey} from a key it does not know: a valid mac1, nothing more. */
    private static byte[] strangersInitiation(byte[] publicKey) {
        SecureRandom random = new SecureRandom();
        List<byte[]> sent = new ArrayList<>();
        PeerCrypto stranger = new PeerCrypto(Keys.generatePrivate(random), SessionSettings.defaults(), new Outbox() {
            @Override
            public boolean canReach(PeerSession peer) {
                return true;
            }

            @Override
            public void send(PeerSession peer, ByteBuffer message) {
                byte[] copy = new byte[message.remaining()];
                message.duplicate().get(copy);
                sent.add(copy);
            }
        }, random, System::currentTimeMillis);
        stranger.connect(stranger.addPeer("target", publicKey, null), 0);
        return sent.get(0);
    }
}
