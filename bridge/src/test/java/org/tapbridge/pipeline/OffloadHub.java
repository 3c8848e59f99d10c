package org.tapbridge.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.daemon.Daemon;
import org.tapbridge.fakes.DiscardableDatagramPort;
import org.tapbridge.fakes.FakePlatform;
import org.tapbridge.fakes.MemoryNetwork;
import org.tapbridge.fakes.VnetTapDevice;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.PeerLink;
import org.tapbridge.link.PeerLinks;
import org.tapbridge.link.PeerListener;
import org.tapbridge.link.StreamNetwork;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.tap.InMemoryTapDevice;
import org.tapbridge.testing.TestKeys;

/**
 * Site "a" with a TAP that has a vnet header, its data path assembled here piece by piece as the daemon does
 * (links, TAP port, forwarder with a cutter, ring, loop) and turned on the test's own thread, so that the
 * test reaches every part and measures it; joined over an in-memory network to full daemons "b" and "c"
 * (plain TAPs), whose links to "a" carry frames of at most {@link #LIMIT_B} and {@link #LIMIT_C} bytes.
 */
final class OffloadHub implements AutoCloseable {
    static final InetSocketAddress WAN_A = MemoryNetwork.address("198.18.0.1", 4790);
    static final InetSocketAddress WAN_B = MemoryNetwork.address("198.18.0.2", 4790);
    static final InetSocketAddress WAN_C = MemoryNetwork.address("198.18.0.3", 4790);
    /** Outer MTUs configured at "a": minus IPv4 and UDP (28) and the data message's 32 bytes. */
    static final int MTU_B = 1474;
    static final int MTU_C = 1260;
    static final int LIMIT_B = 1414;
    static final int LIMIT_C = 1200;
    private static final LinkTimers FAST = new LinkTimers(TimeUnit.MILLISECONDS.toNanos(200),
            TimeUnit.SECONDS.toNanos(5), TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.MILLISECONDS.toNanos(400));
    private static final TestKeys KEYS_A = TestKeys.generate();
    private static final TestKeys KEYS_B = TestKeys.generate();
    private static final TestKeys KEYS_C = TestKeys.generate();

    final MemoryNetwork network = new MemoryNetwork();
    final VnetTapDevice tap;
    final DiscardableDatagramPort port;
    /** What {@link #port} wraps: its queue shows what has arrived for the loop. */
    final MemoryNetwork.Port udp;
    final MemoryWaiter waiter = new MemoryWaiter();
    final PeerLinks links;
    final TapPort tapPort;
    final Forwarder forwarder;
    final SuperFrameCutter cutter;
    final DataPathLoop loop;
    final InMemoryTapDevice tapB = new InMemoryTapDevice("tapb", 1500, 4096);
    final InMemoryTapDevice tapC = new InMemoryTapDevice("tapc", 1500, 4096);
    private Daemon siteB;
    private Daemon siteC;

    OffloadHub(Path dir, int vnetHeaderLength) throws IOException {
        tap = new VnetTapDevice("tapa", 1500, vnetHeaderLength);
        tap.onArrival(waiter::wakeup);
        waiter.watch(tap::hasPending);
        udp = network.bind(WAN_A);
        udp.onArrival(waiter::wakeup);
        waiter.watch(udp::hasPending);
        port = new DiscardableDatagramPort(udp);
        SiteConfig config = site(dir, "a", WAN_A, List.of(
                new PeerConfig("b", WAN_B, Transport.UDP, KEYS_B.publicBase64(), null, false, MTU_B),
                new PeerConfig("c", WAN_C, Transport.UDP, KEYS_C.publicBase64(), null, false, MTU_C)));
        int maxFrame = FrameSizes.maxFrame(tap.mtu());
        links = PeerLinks.bind(config, new LinkSecurity(KEYS_A.privateKey(), Map.of("b", KEYS_B.publicKey(), "c",
                KEYS_C.publicKey()), Map.of(), SessionSettings.defaults()), port,
                StreamNetwork.unavailable("in-memory hub"), waiter, FAST, PeerListener.NONE, maxFrame);
        tapPort = new TapPort(tap);
        LearningSwitch sw = new LearningSwitch(SwitchSettings.defaults());
        sw.addPort(LearningSwitch.LOCAL_PORT, LearningSwitch.NO_GROUP);
        for (PeerLink peer : links.peers().peers()) {
            sw.addPort(peer.port(), LearningSwitch.MESH_GROUP);
        }
        cutter = new SuperFrameCutter(vnetHeaderLength, maxFrame);
        forwarder = new Forwarder(sw, tapPort, links.peers(), new MtuGuard(tapPort, maxFrame), cutter);
        int largestRead = Math.max(maxFrame, tap.minimumReadCapacity() - vnetHeaderLength);
        FrameRing ring = new FrameRing(DataPathLoop.RING_SLOTS, FrameSizes.slotBytesFor(largestRead));
        tapPort.coalesceFrom(ring.slot(0).memory());
        loop = new DataPathLoop(waiter, ring, tapPort, links, forwarder, NanoClock.SYSTEM, 0);
        try {
            siteB = remote(dir, "b", WAN_B, KEYS_B, tapB);
            siteC = remote(dir, "c", WAN_C, KEYS_C, tapC);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private Daemon remote(Path dir, String name, InetSocketAddress listen, TestKeys keys, InMemoryTapDevice remoteTap)
            throws IOException {
        SiteConfig config = site(dir, name, listen,
                List.of(new PeerConfig("a", WAN_A, Transport.UDP, KEYS_A.publicBase64(), null, false)));
        return Daemon.start(config, new LinkSecurity(keys.privateKey(), Map.of("a", KEYS_A.publicKey()), Map.of(),
                SessionSettings.defaults()), new FakePlatform(network, remoteTap), FAST, false);
    }

    private static SiteConfig site(Path dir, String name, InetSocketAddress listen, List<PeerConfig> peers) {
        return new SiteConfig(dir.resolve(name + ".toml"), name, "tap" + name, 0, listen, dir.resolve(name + ".sock"),
                dir.resolve(name + ".key"), SwitchSettings.defaults(), peers, List.of());
    }

    /** The remote daemon "b"; its counters may be polled from the test thread. */
    Daemon siteB() {
        return siteB;
    }

    PeerLink peer(String name) {
        return links.peers().byName(name);
    }

    /** Turns the hub's loop on this thread until both peers are up and their links carry what was configured. */
    void awaitPeersUp() throws InterruptedException {
        turnUntil(() -> peer("b").isUp() && peer("c").isUp(), 5_000);
        assertTrue(peer("b").isUp() && peer("c").isUp(), "peers did not come up within 5 s");
    }

    /** Turns the loop, pausing a little between turns, until {@code done} or {@code timeoutMs} passed. */
    void turnUntil(BooleanSupplier done, long timeoutMs) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!done.getAsBoolean() && System.nanoTime() - deadlineNs < 0) {
            loop.turnOnCallingThread();
            Thread.sleep(1);
        }
    }

    @Override
    public void close() {
        if (siteB != null) {
            siteB.close();
        }
        if (siteC != null) {
            siteC.close();
        }
        links.close();
        waiter.close();
    }
}
