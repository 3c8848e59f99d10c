package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.dns.HostResolver;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.fakes.FakePlatform;
import org.tapbridge.fakes.Frames;
import org.tapbridge.fakes.MemoryNetwork;
import org.tapbridge.fakes.ScriptedResolver;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.PeerLink;
import org.tapbridge.link.StreamListener;
import org.tapbridge.link.StreamNetwork;
import org.tapbridge.link.StreamSocket;
import org.tapbridge.pipeline.LoopWaiter;
import org.tapbridge.pipeline.NanoClock;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.tap.InMemoryTapDevice;
import org.tapbridge.tap.TapDevice;
import org.tapbridge.testing.TestKeys;

/**
 * Issue 11, defect 5: a peer endpoint given as a host name that does not resolve at boot used to stop the
 * site (`run` exited 2), and a name was never looked up again. Now the site starts, the name is looked up
 * on the resolver thread with retries, and a new address moves the peer (UDP) or is dialled (TCP). Every
 * name here is answered by a {@link ScriptedResolver}: nothing depends on the machine's DNS.
 */
class HostnameEndpointTest {
    private static final long HOST_A = MacAddress.parse("02:00:00:00:0a:01");
    private static final long HOST_B = MacAddress.parse("02:00:00:00:0b:01");
    private static final InetSocketAddress WAN_A = MemoryNetwork.address("198.18.0.1", 4790);
    private static final InetSocketAddress WAN_B = MemoryNetwork.address("198.18.0.2", 4790);
    private static final InetSocketAddress WAN_B_MOVED = MemoryNetwork.address("198.18.0.22", 4790);
    private static final String NAME_B = "b.sites.test";
    private static final InetSocketAddress BY_NAME = InetSocketAddress.createUnresolved(NAME_B, 4790);
    private static final long RESOLVE_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Retries of names (and handshakes) from 50 ms to 200 ms; keepalives so rare that nobody roams by them. */
    private static final LinkTimers TIMERS = new LinkTimers(TimeUnit.SECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(30),
            TimeUnit.MILLISECONDS.toNanos(50), TimeUnit.MILLISECONDS.toNanos(200));
    private static final TestKeys KEYS_A = TestKeys.generate();
    private static final TestKeys KEYS_B = TestKeys.generate();

    @TempDir
    Path dir;

    private final MemoryNetwork network = new MemoryNetwork();
    private final ScriptedResolver dns = new ScriptedResolver();
    private final InMemoryTapDevice tapA = new InMemoryTapDevice("tapa", 1500, 1024);
    private final InMemoryTapDevice tapB = new InMemoryTapDevice("tapb", 1500, 1024);
    private Daemon siteA;
    private Daemon siteB;

    @AfterEach
    void stopSites() {
        if (siteA != null) {
            siteA.close();
        }
        if (siteB != null) {
            siteB.close();
        }
    }

