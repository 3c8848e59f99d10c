package org.tapbridge.daemon;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.StaticMacConfig;
import org.tapbridge.control.ControlServer;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.Peer;
import org.tapbridge.link.PeerLinks;
import org.tapbridge.link.PeerListener;
import org.tapbridge.link.PeerTable;
import org.tapbridge.pipeline.EgressStage;
import org.tapbridge.pipeline.FrameRing;
import org.tapbridge.pipeline.FrameSender;
import org.tapbridge.pipeline.PortFlushRequests;
import org.tapbridge.pipeline.SwitchCommand;
import org.tapbridge.pipeline.SwitchStage;
import org.tapbridge.pipeline.TapReader;
import org.tapbridge.pipeline.TapSender;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.tap.TapDevice;

/**
 * One running site: TAP, ring, switch, peer links and control socket, wired and started in an order
 * that makes every bind or open error surface before the daemon calls itself ready.
 */
public final class Daemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Daemon.class.getName());
    /** Ring slots: enough to absorb a burst from every producer while the switch is descheduled. */
    private static final int RING_SLOTS = 4096;
    /** Aging and keepalive duty cycle: fine enough for 1 s damping, cheap at 10 events a second. */
    private static final long TICK_MILLIS = 100;
    /** Room after the Ethernet header and one VLAN tag, plus one byte to tell a full slot from a truncated read. */
    private static final int FRAME_OVERHEAD = 14 + 4 + 4 + 1;
    private static final int MIN_SLOT = 2048;
    private static final long QUERY_TIMEOUT_NS = 5_000_000_000L;
    /** Fifty missed ticks: far beyond scheduling noise, far below the watchdog's 30 s. */
    private static final long HEALTHY_TICK_AGE_NS = 5_000_000_000L;

    private final SiteConfig config;
    private final TapDevice tap;
    private final PeerTable peers;
    private final FrameRing ring;
    private final SwitchStage switchStage;
    private final PortFlushRequests flushRequests;
    private final TapReader tapReader;
    private final TapSender tapSender;
    private final PeerLinks links;
    private final ControlServer control;
    private final ScheduledExecutorService ticker;
    private final List<PeerListener> listeners = new ArrayList<>();
    private Thread tapThread;
    private volatile boolean closed;

    private Daemon(SiteConfig config, LinkSecurity keys, Platform platform, LinkTimers timers,
                   boolean withControlSocket) throws IOException {
        this.config = config;
        TapDevice openedTap = platform.openTap(config.tap(), config.tapMtu());
        DatagramPort udp = null;
        PeerLinks boundLinks = null;
        try {
            this.tap = openedTap;
            this.peers = new PeerTable(config.peers());
            LearningSwitch learningSwitch = buildSwitch(config, peers);
            int slot = Math.max(MIN_SLOT, roundUp(tap.mtu() + FRAME_OVERHEAD, 64));
            FrameSender[] senders = new FrameSender[peers.portCount()];
            this.flushRequests = new PortFlushRequests(config.switchSettings().maxPorts());
            this.switchStage = new SwitchStage(learningSwitch, platform.clock(), config.switchSettings().maxPorts(),
                    flushRequests);
            PeerLinks[] linksForTick = new PeerLinks[1];
            this.ring = new FrameRing(RING_SLOTS, slot, switchStage,
                    new EgressStage(senders, nowNs -> linksForTick[0].onTick(nowNs), platform.clock()));
            udp = platform.bindUdp(config.listen());
            boundLinks = PeerLinks.bind(config, peers, udp, ring, new Dispatch(), platform.clock(), timers,
                    keys);
            linksForTick[0] = boundLinks;
            this.links = boundLinks;
            FrameSender[] peerSenders = links.senders();
            System.arraycopy(peerSenders, 0, senders, 0, peerSenders.length);
            this.tapSender = new TapSender(tap);
            senders[LearningSwitch.LOCAL_PORT] = tapSender;
            this.tapReader = new TapReader(tap, ring);
            this.control = withControlSocket
                    ? ControlServer.bind(config.controlSocket(), new SiteReports(this)) : null;
            this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ticker");
                t.setDaemon(true);
                return t;
            });
        } catch (IOException | RuntimeException e) {
            if (boundLinks != null) {
                boundLinks.close();
            } else if (udp != null) {
                udp.close();
            }
            openedTap.close();
            throw e;
        }
    }

    /** Opens, binds and starts everything; returns once frames can flow. */
    public static Daemon start(SiteConfig config, LinkSecurity keys, Platform platform) throws IOException {
        return start(config, keys, platform, LinkTimers.defaults(), true);
    }

    public static Daemon start(SiteConfig config, LinkSecurity keys, Platform platform, LinkTimers timers,
                               boolean withControlSocket) throws IOException {
        Daemon daemon = new Daemon(config, keys, platform, timers, withControlSocket);
        daemon.startThreads();
        return daemon;
    }

    private void startThreads() {
        ring.start();
        tapThread = new Thread(tapReader, "tap-reader");
        tapThread.setDaemon(true);
        tapThread.start();
        links.start();
        if (control != null) {
            control.start();
        }
        ticker.scheduleAtFixedRate(ring::publishTick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
        LOG.log(System.Logger.Level.INFO, "site " + config.name() + ": TAP " + tap.name() + " (MTU " + tap.mtu()
                + "), " + peers.peers().size() + " peer(s), listening on "
                + (config.listen() == null ? "(dial-out only)" : config.listen()));
    }

    private static LearningSwitch buildSwitch(SiteConfig config, PeerTable peers) {
        LearningSwitch sw = new LearningSwitch(config.switchSettings());
        sw.addPort(LearningSwitch.LOCAL_PORT, LearningSwitch.NO_GROUP);
        for (Peer peer : peers.peers()) {
            sw.addPort(peer.port(), groupOf(peer.config()));
        }
        for (StaticMacConfig s : config.staticMacs()) {
            int port = s.port().equals("local") ? LearningSwitch.LOCAL_PORT : peers.byName(s.port()).port();
            sw.addStaticEntry(s.vlan(), s.mac(), port);
        }
        return sw;
    }

    private static int groupOf(PeerConfig peer) {
        // Mesh peers reach every site directly, so relaying between them would only duplicate frames.
        return peer.spoke() ? LearningSwitch.NO_GROUP : LearningSwitch.MESH_GROUP;
    }

    private static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    public SiteConfig config() {
        return config;
    }

    public PeerTable peers() {
        return peers;
    }

    public PeerLinks links() {
        return links;
    }

    public TapDevice tap() {
        return tap;
    }

    TapReader tapReader() {
        return tapReader;
    }

    TapSender tapSender() {
        return tapSender;
    }

    SwitchStage switchStage() {
        return switchStage;
    }

    /**
     * True while the switch thread keeps up with the ticker: the systemd watchdog is fed only then,
     * so a wedged ring gets the daemon restarted.
     */
    public boolean healthy() {
        long last = switchStage.lastTickNs();
        return !closed && last != 0 && System.nanoTime() - last < HEALTHY_TICK_AGE_NS;
    }

    /** Runs {@code query} on the switch thread and waits for its answer. */
    public <T> T onSwitchThread(java.util.function.BiFunction<LearningSwitch, Long, T> query)
            throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        SwitchCommand command = (sw, nowNs) -> {
            try {
                result.complete(query.apply(sw, nowNs));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        };
        long deadlineNs = System.nanoTime() + QUERY_TIMEOUT_NS;
        while (!ring.tryPublishCommand(command)) {
            if (System.nanoTime() - deadlineNs > 0) {
                throw new java.util.concurrent.TimeoutException("the switch thread has not taken a request for "
                        + QUERY_TIMEOUT_NS / 1_000_000_000L + " s; the data path is stuck or overloaded");
            }
            Thread.sleep(1);
        }
        return result.get(Math.max(1, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** Listeners hear about peers coming and going, e.g. for the service status line. */
    public synchronized void addPeerListener(PeerListener listener) {
        listeners.add(listener);
    }

    private final class Dispatch implements PeerListener {
        @Override
        public void peerUp(Peer peer) {
            LOG.log(System.Logger.Level.INFO, "peer " + peer.name() + " is up at " + peer.endpoint());
            for (PeerListener l : snapshot()) {
                l.peerUp(peer);
            }
        }

        @Override
        public void peerDown(Peer peer) {
            LOG.log(System.Logger.Level.WARNING, "peer " + peer.name() + " is down; forgetting its MACs");
            // Frames for MACs behind a dead peer must flood again, not vanish into its port. Often
            // called on the egress thread, so it must not wait for a ring slot.
            flushRequests.request(peer.port());
            for (PeerListener l : snapshot()) {
                l.peerDown(peer);
            }
        }

        private List<PeerListener> snapshot() {
            synchronized (Daemon.this) {
                return List.copyOf(listeners);
            }
        }
    }

    /** Stops producers first, then lets the ring drain, then releases the devices. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ticker.shutdownNow();
        tapReader.stop();
        if (control != null) {
            control.close();
        }
        links.close();
        try {
            if (tapThread != null) {
                tapThread.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ring.stop(500);
        tap.close();
        LOG.log(System.Logger.Level.INFO, "site " + config.name() + " stopped");
    }
}
