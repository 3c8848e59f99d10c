package org.tapbridge.pipeline;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.Keys;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.PeerLink;
import org.tapbridge.link.PeerLinks;
import org.tapbridge.link.PeerListener;
import org.tapbridge.link.SlotDatagramNetwork;
import org.tapbridge.link.StreamListener;
import org.tapbridge.link.StreamNetwork;
import org.tapbridge.link.StreamSocket;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.tap.ScriptedTapDevice;

/**
 * Site a's data-path loop, driven batch by batch on the calling (benchmark) thread: the real loop,
 * switch, MSS clamp, links and crypto, on an allocation-free scripted TAP and in-memory network. Its
 * peers (one, or two for flooding) are whole sites too, wired as the daemon wires them; all loops run on
 * their own threads until the handshakes are done and a has learned where b's host is, then they stop,
 * the clock stands still, and the peers' ports only count what arrives. Lives in this package for
 * {@link DataPathLoop#turnOnCallingThread()}; benchmarks module only. One thread once built.
 */
public final class DrivenSite implements AutoCloseable {
    /** Frames the TAP yields per {@link #batch()}: one loop batch. */
    public static final int BATCH = DataPathLoop.BATCH;
    private static final int TAP_MTU = 1500;
    private static final long HOST_A = 0x02_00_00_00_0a_01L;
    private static final long HOST_B = 0x02_00_00_00_0b_01L;
    /** Never seen by any switch: frames to it flood. */
    private static final long NOBODY = 0x02_00_00_00_ff_01L;
    private static final long SETUP_TIMEOUT_NS = 10_000_000_000L;

    private final StoppableClock clock = new StoppableClock();
    private final SlotDatagramNetwork network = new SlotDatagramNetwork(1024, 2048);
    private final List<Site> sites = new ArrayList<>();
    private final Site a;
    private final int peers;

