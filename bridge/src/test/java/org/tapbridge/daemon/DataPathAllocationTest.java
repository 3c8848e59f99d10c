package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
 * Bytes allocated per frame by each data-path thread of two back-to-back daemons, measured with
 * {@code ThreadMXBean#getThreadAllocatedBytes} over a steady two-way stream. The TAP and the network
 * are allocation-free fakes ({@link ScriptedTap}, {@link SlotNetwork}) so every byte counted comes from
 * the production classes; the JCE's own AES-GCM cost is measured in the same JVM and subtracted.
 */
class DataPathAllocationTest {
    private static final long HOST_A = MacAddress.parse("02:00:00:00:0a:01");
    private static final long HOST_B = MacAddress.parse("02:00:00:00:0b:01");
    private static final InetSocketAddress WAN_A = new InetSocketAddress(addr(198, 18, 0, 1), 4790);
    private static final InetSocketAddress WAN_B = new InetSocketAddress(addr(198, 18, 0, 2), 4790);
    /** A full-size frame below the 1500 MTU: the JCE's cost depends on the length, so it is fixed. */
    private static final int FRAME_LENGTH = 1400;
    private static final int WARMUP_ROUNDS = 3;
    private static final int WARMUP_FRAMES = 20_000;
    private static final int MEASURED_FRAMES = 50_000;
    /** Frames in flight per direction: far below the 4096-slot ring and the network's 1024 slots, so nothing drops. */
    private static final int IN_FLIGHT = 256;
    private static final long ROUND_DEADLINE_NS = TimeUnit.SECONDS.toNanos(60);
    /**
     * Upper bound on what the switch and tap-reader threads may allocate over the whole measured window.
     * A per-frame allocation costs at least 16 bytes (the smallest object) on each of 50 000 frames, i.e.
     * 800 000 bytes; even one frame in 500 allocating would pass 1 KB. What stays under it is per-tick or
     * one-off work (about 10 ticks a second), which is not per frame.
     */
    private static final long PER_WINDOW_LIMIT_BYTES = 1024;
    /**
     * What our code on the crypto threads may add per frame above the JCE's own cost: half the smallest
     * object. Any allocation on every frame, or on every other frame, exceeds it; periodic work (ticks,
     * keepalives) spread over 50 000 frames stays far below it.
     */
    private static final double OURS_PER_FRAME_LIMIT_BYTES = 8.0;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final String[] ROLES = {"tap-reader", "switch", "egress", "peer-rx-udp"};

    @TempDir
    Path dir;

    private final SlotNetwork network = new SlotNetwork();
    private Daemon siteA;
    private Daemon siteB;

    @AfterEach
    void stopBothSites() {
        if (siteA != null) {
            siteA.close();
        }
        if (siteB != null) {
            siteB.close();
        }
    }

    @Test
    void dataPathThreadsAllocateNothingPerFrameBeyondTheJce() throws Exception {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM cannot count allocated bytes per thread");
        JceCost jce = JceCost.measure(FRAME_LENGTH);

        TestKeys keysA = TestKeys.generate();
        TestKeys keysB = TestKeys.generate();
        ScriptedTap tapA = new ScriptedTap("tapa", 1500, frames(HOST_B, HOST_A, 1));
        ScriptedTap tapB = new ScriptedTap("tapb", 1500, frames(HOST_A, HOST_B, 2));
        Set<Long> before = threadIds();
        siteA = Daemon.start(site("a", "tapa", WAN_A, "b", WAN_B, keysB), keys(keysA, "b", keysB),
                platform(tapA), LinkTimers.defaults(), false);
        long[] threadsA = roleThreads(before);
        before = threadIds();
        siteB = Daemon.start(site("b", "tapb", WAN_B, "a", WAN_A, keysA), keys(keysB, "a", keysA),
                platform(tapB), LinkTimers.defaults(), false);
        long[] threadsB = roleThreads(before);
        awaitUp(siteA, "b");
        awaitUp(siteB, "a");

        for (int i = 0; i < WARMUP_ROUNDS; i++) {
            stream(tapA, tapB, WARMUP_FRAMES, false);
        }
        long[] startA = allocated(threadsA);
        long[] startB = allocated(threadsB);
        long droppedBefore = network.dropped();
        stream(tapA, tapB, MEASURED_FRAMES, true);
        long[] usedA = minus(allocated(threadsA), startA);
        long[] usedB = minus(allocated(threadsB), startB);
        assertEquals(droppedBefore, network.dropped(), "the network dropped datagrams in the measured window");

        System.out.printf("JCE AES-GCM, %d-byte frame, in place on byte[] (incl. our 56 B GCMParameterSpec):"
                + " seal %.1f B/op, open %.1f B/op%n", FRAME_LENGTH, jce.sealBytes, jce.openBytes);
        report("a", usedA, jce);
        report("b", usedB, jce);
        check("a", usedA, jce);
        check("b", usedB, jce);
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
        if (mustBeLossless) {
            assertEquals(targetAtB, tapB.written(), "frames a->b did not all arrive within the deadline");
            assertEquals(targetAtA, tapA.written(), "frames b->a did not all arrive within the deadline");
        }
    }

    private static void report(String site, long[] used, JceCost jce) {
        double n = MEASURED_FRAMES;
        System.out.printf("site %s over %d frames each way: tap-reader %d B (%.3f B/frame), switch %d B"
                        + " (%.3f B/frame of %d frames), egress %.1f B/frame (ours %.2f after %.1f JCE seal),"
                        + " peer-rx-udp %.1f B/frame (ours %.2f after %.1f JCE open)%n",
                site, MEASURED_FRAMES, used[0], used[0] / n, used[1], used[1] / (2 * n), 2 * MEASURED_FRAMES,
                used[2] / n, used[2] / n - jce.sealBytes, jce.sealBytes,
                used[3] / n, used[3] / n - jce.openBytes, jce.openBytes);
    }

    private static void check(String site, long[] used, JceCost jce) {
        assertTrue(used[0] < PER_WINDOW_LIMIT_BYTES, "site " + site + " tap-reader allocated " + used[0]
                + " B over " + MEASURED_FRAMES + " frames, limit " + PER_WINDOW_LIMIT_BYTES);
        assertTrue(used[1] < PER_WINDOW_LIMIT_BYTES, "site " + site + " switch allocated " + used[1]
                + " B over " + 2 * MEASURED_FRAMES + " frames, limit " + PER_WINDOW_LIMIT_BYTES);
        // Egress seals every a->b frame (JCE) and writes every b->a frame to the TAP (no JCE).
        double egressOurs = (used[2] - MEASURED_FRAMES * jce.sealBytes) / MEASURED_FRAMES;
        assertTrue(egressOurs < OURS_PER_FRAME_LIMIT_BYTES, String.format("site %s egress allocates %.2f B/frame"
                + " beyond the JCE's %.1f B/seal, limit %.1f", site, egressOurs, jce.sealBytes,
                OURS_PER_FRAME_LIMIT_BYTES));
        double rxOurs = (used[3] - MEASURED_FRAMES * jce.openBytes) / MEASURED_FRAMES;
        assertTrue(rxOurs < OURS_PER_FRAME_LIMIT_BYTES, String.format("site %s peer-rx-udp allocates %.2f B/frame"
                + " beyond the JCE's %.1f B/open, limit %.1f", site, rxOurs, jce.openBytes,
                OURS_PER_FRAME_LIMIT_BYTES));
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
        Peer p = daemon.peers().byName(peer);
        for (int i = 0; i < 250 && !p.isUp(); i++) {
            Thread.sleep(20);
        }
        assertTrue(p.isUp(), "peer " + peer + " did not come up within 5 s");
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
                    assertEquals(0, ids[r], "two new threads named " + ROLES[r]);
                    ids[r] = t.getId();
                }
            }
            assertTrue(ids[r] != 0, "no thread named " + ROLES[r] + " was started");
        }
        return ids;
    }

    private static long[] allocated(long[] ids) {
        long[] bytes = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            bytes[i] = THREADS.getThreadAllocatedBytes(ids[i]);
            assertTrue(bytes[i] >= 0, "thread " + ROLES[i] + " died");
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
