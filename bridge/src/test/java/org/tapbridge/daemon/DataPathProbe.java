package org.tapbridge.daemon;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.DataMessage;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.crypto.TransportCipher;
import org.tapbridge.crypto.WireFormat;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.Peer;
import org.tapbridge.pipeline.NanoClock;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.tap.TapDevice;
import org.tapbridge.testing.TestKeys;

/**
 * Measures the bytes each data-path thread of two back-to-back daemons allocates over a steady two-way
 * stream, with {@code ThreadMXBean#getThreadAllocatedBytes}. The TAP and the network are allocation-free
 * fakes ({@link ScriptedTap}, {@link SlotNetwork}) so every byte counted comes from the production
 * classes; the JCE's own AES-GCM cost is measured in the same JVM on the test thread. Runs in the test's
 * JVM or, through {@link #main}, in a child JVM with other flags.
 */
final class DataPathProbe {
    private static final long HOST_A = MacAddress.parse("02:00:00:00:0a:01");
    private static final long HOST_B = MacAddress.parse("02:00:00:00:0b:01");
    private static final InetSocketAddress WAN_A = new InetSocketAddress(addr(198, 18, 0, 1), 4790);
    private static final InetSocketAddress WAN_B = new InetSocketAddress(addr(198, 18, 0, 2), 4790);
    /** A full-size frame below the 1500 MTU: the JCE's cost depends on the length, so it is fixed. */
    static final int FRAME_LENGTH = 1400;
    private static final int WARMUP_ROUNDS = 3;
    private static final int WARMUP_FRAMES = 20_000;
    static final int MEASURED_FRAMES = 50_000;
    /** Frames in flight per direction: far below the 4096-slot ring and the network's 1024 slots, so nothing drops. */
    private static final int IN_FLIGHT = 256;
    private static final long ROUND_DEADLINE_NS = TimeUnit.SECONDS.toNanos(60);
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    static final String[] ROLES = {"tap-reader", "switch", "egress", "peer-rx-udp"};

    private final SlotNetwork network = new SlotNetwork();

    private DataPathProbe() {
    }

    /** Bytes allocated over the measured window, per thread in {@link #ROLES} order, and the JCE's cost. */
    record Figures(double sealJceBytes, double openJceBytes, long windowMs, long[] siteA, long[] siteB) {
        static final String PREFIX = "DATA-PATH-FIGURES";

        String line() {
            StringBuilder s = new StringBuilder(PREFIX).append(' ').append(sealJceBytes).append(' ').append(openJceBytes)
                    .append(' ').append(windowMs);
            for (long v : siteA) {
                s.append(' ').append(v);
            }
            for (long v : siteB) {
                s.append(' ').append(v);
            }
            return s.toString();
        }

        static Figures parse(String line) {
            String[] f = line.trim().split(" ");
            if (f.length != 4 + 2 * ROLES.length || !f[0].equals(PREFIX)) {
                throw new IllegalArgumentException("not a figures line: " + line);
            }
            long[] a = new long[ROLES.length];
            long[] b = new long[ROLES.length];
            for (int i = 0; i < ROLES.length; i++) {
                a[i] = Long.parseLong(f[4 + i]);
                b[i] = Long.parseLong(f[4 + ROLES.length + i]);
            }
            return new Figures(Double.parseDouble(f[1]), Double.parseDouble(f[2]), Long.parseLong(f[3]), a, b);
        }

        long[] site(String name) {
            return name.equals("a") ? siteA : siteB;
        }

        /** Bytes per frame the egress thread allocates beyond the JCE's seals: ours. */
        double egressOursPerFrame(String site) {
            return (site(site)[EGRESS] - MEASURED_FRAMES * sealJceBytes) / MEASURED_FRAMES;
        }

        /** Bytes per frame the UDP receive thread allocates beyond the JCE's opens: ours. */
        double receiveOursPerFrame(String site) {
            return (site(site)[PEER_RX] - MEASURED_FRAMES * openJceBytes) / MEASURED_FRAMES;
        }

        void print(String jvm) {
            System.out.printf("[%s] JCE AES-GCM, %d-byte frame, in place on byte[] (incl. our 56 B GCMParameterSpec):"
                    + " seal %.1f B/op, open %.1f B/op%n", jvm, FRAME_LENGTH, sealJceBytes, openJceBytes);
            for (String s : new String[] {"a", "b"}) {
                long[] used = site(s);
                double n = MEASURED_FRAMES;
                System.out.printf("[%s] site %s, %d frames each way in %d ms: tap-reader %d B (%.3f B/frame), switch %d B"
                                + " (%.3f B/frame over %d frames), egress %.1f B/frame (ours %.3f beyond %.1f JCE),"
                                + " peer-rx-udp %.1f B/frame (ours %.3f beyond %.1f JCE)%n",
                        jvm, s, MEASURED_FRAMES, windowMs, used[TAP_READER], used[TAP_READER] / n, used[SWITCH],
                        used[SWITCH] / (2 * n), 2 * MEASURED_FRAMES, used[EGRESS] / n, egressOursPerFrame(s),
                        sealJceBytes, used[PEER_RX] / n, receiveOursPerFrame(s), openJceBytes);
            }
        }
    }