    /**
     * @param frameLength bytes per frame, each an IPv4 TCP segment (not a SYN), so the MSS clamp parses
     *                    the headers of every one
     * @param flood       frames go to a MAC no one has seen, flooded to two peers; else to b's host,
     *                    learned, unicast to b
     */
    public DrivenSite(int frameLength, boolean flood) throws Exception {
        peers = flood ? 2 : 1;
        SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
        random.setSeed(42);
        byte[][] keys = new byte[peers + 1][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = Keys.generatePrivate(random);
        }
        List<PeerConfig> ofA = new ArrayList<>();
        Map<String, byte[]> publicOfA = new HashMap<>();
        for (int i = 1; i <= peers; i++) {
            ofA.add(peerConfig(name(i), i, keys[i]));
            publicOfA.put(name(i), Keys.publicFromPrivate(keys[i]));
        }
        a = new Site(config("a", 0, ofA), new LinkSecurity(keys[0], publicOfA, Map.of(), SessionSettings.defaults()),
                frames(frameLength, HOST_A, flood ? NOBODY : HOST_B));
        sites.add(a);
        for (int i = 1; i <= peers; i++) {
            // b's frame to a's host teaches a's switch where b's host is; c only answers handshakes.
            sites.add(new Site(config(name(i), i, List.of(peerConfig("a", 0, keys[0]))),
                    new LinkSecurity(keys[i], Map.of("a", Keys.publicFromPrivate(keys[0])), Map.of(),
                            SessionSettings.defaults()), frames(frameLength, HOST_B, HOST_A)));
        }
        for (Site s : sites) {
            s.start();
        }
        try {
            connect();
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Handshakes on running loops, one frame b to a, then every loop stopped and the clock held. */
    private void connect() throws Exception {
        long deadlineNs = System.nanoTime() + SETUP_TIMEOUT_NS;
        while (!allUp()) {
            checkDeadline(deadlineNs, "the sites did not connect");
            Thread.sleep(1);
        }
        sites.get(1).tap.releaseUpTo(1);
        while (a.tap.written() < 1) {
            checkDeadline(deadlineNs, "b's frame did not reach a's TAP");
            Thread.sleep(1);
        }
        for (Site s : sites) {
            s.stop();
        }
        // With the peers' loops stopped, a moving clock would rekey after 15 s and declare them dead
        // after 30; held, no timer falls due and the figures are the per-frame path alone.
        clock.hold();
        for (int i = 1; i < sites.size(); i++) {
            sites.get(i).port.discardArrivals();
        }
        long before = arrivals();
        batch();
        if (arrivals() - before != (long) BATCH * peers) {
            throw new IllegalStateException("a sealed " + (arrivals() - before) + " messages for " + BATCH
                    + " frames to " + peers + " peer(s): the path is not what the benchmark means to measure");
        }
    }

    private boolean allUp() {
        for (Site s : sites) {
            for (PeerLink peer : s.links.peers().peers()) {
                if (!peer.isUp()) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Lets a's TAP yield {@link #BATCH} more frames and turns a's loop until it has read, switched,
     * clamp-checked, sealed and sent them all (a memory waiter says the socket may be ready too, so the
     * loop reads the TAP half a batch per turn). Returns the frames released so far.
     */
    public long batch() {
        a.tap.releaseUpTo(a.tap.released() + BATCH);
        int turns = 0;
        while (a.tap.hasPending()) {
            a.loop.turnOnCallingThread();
            if (++turns > 2 * BATCH) {
                throw new IllegalStateException("a's loop left frames on its TAP");
            }
        }
        return a.tap.released();
    }

    /** Messages that reached a's peers so far: every frame, once per peer it went to. */
    public long arrivals() {
        long n = 0;
        for (int i = 1; i < sites.size(); i++) {
            n += sites.get(i).port.arrived();
        }
        return n;
    }

    public int peers() {
        return peers;
    }

    @Override
    public void close() {
        for (Site s : sites) {
            s.stop();
            s.links.close();
        }
    }

    private static void checkDeadline(long deadlineNs, String what) {
        if (System.nanoTime() - deadlineNs > 0) {
            throw new IllegalStateException(what + " within " + SETUP_TIMEOUT_NS / 1_000_000_000L + " s");
        }
    }

    /** One site wired as the daemon wires it, on a memory waiter, a scripted TAP and a slot-network port. */
    private final class Site {
        final ScriptedTapDevice tap;
        final SlotDatagramNetwork.Port port;
        final PeerLinks links;
        final DataPathLoop loop;
        Thread thread;

        Site(SiteConfig config, LinkSecurity security, byte[][] frames) throws IOException {
            MemoryWaiter waiter = new MemoryWaiter();
            tap = new ScriptedTapDevice("tap" + config.name(), TAP_MTU, frames);
            tap.onArrival(waiter::wakeup);
            waiter.watch(tap::hasPending);
            port = network.bind(config.listen());
            port.onArrival(waiter::wakeup);
            waiter.watch(port::hasPending);
            int maxFrame = FrameSizes.maxFrame(TAP_MTU);
            links = PeerLinks.bind(config, security, port, new NoTcp(), waiter, LinkTimers.defaults(),
                    PeerListener.NONE, maxFrame);
            TapPort tapPort = new TapPort(tap);
            LearningSwitch sw = new LearningSwitch(config.switchSettings());
            sw.addPort(LearningSwitch.LOCAL_PORT, LearningSwitch.NO_GROUP);
            for (PeerLink peer : links.peers().peers()) {
                sw.addPort(peer.port(), LearningSwitch.MESH_GROUP);
            }
            Forwarder forwarder = new Forwarder(sw, tapPort, links.peers(), new MtuGuard(tapPort, maxFrame));
            FrameRing ring = new FrameRing(DataPathLoop.RING_SLOTS, FrameSizes.slotBytes(TAP_MTU));
            loop = new DataPathLoop(waiter, ring, tapPort, links, forwarder, clock, 50_000L);
        }

        void start() {
            thread = new Thread(loop, "datapath");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() {
            if (thread == null) {
                return;
            }
            loop.stop();
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                throw new IllegalStateException("a loop did not stop");
            }
        }
    }

    /** The monotonic clock until {@link #hold()}, then that instant for ever. */
    private static final class StoppableClock implements NanoClock {
        private volatile long heldNs;
        private volatile boolean held;

        void hold() {
            heldNs = System.nanoTime();
            held = true;
        }

        @Override
        public long nanoTime() {
            return held ? heldNs : System.nanoTime();
        }
    }

    private static final class NoTcp implements StreamNetwork {
        @Override
        public StreamListener listen(InetSocketAddress address) throws IOException {
            throw new IOException("the benchmark's sites have no TCP");
        }

        @Override
        public StreamSocket connect(InetSocketAddress address) throws IOException {
            throw new IOException("the benchmark's sites have no TCP");
        }
    }

    private static String name(int site) {
        return site == 0 ? "a" : String.valueOf((char) ('a' + site));
    }

    private static SiteConfig config(String name, int host, List<PeerConfig> peers) {
        return new SiteConfig(Path.of("(benchmark)"), name, "tap" + name, 0, address(host), null, null,
                SwitchSettings.defaults(), peers, List.of());
    }

    private static PeerConfig peerConfig(String name, int host, byte[] privateKey) {
        return new PeerConfig(name, address(host), Transport.UDP, Keys.encode(Keys.publicFromPrivate(privateKey)),
                null, false);
    }

    /** 198.18.0.(host+1):4790, the benchmarking range. */
    private static InetSocketAddress address(int host) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 198, 18, 0, (byte) (host + 1)}),
                    4790);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 64 IPv4 TCP ACK segments {@code source -> destination} of {@code length} bytes, fixed seed. */
    static byte[][] frames(int length, long source, long destination) {
        Random random = new Random(length);
        byte[][] frames = new byte[BATCH][];
        for (int i = 0; i < frames.length; i++) {
            ByteBuffer f = ByteBuffer.allocate(length);
            random.nextBytes(f.array());
            for (int b = 0; b < 6; b++) {
                f.put(b, (byte) (destination >>> (40 - 8 * b)));
                f.put(6 + b, (byte) (source >>> (40 - 8 * b)));
            }
            f.putShort(12, (short) 0x0800);
            f.put(14, (byte) 0x45);
            f.put(15, (byte) 0);
            f.putShort(16, (short) (length - 14));
            f.putShort(20, (short) 0x4000);
            f.put(22, (byte) 64);
            f.put(23, (byte) 6);
            f.put(34 + 12, (byte) 0x50);
            f.put(34 + 13, (byte) 0x10);
            frames[i] = f.array();
        }
        return frames;
    }
}