    @Test
    void aSiteWhosePeerNameDoesNotResolveStartsAndLinksOnceItResolves() throws Exception {
        siteB = startPassiveB();
        siteA = startA(Transport.UDP, null);

        awaitTrue(() -> dns.lookups() >= 3, 3000, "the name is looked up again while it does not resolve");
        PeerLink b = siteA.peers().byName("b");
        assertFalse(b.isUp());
        assertNull(b.endpoint(), "no address before the name resolves");
        String table = new SiteReports(siteA).peers(false);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("b ") && l.contains(NAME_B + ":4790 (unresolved)")
                && l.contains("unresolved")), table);
        assertTrue(table.contains("peer b: cannot resolve " + NAME_B + ":4790: Name or service not known; retry in"),
                table);
        String json = new SiteReports(siteA).peers(true);
        assertTrue(json.contains("\"host\" : \"" + NAME_B + ":4790\""), json);
        assertTrue(json.contains("\"resolve-error\" : \"Name or service not known; retry in"), json);
        assertTrue(json.contains("\"state\" : \"down\""), json);

        dns.answer(NAME_B, WAN_B);
        awaitTrue(b::isUp, 3000, "peer b comes up once its name resolves");
        assertEquals(WAN_B, b.endpoint());
        byte[] frame = Frames.ethernet(MacAddress.BROADCAST, HOST_A, "after-dns".getBytes());
        tapA.inject(frame);
        assertArrayEquals(frame, tapB.takeWritten(2000));
        String resolved = new SiteReports(siteA).peers(true);
        assertTrue(resolved.contains("\"resolve-error\" : null"), resolved);
        assertFalse(dns.askingThreads().contains("datapath"), "a lookup ran on the data path: " + dns.askingThreads());
        assertEquals(java.util.Set.of("resolver"), dns.askingThreads());
    }

    @Test
    void aPeerWhoseNameMovesIsFollowedAndKeepsItsSession() throws Exception {
        dns.answer(NAME_B, WAN_B);
        siteB = startPassiveB();
        siteA = startA(Transport.UDP, null);
        PeerLink b = siteA.peers().byName("b");
        awaitTrue(b::isUp, 3000, "peer b comes up at its first address");
        tapA.inject(Frames.ethernet(MacAddress.BROADCAST, HOST_A, "before".getBytes()));
        assertNotNull(tapB.takeWritten(2000));
        long handshakes = siteA.onLoop(d -> d.links().cryptoCounters().handshakesInitiated());
        long keysCreatedNs = siteA.onLoop(d -> d.links().session(d.peers().byName("b")).lastHandshakeNs());
        // Let b's first path-MTU search end (one round trip here): nothing from b may reach a on its own
        // after the move, or a would follow b by roaming instead of by its name.
        Thread.sleep(300);

        // Site b gets a new address from its ISP and updates its name; nobody sends to a, so no roaming.
        bPort.moveTo(WAN_B_MOVED);
        dns.answer(NAME_B, WAN_B_MOVED);
        awaitTrue(() -> WAN_B_MOVED.equals(b.endpoint()), 3000, "site a's endpoint for b follows the name");

        byte[] frame = Frames.ethernet(HOST_B, HOST_A, "after-move".getBytes());
        tapA.inject(frame);
        assertArrayEquals(frame, tapB.takeWritten(2000), "the frame went to b's new address");
        assertTrue(b.isUp());
        assertEquals(handshakes, (long) siteA.onLoop(d -> d.links().cryptoCounters().handshakesInitiated()),
                "moving by DNS kept the session: no new handshake");
        assertEquals(keysCreatedNs, (long) siteA.onLoop(d -> d.links().session(d.peers().byName("b"))
                .lastHandshakeNs()));
    }

    @Test
    void aTcpPeerDialsItsNameOnlyOnceItResolvesAndRedialsWhenItMoves() throws Exception {
        DialRecorder dials = new DialRecorder();
        siteA = startA(Transport.TCP, dials);

        awaitTrue(() -> dns.lookups() >= 3, 3000, "the name is looked up again while it does not resolve");
        assertNull(dials.attempts.poll(), "nothing is dialled before the name resolves");

        dns.answer(NAME_B, WAN_B);
        PendingSocket first = dials.attempts.poll(2, TimeUnit.SECONDS);
        assertNotNull(first, "the resolved address is dialled");
        assertEquals(WAN_B, first.remote());

        dns.answer(NAME_B, WAN_B_MOVED);
        PendingSocket second = dials.attempts.poll(2, TimeUnit.SECONDS);
        assertNotNull(second, "the new address is dialled");
        assertEquals(WAN_B_MOVED, second.remote());
        assertTrue(first.closed, "the connect still trying the old address was dropped");
        assertEquals(WAN_B_MOVED, siteA.peers().byName("b").endpoint());
    }

    @Test
    void aPeerWithAnAddressIsNeverLookedUp() throws Exception {
        siteB = startPassiveB();
        SiteConfig literal = new SiteConfig(dir.resolve("a.toml"), "a", "tapa", 0, WAN_A, dir.resolve("a.sock"),
                dir.resolve("a.key"), SwitchSettings.defaults(), List.of(new PeerConfig("b", WAN_B, Transport.UDP,
                KEYS_B.publicBase64(), null, false)), List.of());
        siteA = Daemon.start(literal, keys(KEYS_A, "b", KEYS_B), new NamedPlatform(tapA, null), TIMERS, false);
        awaitTrue(siteA.peers().byName("b")::isUp, 3000, "peer b comes up at its address");
        assertEquals(0, dns.lookups());
        assertNull(siteA.resolver().status("b"));
    }

    private MemoryNetwork.Port bPort;

    private Daemon startA(Transport transport, StreamNetwork streams) throws IOException {
        PeerConfig b = new PeerConfig("b", BY_NAME, transport, KEYS_B.publicBase64(), null, false, 0,
                RESOLVE_INTERVAL_NS);
        SiteConfig site = new SiteConfig(dir.resolve("a.toml"), "a", "tapa", 0, WAN_A, dir.resolve("a.sock"),
                dir.resolve("a.key"), SwitchSettings.defaults(), List.of(b), List.of());
        return Daemon.start(site, keys(KEYS_A, "b", KEYS_B), new NamedPlatform(tapA, streams), TIMERS, false);
    }

    /** Site b knows a by its key only: it never sends first, so a can reach it only through the name. */
    private Daemon startPassiveB() throws IOException {
        SiteConfig site = new SiteConfig(dir.resolve("b.toml"), "b", "tapb", 0, WAN_B, dir.resolve("b.sock"),
                dir.resolve("b.key"), SwitchSettings.defaults(), List.of(new PeerConfig("a", null, Transport.UDP,
                KEYS_A.publicBase64(), null, false)), List.of());
        NamedPlatform platform = new NamedPlatform(tapB, null);
        Daemon daemon = Daemon.start(site, keys(KEYS_B, "a", KEYS_A), platform, TIMERS, false);
        bPort = platform.port;
        return daemon;
    }

    private static LinkSecurity keys(TestKeys own, String peer, TestKeys peerKeys) {
        return new LinkSecurity(own.privateKey(), Map.of(peer, peerKeys.publicKey()), Map.of(),
                SessionSettings.defaults());
    }

    private static void awaitTrue(BooleanSupplier condition, long timeoutMs, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean() && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean(), what);
    }

    /** The in-memory platform with the scripted DNS, and optionally a TCP that records what is dialled. */
    private final class NamedPlatform implements Platform {
        private final FakePlatform memory;
        private final StreamNetwork streams;
        private MemoryNetwork.Port port;

        NamedPlatform(InMemoryTapDevice tap, StreamNetwork streams) {
            this.memory = new FakePlatform(network, tap);
            this.streams = streams;
        }

        @Override
        public TapDevice openTap(String name, int mtu, boolean offloads) throws IOException {
            return memory.openTap(name, mtu, offloads);
        }

        @Override
        public DatagramPort bindUdp(InetSocketAddress listen, boolean segment, boolean coalesce) throws IOException {
            DatagramPort bound = memory.bindUdp(listen, segment, coalesce);
            port = (MemoryNetwork.Port) bound;
            return bound;
        }

        @Override
        public StreamNetwork streams() {
            return streams != null ? streams : memory.streams();
        }

        @Override
        public LoopWaiter newWaiter() throws IOException {
            return memory.newWaiter();
        }

        @Override
        public NanoClock clock() {
            return memory.clock();
        }

        @Override
        public HostResolver resolver() {
            return dns;
        }
    }

    /** A TCP whose connects never complete (a silent firewall), recording each address dialled. */
    private static final class DialRecorder implements StreamNetwork {
        final BlockingQueue<PendingSocket> attempts = new LinkedBlockingQueue<>();

        @Override
        public StreamListener listen(InetSocketAddress address) {
            return new StreamListener() {
                @Override
                public int fd() {
                    return -1;
                }

                @Override
                public StreamSocket accept() {
                    return null;
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public StreamSocket connect(InetSocketAddress address) throws IOException {
            if (address.isUnresolved()) {
                throw new IOException("cannot connect to an unresolved " + address);
            }
            PendingSocket socket = new PendingSocket(address);
            attempts.add(socket);
            return socket;
        }
    }

    private static final class PendingSocket implements StreamSocket {
        private final InetSocketAddress remote;
        volatile boolean closed;

        PendingSocket(InetSocketAddress remote) {
            this.remote = remote;
        }

        @Override
        public int fd() {
            return -1;
        }

        @Override
        public boolean finishConnect() {
            return false;
        }

        @Override
        public int read(ByteBuffer direct, int offset, int capacity) {
            return 0;
        }

        @Override
        public int write(ByteBuffer direct, int offset, int length) {
            return 0;
        }

        @Override
        public InetSocketAddress remote() {
            return remote;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
