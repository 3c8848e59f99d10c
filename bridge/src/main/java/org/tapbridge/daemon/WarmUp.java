package org.tapbridge.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
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
    /** Far above the 256 frames the pump lets be in flight, so nothing drops. */
    private static final int NETWORK_SLOTS = 1024;
    private static final int NETWORK_SLOT_BYTES = 2048;

    private WarmUp() {
    }

    /** Warms the data path up; returns the frames carried, or -1 when it could not run (logged, harmless). */
    static long run() {
        long startNs = System.nanoTime();
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

    private static InetSocketAddress address(int host) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 198, 18, 0, (byte) host}), 4790);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
