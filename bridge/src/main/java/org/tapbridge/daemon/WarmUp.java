package org.tapbridge.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.Keys;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.link.Datagrams;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.StreamListener;
import org.tapbridge.link.StreamNetwork;
import org.tapbridge.link.StreamSocket;
import org.tapbridge.link.WireAddress;
import org.tapbridge.pipeline.LoopWaiter;
import org.tapbridge.pipeline.MemoryWaiter;
import org.tapbridge.pipeline.NanoClock;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.tap.TapDevice;

/**
 * Runs the hot path until the JIT has compiled it, before the daemon says it is ready: two throwaway
 * sites, joined in memory and keyed with throwaway keys, pass a stream of frames both ways through the
 * very classes the real site uses (the loop, the switch, MSS clamping, sealing, opening, the links). The
 * real site's own state is never touched. Without it, the first pings after a start took 2-18 ms while
 * the interpreter ran (docs/benchmarks).
 */
final class WarmUp {
    private static final System.Logger LOG = System.getLogger(WarmUp.class.getName());
    /** Enough frames for the hot methods to pass C2's compile thresholds (about 10 000 calls each). */
    static final int FRAMES_PER_DIRECTION = 30_000;
    /** A slow or busy machine must not hold the start for long: stop warming after this. */
    static final long DEADLINE_NS = 3_000_000_000L;
    private static final int[] FRAME_LENGTHS = {1400, 64, 600, 1514};

    private WarmUp() {
    }

