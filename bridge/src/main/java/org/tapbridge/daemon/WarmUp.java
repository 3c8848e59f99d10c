package org.tapbridge.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.tapbridge.offload.VirtioNetHeader;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.Keys;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.SlotDatagramNetwork;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.tap.ScriptedTapDevice;

/**
 * Runs the hot path until the JIT has compiled it, before the daemon says it is ready: two throwaway
 * sites, keyed with throwaway keys, pass a stream of frames both ways through the very classes the real
 * site uses: the loop, the switch, MSS clamping, sealing, opening, the links, and, joined over loopback
 * (see {@link LoopbackPlatform}), the native TAP code, UDP socket and poll. Using the production classes
 * matters as much as the volume: code compiled around other classes is thrown away at the first real
 * frame, and at a few frames a second it takes minutes to be compiled again. Where loopback cannot be
 * used, the sites are joined in memory instead. The real site's own state is never touched. Without a
 * warm-up, the first pings after a start took 2-18 ms (docs/benchmarks).
 */
final class WarmUp {
    private static final System.Logger LOG = System.getLogger(WarmUp.class.getName());
    /** Enough frames for the hot methods to pass C2's compile thresholds (about 10 000 calls each). */
    static final int FRAMES_PER_DIRECTION = 30_000;
    /** A slow or busy machine must not hold the start for long: stop warming after this. */
    static final long DEADLINE_NS = 3_000_000_000L;
    /** Beyond the deadline, how long to let queued compilations finish. */
    static final long COMPILER_GRACE_NS = 1_000_000_000L;
    /** Far above the 256 frames the pump lets be in flight, so nothing drops. */
    private static final int NETWORK_SLOTS = 1024;
    private static final int NETWORK_SLOT_BYTES = 2048;
    private static final int WARM_UP_WAN_MTU = 9000;

    private WarmUp() {
    }

    /**
     * Warms the data path up, with the offload paths ({@code [site] offloads}) or without; returns the
     * frames carried, or -1 when it could not run (logged, harmless).
     */
    static long run(boolean offloads) {
        return run(DEADLINE_NS, offloads);
    }

    /** As {@link #run(boolean)}, giving up after {@code budgetNs}; tests give it time to carry everything. */
    static long run(long budgetNs, boolean offloads) {
        long startNs = System.nanoTime();
        LoopbackPlatform platformA = null;
        LoopbackPlatform platformB = null;
        try {
            platformA = LoopbackPlatform.open(offloads);
            platformB = LoopbackPlatform.open(offloads);
        } catch (IOException | RuntimeException e) {
            close(platformA);
            LOG.log(System.Logger.Level.INFO, "warm-up: loopback unavailable (" + e.getMessage()
                    + "); warming up in memory");
            return runInMemory(startNs, budgetNs);
        }
        try {
            return runOnLoopback(platformA, platformB, startNs, budgetNs);
        } finally {
            close(platformA);
            close(platformB);
        }
    }

    private static void close(LoopbackPlatform platform) {
        if (platform != null) {
            platform.close();
        }
    }