    static final int TAP_READER = 0;
    static final int SWITCH = 1;
    static final int EGRESS = 2;
    static final int PEER_RX = 3;

    /** Prints the figures line for a parent JVM that started this one with other flags. */
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("tapbridge-alloc-");
        try {
            System.out.println(measure(dir).line());
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** Starts two daemons in {@code dir}, warms the path up, measures one window, stops them. */
    static Figures measure(Path dir) throws Exception {
        if (!THREADS.isThreadAllocatedMemorySupported() || !THREADS.isThreadAllocatedMemoryEnabled()) {
            throw new IllegalStateException("this JVM cannot count allocated bytes per thread");
        }
        return new DataPathProbe().run(dir);
    }

    private Figures run(Path dir) throws Exception {
        JceCost jce = JceCost.measure(FRAME_LENGTH);
        TestKeys keysA = TestKeys.generate();
        TestKeys keysB = TestKeys.generate();
        ScriptedTap tapA = new ScriptedTap("tapa", 1500, frames(HOST_B, HOST_A, 1));
        ScriptedTap tapB = new ScriptedTap("tapb", 1500, frames(HOST_A, HOST_B, 2));
        Set<Long> before = threadIds();
        try (Daemon siteA = Daemon.start(site(dir, "a", "tapa", WAN_A, "b", WAN_B, keysB), keys(keysA, "b", keysB),
                platform(tapA), LinkTimers.defaults(), false)) {
            long[] threadsA = roleThreads(before);
            before = threadIds();
            try (Daemon siteB = Daemon.start(site(dir, "b", "tapb", WAN_B, "a", WAN_A, keysA),
                    keys(keysB, "a", keysA), platform(tapB), LinkTimers.defaults(), false)) {
                long[] threadsB = roleThreads(before);
                awaitUp(siteA, "b");
                awaitUp(siteB, "a");
                for (int i = 0; i < WARMUP_ROUNDS; i++) {
                    stream(tapA, tapB, WARMUP_FRAMES, false);
                }
                long[] startA = allocated(threadsA);
                long[] startB = allocated(threadsB);
                long droppedBefore = network.dropped();
                long startNs = System.nanoTime();
                stream(tapA, tapB, MEASURED_FRAMES, true);
                long windowMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
                long[] usedA = minus(allocated(threadsA), startA);
                long[] usedB = minus(allocated(threadsB), startB);
                if (network.dropped() != droppedBefore) {
                    throw new IllegalStateException("the network dropped " + (network.dropped() - droppedBefore)
                            + " datagrams in the measured window");
                }
                return new Figures(jce.sealBytes, jce.openBytes, windowMs, usedA, usedB);
            }
        }
    }

    /**
     * Each direction carries {@code frames} frames, both at once, paced so at most {@link #IN_FLIGHT} are
     * under way; returns when both far ends wrote them all.
     */
    private static void stream(ScriptedTap tapA, ScriptedTap tapB, int frames, boolean mustBeLossless) {
        long targetAtB = tapB.written() + frames;
        long targetAtA = tapA.written() + frames;
        long grantedA = 0;
        long grantedB = 0;
        long deadlineNs = System.nanoTime() + ROUND_DEADLINE_NS;
        while ((tapB.written() < targetAtB || tapA.written() < targetAtA) && System.nanoTime() < deadlineNs) {
            long inFlightAb = grantedA - (tapB.written() - (targetAtB - frames));
            if (grantedA < frames && inFlightAb < IN_FLIGHT) {
                long n = Math.min(IN_FLIGHT - inFlightAb, frames - grantedA);
                tapA.grant(n);
                grantedA += n;
            }
            long inFlightBa = grantedB - (tapA.written() - (targetAtA - frames));
            if (grantedB < frames && inFlightBa < IN_FLIGHT) {
                long n = Math.min(IN_FLIGHT - inFlightBa, frames - grantedB);
                tapB.grant(n);
                grantedB += n;
            }
            if (!mustBeLossless && grantedA == frames && grantedB == frames) {
                // Warm-up: frames dropped while the switches learn never arrive; stop waiting for them.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                break;
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
        }
        if (mustBeLossless && (tapB.written() != targetAtB || tapA.written() != targetAtA)) {
            throw new IllegalStateException("the measured window lost frames or ran past its deadline: a->b "
                    + (tapB.written() - targetAtB + frames) + " of " + frames + ", b->a "
                    + (tapA.written() - targetAtA + frames) + " of " + frames);
        }
    }

    /** The JCE's allocation per seal and per open, as PeerCrypto calls it: in place on a heap array. */
    private record JceCost(double sealBytes, double openBytes) {
        static JceCost measure(int frameLength) {
            byte[] key = new byte[32];
            new Random(7).nextBytes(key);
            TransportCipher sealer = TransportCipher.sealer(key);
            TransportCipher opener = TransportCipher.opener(key);
            byte[] message = new byte[WireFormat.DATA_OVERHEAD + 2048];
            byte[] sealed = new byte[message.length];
            new Random(8).nextBytes(message);
            long counter = 0;
            for (int round = 0; round < WARMUP_ROUNDS; round++) {
                counter = sealMany(sealer, message, counter, WARMUP_FRAMES, frameLength);
                openMany(opener, sealed(sealer, message, sealed, counter++, frameLength), message, WARMUP_FRAMES,
                        frameLength, counter - 1);
            }
            long before = THREADS.getCurrentThreadAllocatedBytes();
            counter = sealMany(sealer, message, counter, MEASURED_FRAMES, frameLength);
            long sealBytes = THREADS.getCurrentThreadAllocatedBytes() - before;
            byte[] template = sealed(sealer, message, sealed, counter, frameLength);
            before = THREADS.getCurrentThreadAllocatedBytes();
            openMany(opener, template, message, MEASURED_FRAMES, frameLength, counter);
            long openBytes = THREADS.getCurrentThreadAllocatedBytes() - before;
            return new JceCost((double) sealBytes / MEASURED_FRAMES, (double) openBytes / MEASURED_FRAMES);
        }

        private static long sealMany(TransportCipher sealer, byte[] message, long counter, int count, int frameLength) {
            for (int i = 0; i < count; i++) {
                sealer.seal(counter++, message, 0, DataMessage.HEADER_LENGTH, DataMessage.HEADER_LENGTH, frameLength);
            }
            return counter;
        }

        private static byte[] sealed(TransportCipher sealer, byte[] message, byte[] into, long counter,
                                     int frameLength) {
            System.arraycopy(message, 0, into, 0, message.length);
            sealer.seal(counter, into, 0, DataMessage.HEADER_LENGTH, DataMessage.HEADER_LENGTH, frameLength);
            return into;
        }

        /** Opens the same message again and again: the replay check is PeerCrypto's, not the cipher's. */
        private static void openMany(TransportCipher opener, byte[] template, byte[] scratch, int count,
                                     int frameLength, long counter) {
            int ciphertextLength = frameLength + TransportCipher.TAG_LENGTH;
            for (int i = 0; i < count; i++) {
                System.arraycopy(template, 0, scratch, 0, DataMessage.HEADER_LENGTH + ciphertextLength);
                int n = opener.open(counter, scratch, 0, DataMessage.HEADER_LENGTH, DataMessage.HEADER_LENGTH,
                        ciphertextLength);
                if (n != frameLength) {
                    throw new AssertionError("open failed: " + n);
                }
            }
        }
    }

    /** 64 distinct frames {@code source -> destination} with a local experimental EtherType, fixed seed. */
    private static byte[][] frames(long destination, long source, long seed) {
        Random random = new Random(seed);
        byte[][] frames = new byte[64][];
        for (int i = 0; i < frames.length; i++) {
            byte[] f = new byte[FRAME_LENGTH];
            random.nextBytes(f);
            for (int b = 0; b < 6; b++) {
                f[b] = (byte) (destination >>> (40 - 8 * b));
                f[6 + b] = (byte) (source >>> (40 - 8 * b));
            }
            f[12] = (byte) 0x88;
            f[13] = (byte) 0xb5;
            frames[i] = f;
        }
        return frames;
    }

    private Platform platform(TapDevice tap) {
        return new Platform() {
            @Override
            public TapDevice openTap(String name, int mtu) {
                return tap;
            }

            @Override
            public DatagramPort bindUdp(InetSocketAddress listen) {
                return network.bind(listen);
            }

            @Override
            public NanoClock clock() {
                return NanoClock.SYSTEM;
            }
        };
    }

    private static SiteConfig site(Path dir, String name, String tap, InetSocketAddress listen, String peer, InetSocketAddress endpoint,
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
        Peer p = daemon.peers().byName(peer);
        for (int i = 0; i < 250 && !p.isUp(); i++) {
            Thread.sleep(20);
        }
        if (!p.isUp()) {
            throw new IllegalStateException("peer " + peer + " did not come up within 5 s");
        }
    }

    private static Set<Long> threadIds() {
        Set<Long> ids = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            ids.add(t.getId());
        }
        return ids;
    }

    /** The ids of the data-path threads started since {@code before}, in {@link #ROLES} order. */
    private static long[] roleThreads(Set<Long> before) {
        long[] ids = new long[ROLES.length];
        for (int r = 0; r < ROLES.length; r++) {
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().equals(ROLES[r]) && !before.contains(t.getId())) {
                    if (ids[r] != 0) {
                        throw new IllegalStateException("two new threads named " + ROLES[r]);
                    }
                    ids[r] = t.getId();
                }
            }
            if (ids[r] == 0) {
                throw new IllegalStateException("no thread named " + ROLES[r] + " was started");
            }
        }
        return ids;
    }

    private static long[] allocated(long[] ids) {
        long[] bytes = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            bytes[i] = THREADS.getThreadAllocatedBytes(ids[i]);
            if (bytes[i] < 0) {
                throw new IllegalStateException("thread " + ROLES[i] + " died during the measurement");
            }
        }
        return bytes;
    }

    private static long[] minus(long[] a, long[] b) {
        long[] d = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    private static java.net.InetAddress addr(int a, int b, int c, int d) {
        try {
            return java.net.InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