    /** Warms the data path up; returns the frames carried, or -1 when it could not run (logged, harmless). */
    static long run() {
        long startNs = System.nanoTime();
        try {
            Loopback network = new Loopback();
            byte[] keyA = Keys.generatePrivate(new SecureRandom());
            byte[] keyB = Keys.generatePrivate(new SecureRandom());
            ScriptTap tapA = new ScriptTap(frames(0x02_00_00_00_0a_01L, 0x02_00_00_00_0b_01L));
            ScriptTap tapB = new ScriptTap(frames(0x02_00_00_00_0b_01L, 0x02_00_00_00_0a_01L));
            try (Daemon a = Daemon.startQuietly(site("warm-a", network.addressA, network.addressB, keyB),
                    security(keyA, "warm-b", keyB), network.platform(tapA, true));
                 Daemon b = Daemon.startQuietly(site("warm-b", network.addressB, network.addressA, keyA),
                         security(keyB, "warm-a", keyA), network.platform(tapB, false))) {
                long deadlineNs = startNs + DEADLINE_NS;
                while (!(a.peers().byName("warm-b").isUp() && b.peers().byName("warm-a").isUp())) {
                    if (System.nanoTime() - deadlineNs > 0) {
                        LOG.log(System.Logger.Level.WARNING, "warm-up: the throwaway sites did not connect; skipped");
                        return -1;
                    }
                    Thread.sleep(1);
                }
                long carried = pump(tapA, tapB, deadlineNs);
                LOG.log(System.Logger.Level.INFO, "warm-up: " + carried + " frames through the data path in "
                        + (System.nanoTime() - startNs) / 1_000_000 + " ms");
                return carried;
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "warm-up failed (the daemon runs anyway, only slower at first): " + e);
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * Releases frames in both directions, a window ahead of what arrived, until all are released and
     * nothing more arrives for a moment, or the deadline passed.
     */
    private static long pump(ScriptTap tapA, ScriptTap tapB, long deadlineNs) throws InterruptedException {
        int window = 256;
        long lastCarried = -1;
        long quietSinceNs = System.nanoTime();
        while (System.nanoTime() - deadlineNs < 0) {
            long atB = tapB.written.get();
            long atA = tapA.written.get();
            long carried = atA + atB;
            if (carried != lastCarried) {
                lastCarried = carried;
                quietSinceNs = System.nanoTime();
            } else if (tapA.released.get() == FRAMES_PER_DIRECTION && tapB.released.get() == FRAMES_PER_DIRECTION
                    && System.nanoTime() - quietSinceNs > 50_000_000L) {
                break;
            }
            tapA.release(Math.min(FRAMES_PER_DIRECTION, atB + window));
            tapB.release(Math.min(FRAMES_PER_DIRECTION, atA + window));
            Thread.sleep(0, 200_000);
        }
        return tapA.written.get() + tapB.written.get();
    }

    private static byte[][] frames(long source, long destination) {
        byte[][] frames = new byte[FRAME_LENGTHS.length * 4][];
        for (int i = 0; i < frames.length; i++) {
            int length = FRAME_LENGTHS[i % FRAME_LENGTHS.length];
            ByteBuffer f = ByteBuffer.allocate(length);
            for (int b = 5; b >= 0; b--) {
                f.put(5 - b, (byte) (destination >>> (8 * b)));
                f.put(11 - b, (byte) (source >>> (8 * b)));
            }
            // Alternate IPv4 TCP (the MSS clamp's parse) and an experimental EtherType.
            boolean tcp = (i & 1) == 0;
            f.putShort(12, (short) (tcp ? 0x0800 : 0x88b5));
            if (tcp) {
                f.put(14, (byte) 0x45);
                f.putShort(16, (short) (length - 14));
                f.put(22, (byte) 64);
                f.put(23, (byte) 6);
                f.put(34 + 12, (byte) 0x50);
                f.put(34 + 13, (byte) 0x10);
            }
            frames[i] = f.array();
        }
        return frames;
    }

    private static SiteConfig site(String name, InetSocketAddress listen, InetSocketAddress peer, byte[] peerKey) {
        String peerName = name.equals("warm-a") ? "warm-b" : "warm-a";
        return new SiteConfig(Path.of("(warm-up)"), name, "warm0", 0, listen, null, null, SwitchSettings.defaults(),
                List.of(new PeerConfig(peerName, peer, Transport.UDP, Keys.encode(Keys.publicFromPrivate(peerKey)),
                        null, false)), List.of());
    }

    private static LinkSecurity security(byte[] own, String peer, byte[] peerPrivate) {
        return new LinkSecurity(own, Map.of(peer, Keys.publicFromPrivate(peerPrivate)), Map.of(),
                SessionSettings.defaults());
    }

    /** A TAP whose host side replays preloaded frames up to a released count, and counts what is written. */
    private static final class ScriptTap implements TapDevice {
        private final byte[][] frames;
        private final AtomicLong released = new AtomicLong();
        private final AtomicLong written = new AtomicLong();
        private long read;
        private volatile Runnable wake = () -> { };

        ScriptTap(byte[][] frames) {
            this.frames = frames;
        }

        void release(long upTo) {
            if (upTo > released.get()) {
                released.set(upTo);
                wake.run();
            }
        }

        boolean hasPending() {
            return read < released.get();
        }

        @Override
        public String name() {
            return "warm0";
        }

        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public int read(ByteBuffer buf, int offset, int capacity) {
            if (read >= released.get()) {
                return 0;
            }
            byte[] f = frames[(int) (read++ % frames.length)];
            int n = Math.min(f.length, capacity);
            buf.put(offset, f, 0, n);
            return n;
        }

        @Override
        public boolean write(ByteBuffer buf, int offset, int length) {
            written.lazySet(written.get() + 1);
            return true;
        }

        @Override
        public long possiblyTruncatedReads() {
            return 0;
        }

        @Override
        public void close() {
        }
    }

    /** Two UDP ports joined in memory through preallocated rings; a full ring drops, as a socket would. */
    private static final class Loopback {
        final InetSocketAddress addressA = address(1);
        final InetSocketAddress addressB = address(2);
        final Port portA = new Port(addressA);
        final Port portB = new Port(addressB);

        Platform platform(ScriptTap tap, boolean siteA) {
            Port own = siteA ? portA : portB;
            Port other = siteA ? portB : portA;
            own.peer = other;
            return new Platform() {
                private MemoryWaiter waiter;

                @Override
                public TapDevice openTap(String name, int mtu) {
                    return tap;
                }

                @Override
                public LoopWaiter newWaiter() {
                    waiter = new MemoryWaiter();
                    tap.wake = waiter::wakeup;
                    waiter.watch(tap::hasPending);
                    return waiter;
                }

                @Override
                public DatagramPort bindUdp(InetSocketAddress listen) {
                    own.wake = waiter::wakeup;
                    waiter.watch(own::hasPending);
                    return own;
                }

                @Override
                public StreamNetwork streams() {
                    return new StreamNetwork() {
                        @Override
                        public StreamListener listen(InetSocketAddress address) throws IOException {
                            throw new IOException("no TCP in the warm-up");
                        }

                        @Override
                        public StreamSocket connect(InetSocketAddress address) throws IOException {
                            throw new IOException("no TCP in the warm-up");
                        }
                    };
                }

                @Override
                public NanoClock clock() {
                    return NanoClock.SYSTEM;
                }
            };
        }

        private static InetSocketAddress address(int host) {
            try {
                return new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 198, 18, 0, (byte) host}),
                        4790);
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** One side of the loopback: a ring of slots the other side's sends land in. */
    private static final class Port implements DatagramPort {
        private static final int SLOTS = 1024;
        private static final int SLOT_BYTES = 2048;
        private final InetSocketAddress address;
        private final WireAddress wire = new WireAddress();
        private final byte[][] data = new byte[SLOTS][SLOT_BYTES];
        private final int[] lengths = new int[SLOTS];
        private final AtomicLong tail = new AtomicLong();
        /** Written by the receiving loop, read by the sender to see whether the ring is full. */
        private final AtomicLong head = new AtomicLong();
        private volatile Runnable wake = () -> { };
        Port peer;

        Port(InetSocketAddress address) {
            this.address = address;
            this.wire.set(address);
        }

        boolean hasPending() {
            return head.get() < tail.get();
        }

        @Override
        public int fd() {
            return -1;
        }

        @Override
        public int receive(Datagrams batch, int max) {
            int n = 0;
            long end = tail.get();
            long h = head.get();
            while (n < max && h < end) {
                int slot = (int) (h % SLOTS);
                int length = Math.min(lengths[slot], batch.bufferCapacity(n));
                batch.buffer(n).put(batch.offset(n), data[slot], 0, length);
                batch.length(n, length);
                batch.truncated(n, false);
                batch.address(n).set(peer.wire);
                h++;
                n++;
            }
            head.lazySet(h);
            return n;
        }

        @Override
        public int send(Datagrams batch, int count) {
            Port to = peer;
            for (int i = 0; i < count; i++) {
                batch.error(i, 0);
                synchronized (to) {
                    long t = to.tail.get();
                    int length = batch.length(i);
                    if (t - to.head.get() >= SLOTS || length > SLOT_BYTES) {
                        continue;
                    }
                    int slot = (int) (t % SLOTS);
                    batch.buffer(i).get(batch.offset(i), to.data[slot], 0, length);
                    to.lengths[slot] = length;
                    to.tail.set(t + 1);
                }
            }
            to.wake.run();
            return count;
        }

        @Override
        public long receiveQueueDrops() {
            return 0;
        }

        @Override
        public int pathMtu(InetSocketAddress peer) {
            return 1500;
        }

        @Override
        public InetSocketAddress localAddress() {
            return address;
        }

        @Override
        public void close() {
        }
    }
}