    private static long runOnLoopback(LoopbackPlatform pa, LoopbackPlatform pb, long startNs, long budgetNs) {
        try {
            byte[] keyA = Keys.generatePrivate(new SecureRandom());
            byte[] keyB = Keys.generatePrivate(new SecureRandom());
            InetSocketAddress addressA = pa.address();
            InetSocketAddress addressB = pb.address();
            try (Daemon a = Daemon.startQuietly(site("warm-a", addressA, addressB, keyB),
                    security(keyA, "warm-b", keyB), pa);
                 Daemon b = Daemon.startQuietly(site("warm-b", addressB, addressA, keyA),
                         security(keyB, "warm-a", keyA), pb)) {
                long deadlineNs = startNs + budgetNs;
                if (!awaitUp(a, b, deadlineNs)) {
                    return -1;
                }
                long carried = new HostPump(pa.hostSide(), pb.hostSide()).run(deadlineNs);
                awaitCompilerIdle(deadlineNs + COMPILER_GRACE_NS);
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
     * Compilation runs in the background: the hot methods may still be queued for C2 when the frames
     * stop. Waits, bounded, until the compilers have been idle for a moment, so the real site starts on
     * compiled code rather than racing the compiler for the CPU.
     */
    private static void awaitCompilerIdle(long deadlineNs) throws InterruptedException {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long last = jit.getTotalCompilationTime();
        int quietChecks = 0;
        while (quietChecks < 3 && System.nanoTime() - deadlineNs < 0) {
            Thread.sleep(50);
            long now = jit.getTotalCompilationTime();
            quietChecks = now == last ? quietChecks + 1 : 0;
            last = now;
        }
    }

    private static boolean awaitUp(Daemon a, Daemon b, long deadlineNs) throws InterruptedException {
        while (!(a.peers().byName("warm-b").isUp() && b.peers().byName("warm-a").isUp())) {
            if (System.nanoTime() - deadlineNs > 0) {
                LOG.log(System.Logger.Level.WARNING, "warm-up: the throwaway sites did not connect; skipped");
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    /** The in-memory variant, where loopback sockets cannot be had. */
    static long runInMemory(long startNs, long budgetNs) {
        try {
            SlotDatagramNetwork network = new SlotDatagramNetwork(NETWORK_SLOTS, NETWORK_SLOT_BYTES);
            InetSocketAddress addressA = address(1);
            InetSocketAddress addressB = address(2);
            byte[] keyA = Keys.generatePrivate(new SecureRandom());
            byte[] keyB = Keys.generatePrivate(new SecureRandom());
            ScriptedTapDevice tapA = new ScriptedTapDevice("warm0", 1500,
                    frames(0x02_00_00_00_0a_01L, 0x02_00_00_00_0b_01L));
            ScriptedTapDevice tapB = new ScriptedTapDevice("warm0", 1500,
                    frames(0x02_00_00_00_0b_01L, 0x02_00_00_00_0a_01L));
            try (Daemon a = Daemon.startQuietly(site("warm-a", addressA, addressB, keyB),
                    security(keyA, "warm-b", keyB), new MemoryPlatform(tapA, network));
                 Daemon b = Daemon.startQuietly(site("warm-b", addressB, addressA, keyA),
                         security(keyB, "warm-a", keyA), new MemoryPlatform(tapB, network))) {
                long deadlineNs = startNs + budgetNs;
                if (!awaitUp(a, b, deadlineNs)) {
                    return -1;
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
    private static long pump(ScriptedTapDevice tapA, ScriptedTapDevice tapB, long deadlineNs)
            throws InterruptedException {
        int window = 256;
        long lastCarried = -1;
        long quietSinceNs = System.nanoTime();
        while (System.nanoTime() - deadlineNs < 0) {
            long atB = tapB.written();
            long atA = tapA.written();
            long carried = atA + atB;
            if (carried != lastCarried) {
                lastCarried = carried;
                quietSinceNs = System.nanoTime();
            } else if (tapA.released() == FRAMES_PER_DIRECTION && tapB.released() == FRAMES_PER_DIRECTION
                    && System.nanoTime() - quietSinceNs > 50_000_000L) {
                break;
            }
            tapA.releaseUpTo(Math.min(FRAMES_PER_DIRECTION, atB + window));
            tapB.releaseUpTo(Math.min(FRAMES_PER_DIRECTION, atA + window));
            Thread.sleep(0, 200_000);
        }
        return tapA.written() + tapB.written();
    }

    /**
     * Plays both LAN hosts over the message sockets: sends each site's frames, a window ahead of what arrived
     * on the other side, and counts arrivals, until all arrived or nothing more comes, or the deadline.
     */
    private static final class HostPump {
        /** Frames in flight per direction: few enough for the message sockets, which hold about a hundred. */
        private static final int WINDOW = 64;
        private final org.tapbridge.tap.LinuxTapDevice hostA;
        private final org.tapbridge.tap.LinuxTapDevice hostB;
        private final ByteBuffer[] fromA;
        private final ByteBuffer[] fromB;
        private final ByteBuffer sink = ByteBuffer.allocateDirect(2048);
        private long sentA;
        private long sentB;
        private long arrivedA;
        private long arrivedB;

        HostPump(org.tapbridge.tap.LinuxTapDevice hostA, org.tapbridge.tap.LinuxTapDevice hostB) {
            this.hostA = hostA;
            this.hostB = hostB;
            int vnet = hostA.vnetHeaderLength();
            this.fromA = direct(frames(0x02_00_00_00_0a_01L, 0x02_00_00_00_0b_01L), vnet);
            this.fromB = direct(frames(0x02_00_00_00_0b_01L, 0x02_00_00_00_0a_01L), vnet);
        }

        long run(long deadlineNs) throws IOException, InterruptedException {
            long quietSinceNs = System.nanoTime();
            while (System.nanoTime() - deadlineNs < 0) {
                boolean progress = false;
                while (sentA < FRAMES_PER_DIRECTION && sentA - arrivedB < WINDOW
                        && send(hostA, fromA, sentA)) {
                    sentA++;
                    progress = true;
                }
                while (sentB < FRAMES_PER_DIRECTION && sentB - arrivedA < WINDOW
                        && send(hostB, fromB, sentB)) {
                    sentB++;
                    progress = true;
                }
                while (hostA.read(sink, 0, sink.capacity()) > 0) {
                    arrivedA++;
                    progress = true;
                }
                while (hostB.read(sink, 0, sink.capacity()) > 0) {
                    arrivedB++;
                    progress = true;
                }
                if (arrivedA >= FRAMES_PER_DIRECTION && arrivedB >= FRAMES_PER_DIRECTION) {
                    break;
                }
                if (progress) {
                    quietSinceNs = System.nanoTime();
                } else if (System.nanoTime() - quietSinceNs > 50_000_000L && sentA == FRAMES_PER_DIRECTION
                        && sentB == FRAMES_PER_DIRECTION) {
                    break;
                } else {
                    Thread.sleep(0, 100_000);
                }
            }
            return arrivedA + arrivedB;
        }

        private static boolean send(org.tapbridge.tap.LinuxTapDevice host, ByteBuffer[] frames, long n)
                throws IOException {
            ByteBuffer frame = frames[(int) (n % frames.length)];
            return host.write(frame, 0, frame.capacity());
        }

        /**
         * The frames as the host side writes them: behind a vnet header of {@code vnet} bytes when the TAP has
         * one, which asks for the TCP checksum to be finished (as a host's kernel with checksum offload
         * does) on untagged IPv4 TCP frames, and is all zeros on the rest.
         */
        private static ByteBuffer[] direct(byte[][] frames, int vnet) {
            ByteBuffer[] out = new ByteBuffer[frames.length];
            for (int i = 0; i < frames.length; i++) {
                byte[] f = frames[i];
                ByteBuffer b = ByteBuffer.allocateDirect(vnet + f.length).put(vnet, f);
                boolean ipv4Tcp = f.length >= 54 && (f[12] & 0xFF) == 0x08 && f[13] == 0 && (f[14] & 0x0F) == 5
                        && f[23] == 6;
                if (vnet > 0 && ipv4Tcp) {
                    ByteBuffer header = b.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    header.put(VirtioNetHeader.FLAGS_OFFSET, (byte) VirtioNetHeader.F_NEEDS_CSUM);
                    header.putShort(VirtioNetHeader.CSUM_START_OFFSET, (short) 34);
                    header.putShort(VirtioNetHeader.CSUM_OFFSET_OFFSET, (short) VirtioNetHeader.TCP_CSUM_OFFSET);
                }
                out[i] = b;
            }
            return out;
        }
    }

    private static byte[][] frames(long source, long destination) {
        return WarmUpFrames.mix(source, destination);
    }

    private static SiteConfig site(String name, InetSocketAddress listen, InetSocketAddress peer, byte[] peerKey) {
        String peerName = name.equals("warm-a") ? "warm-b" : "warm-a";
        // A WAN MTU above any frame: the warm-up must carry its 1514-byte frames whole, as the common case.
        return new SiteConfig(Path.of("(warm-up)"), name, "warm0", 0, listen, null, null, SwitchSettings.defaults(),
                List.of(new PeerConfig(peerName, peer, Transport.UDP, Keys.encode(Keys.publicFromPrivate(peerKey)),
                        null, false)), List.of(), WARM_UP_WAN_MTU);
    }

    private static LinkSecurity security(byte[] own, String peer, byte[] peerPrivate) {
        return new LinkSecurity(own, Map.of(peer, Keys.publicFromPrivate(peerPrivate)), Map.of(),
                SessionSettings.defaults());
    }

    private static InetSocketAddress address(int host) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 198, 18, 0, (byte) host}), 4790);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
