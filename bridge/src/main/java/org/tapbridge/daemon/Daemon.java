package org.tapbridge.daemon;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.StaticMacConfig;
import org.tapbridge.control.ControlServer;
import org.tapbridge.crypto.Aeads;
import org.tapbridge.dns.EndpointResolver;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.PeerLink;
import org.tapbridge.link.PeerLinks;
import org.tapbridge.link.PeerListener;
import org.tapbridge.link.PeerTable;
import org.tapbridge.metrics.MetricsServer;
import org.tapbridge.metrics.SiteMetrics;
import org.tapbridge.pipeline.DataPathLoop;
import org.tapbridge.pipeline.FrameRing;
import org.tapbridge.pipeline.FrameSizes;
import org.tapbridge.pipeline.Forwarder;
import org.tapbridge.pipeline.LoopWaiter;
import org.tapbridge.pipeline.MtuGuard;
import org.tapbridge.pipeline.SuperFrameCutter;
import org.tapbridge.pipeline.TapPort;
import org.tapbridge.os.UdpSocket;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.tap.TapDevice;
import org.tapbridge.tap.TapOffloads;

/**
 * One running site: TAP, UDP socket, TCP listener, switch and sessions, all owned by one data-path loop
 * thread, plus the control socket. Opened and bound in an order that makes every error surface before the
 * daemon calls itself ready.
 */
public final class Daemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Daemon.class.getName());
    private static final long QUERY_TIMEOUT_NS = 5_000_000_000L;
    /** Fifty missed ticks: far beyond scheduling noise, far below the watchdog's 30 s. */
    static final long HEALTHY_TURN_AGE_NS = 5_000_000_000L;
    /**
     * A loop that has not run its timers for this long is stuck, not slow: {@link #failure()} says so and
     * {@code tapbridge run} exits non-zero, so the site restarts without waiting for systemd's watchdog
     * (30 s), and even where none watches. Twice the watchdog's threshold, so pings stop first.
     */
    static final long STALL_FAILURE_NS = 2 * HEALTHY_TURN_AGE_NS;
    /**
     * Keep polling this long after the last frame before blocking: a ping's reply or the next frame of a
     * burst is then picked up without a wake-up. 100 µs covers a round trip through the peer gateway on
     * the testbed, so the reply saves one wake-up (the sweep in docs/benchmarks/README.md).
     */
    static final long SPIN_NS = Long.getLong("tapbridge.spin-us", 100) * 1_000L;

    /** Replaced by a live reload ({@link #reload}). */
    private volatile SiteConfig config;
    private final LiveReload reloader = new LiveReload(this);
    /** The file the daemon started from: what SIGHUP and a reload without a file read again. */
    private final java.nio.file.Path startFile;
    private final boolean withControlSocket;
    private final TapDevice tap;
    private final LoopWaiter waiter;
    private final PeerLinks links;
    private final TapPort tapPort;
    private final Forwarder forwarder;
    private final MtuGuard mtuGuard;
    private final DataPathLoop loop;
    private final ControlServer control;
    /** Null without {@code [metrics]}. */
    private final MetricsServer metrics;
    private final EndpointResolver resolver;
    private final List<PeerListener> listeners = new ArrayList<>();
    /** The further loops of {@code [site] queues}; empty for one loop. */
    private final List<QueueLane> lanes = new ArrayList<>();
    private final List<Runnable> reloadListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final boolean logs;
    private Thread loopThread;
    private volatile boolean closed;

    private Daemon(SiteConfig config, LinkSecurity keys, Platform platform, LinkTimers timers,
                   boolean withControlSocket, boolean logs) throws IOException {
        this.config = config;
        this.logs = logs;
        this.withControlSocket = withControlSocket;
        this.startFile = config.file();
        TapDevice openedTap = platform.openTap(config.tap(), config.tapMtu(), config.offloads(), config.queues());
        LoopWaiter openedWaiter = null;
        DatagramPort udp = null;
        MetricsServer boundMetrics = null;
        PeerLinks boundLinks = null;
        try {
            this.tap = openedTap;
            openedWaiter = platform.newWaiter();
            this.waiter = openedWaiter;
            if (tap.mtu() > FrameSizes.MAX_TAP_MTU) {
                throw new IOException("TAP " + tap.name() + " has MTU " + tap.mtu() + ", above the " + FrameSizes.MAX_TAP_MTU
                        + " tapbridge can carry; set [site] mtu in " + config.file() + " or run 'ip link set "
                        + tap.name() + " mtu 1500'");
            }
            DirectMemoryBudget budget = DirectMemoryBudget.forSite(config, tap.mtu(), tap.vnetHeaderLength(),
                    tap.minimumReadCapacity(), withControlSocket);
            // Before any large buffer: a site that cannot fit is refused with the fix in the message, rather
            // than ended half-way by an OutOfMemoryError from whichever buffer comes last.
            budget.requireWithin(config.name(), DirectMemoryBudget.jvmLimitBytes());
            int maxFrame = budget.maxFrame();
            int largestRead = budget.largestRead();
            boolean superFrames = largestRead >= UdpSocket.GRO_BUFFER_BYTES;
            // No UDP GRO with several loops: every loop's datagrams from one peer share one 4-tuple, so the
            // kernel would join datagrams of different lanes and hand them all to the first one's socket.
            udp = config.queues() > 1
                    ? platform.bindUdpLane(config.listen(), config.offloads(), false, 0, config.queues())
                    : platform.bindUdp(config.listen(), config.offloads(), superFrames);
            boundLinks = PeerLinks.bind(config, keys, udp, platform.streams(), waiter, timers, new Dispatch(),
                    maxFrame);
            udp = null;
            this.links = boundLinks;
            this.tapPort = new TapPort(tap);
            this.mtuGuard = new MtuGuard(tapPort, maxFrame);
            boolean offloaded = tap.vnetHeaderLength() > 0;
            this.forwarder = new Forwarder(buildSwitch(config, links.peers()), tapPort, links.peers(), mtuGuard,
                    offloaded ? new SuperFrameCutter(tap.vnetHeaderLength(), maxFrame) : null);
            FrameRing ring = new FrameRing(DataPathLoop.RING_SLOTS, FrameSizes.slotBytesFor(largestRead));
            if (offloaded) {
                tapPort.coalesceFrom(ring.slot(0).memory());
            }
            this.loop = new DataPathLoop(waiter, ring, tapPort, links, forwarder, platform.clock(), SPIN_NS);
            forwarder.learningSwitch().onLaneLearning(waiter::wakeup);
            for (int lane = 1; lane < config.queues(); lane++) {
                TapDevice queue = platform.attachTapQueue(tap);
                try {
                    DatagramPort laneUdp = platform.bindUdpLane(config.listen(), config.offloads(), false, lane,
                            config.queues());
                    // The lane owns the socket from here, and closes it itself if it cannot start.
                    lanes.add(new QueueLane(lane, config, keys, platform, timers, queue, laneUdp,
                            forwarder.learningSwitch().addLane(), links, maxFrame, largestRead));
                } catch (IOException | RuntimeException | Error e) {
                    queue.close();
                    throw e;
                }
            }
            // Host names are looked up on the resolver thread and reach the links through the loop's
            // mailbox: a lookup may block for seconds, the data path never waits for one.
            var clock = platform.clock();
            PeerLinks resolvedLinks = boundLinks;
            DataPathLoop resolvedLoop = loop;
            this.resolver = new EndpointResolver(config.peers(), platform.resolver(), timers.reconnectInitialNs(),
                    timers.reconnectCapNs(), (peer, address) -> {
                        resolvedLoop.mailbox().post(() -> resolvedLinks.endpointResolved(peer, address, clock.nanoTime()));
                        // Every loop talks to the peer's same address (the loops share its port).
                        for (QueueLane lane : lanes) {
                            lane.loop().mailbox().post(
                                    () -> lane.links().endpointResolved(peer, address, clock.nanoTime()));
                        }
                    });
            // Bound before the control socket, whose bind cannot be undone here: a port in use fails the start.
            if (config.metricsListen() != null) {
                boundMetrics = MetricsServer.bind(config.metricsListen(),
                        new SiteMetrics(new DaemonSampler(this), this::healthy, SiteMetrics.runningVersion()));
            }
            this.metrics = boundMetrics;
            this.control = withControlSocket
                    ? ControlServer.bind(config.controlSocket(), new SiteReports(this)) : null;
        } catch (IOException | RuntimeException | Error e) {
            for (QueueLane lane : lanes) {
                lane.close();
            }
            if (boundMetrics != null) {
                boundMetrics.close();
            }
            if (boundLinks != null) {
                boundLinks.eraseKeys();
                boundLinks.close();
            } else if (udp != null) {
                udp.close();
            }
            if (openedWaiter != null) {
                openedWaiter.close();
            }
            openedTap.close();
            throw e;
        }
    }

    /**
     * Warms the data path up, then opens, binds and starts everything; returns once frames can flow at full
     * speed from the first one.
     */
    public static Daemon start(SiteConfig config, LinkSecurity keys, Platform platform) throws IOException {
        return start(config, keys, platform, LinkTimers.defaults(), true, !"false".equals(
                System.getProperty("tapbridge.warm-up")));
    }

    /** Without the warm-up: for tests that start many daemons in one JVM. */
    public static Daemon start(SiteConfig config, LinkSecurity keys, Platform platform, LinkTimers timers,
                               boolean withControlSocket) throws IOException {
        return start(config, keys, platform, timers, withControlSocket, false);
    }

    static Daemon start(SiteConfig config, LinkSecurity keys, Platform platform, LinkTimers timers,
                        boolean withControlSocket, boolean warmUp) throws IOException {
        if (warmUp) {
            WarmUp.run(config.offloads());
        }
        Daemon daemon = new Daemon(config, keys, platform, timers, withControlSocket, true);
        daemon.startThreads();
        FaultInjector.afterStart(daemon);
        return daemon;
    }

    /** A site that logs nothing of its own life: the warm-up's throwaway sites. */
    static Daemon startQuietly(SiteConfig config, LinkSecurity keys, Platform platform) throws IOException {
        Daemon daemon = new Daemon(config, keys, platform, LinkTimers.defaults(), false, false);
        daemon.startThreads();
        return daemon;
    }

    private void startThreads() {
        loopThread = new Thread(loop, "datapath");
        loopThread.setDaemon(true);
        loopThread.start();
        for (QueueLane lane : lanes) {
            lane.start();
        }
        resolver.start();
        if (control != null) {
            control.start();
        }
        if (metrics != null) {
            metrics.start();
            info("site " + config.name() + ": metrics at http://" + hostPort(metrics.address()) + "/metrics");
        }
        info("site " + config.name() + ": TAP " + tap.name() + " (MTU " + tap.mtu()
                + "), " + links.peers().peers().size() + " peer(s), listening on "
                + (config.listen() == null ? "(dial-out only)" : config.listen())
                + (lanes.isEmpty() ? "" : ", " + (lanes.size() + 1) + " data-path loops (one per TAP queue)"));
        info("site " + config.name() + ": " + Aeads.selected().describe());
        info("site " + config.name() + ": offloads: " + offloadSummary());
    }

    /** What the TAP and the UDP socket do for us, for the start-up log: an operator checks it here first. */
    private String offloadSummary() {
        if (!config.offloads()) {
            return "off ([site] offloads = false)";
        }
        String tapPart = tap.vnetHeaderLength() == 0 ? "TAP without vnet header (plain frames)"
                : "TAP " + TapOffloads.describe(tap.offloads());
        if (tap instanceof org.tapbridge.tap.LinuxTapDevice linux && !linux.offloadRefusals().isEmpty()) {
            tapPart += " (refused: " + String.join("; ", linux.offloadRefusals()) + ")";
        }
        DatagramPort udp = links.udpPort();
        return tapPart + ", UDP " + (udp.segmentsSends() ? "GSO" : "no GSO") + " and "
                + (udp.coalescesReceives() ? "GRO" : "no GRO");
    }

    private static LearningSwitch buildSwitch(SiteConfig config, PeerTable peers) {
        LearningSwitch sw = new LearningSwitch(config.switchSettings());
        sw.addPort(LearningSwitch.LOCAL_PORT, LearningSwitch.NO_GROUP);
        for (PeerLink peer : peers.peers()) {
            sw.addPort(peer.port(), groupOf(peer.config()));
        }
        for (StaticMacConfig s : config.staticMacs()) {
            int port = s.port().equals("local") ? LearningSwitch.LOCAL_PORT : peers.byName(s.port()).port();
            sw.addStaticEntry(s.vlan(), s.mac(), port);
        }
        return sw;
    }

    static int groupOf(PeerConfig peer) {
        // Mesh peers reach every site directly, so relaying between them would only duplicate frames.
        return peer.spoke() ? LearningSwitch.NO_GROUP : LearningSwitch.MESH_GROUP;
    }

    /** The configuration running now: the one started with, or the last reloaded. Any thread. */
    public SiteConfig config() {
        return config;
    }

    /**
     * Re-reads {@code file} and applies what may change while the daemon runs (see docs/reload.md); returns
     * what changed, in one line. Any thread but the data path's; one reload at a time.
     *
     * @throws org.tapbridge.config.ConfigException an invalid file, or a key only a restart changes: nothing
     *                                              was applied, the running configuration stays
     * @throws Exception the data path refused the change or did not answer: nothing was applied
     */
    public String reload(java.nio.file.Path file) throws Exception {
        return reloadDetailed(file).diff().summary();
    }

    LiveReload.Outcome reloadDetailed(java.nio.file.Path file) throws Exception {
        return reloader.reload(file);
    }

    /** The file the daemon started from. */
    public java.nio.file.Path startFile() {
        return startFile;
    }

    /** A reload applied {@code next}. */
    void configured(SiteConfig next) {
        config = next;
        for (Runnable r : reloadListeners) {
            r.run();
        }
    }

    /**
     * Runs {@code listener} after each reload that applied a configuration, e.g. to tell systemd the new
     * peer count; on the data-path thread, so it must not block. Any thread may add one.
     */
    public void addReloadListener(Runnable listener) {
        reloadListeners.add(listener);
    }

    /** Refuses a configuration whose buffers would not fit the JVM's direct memory (added TCP peers). */
    void requireDirectMemoryFor(SiteConfig next) throws DirectMemoryException {
        DirectMemoryBudget.forSite(next, tap.mtu(), tap.vnetHeaderLength(), tap.minimumReadCapacity(),
                withControlSocket).requireWithin(next.name(), DirectMemoryBudget.jvmLimitBytes());
    }

    /** Where {@code /metrics} is served (the port bound when 0 was asked for); null without {@code [metrics]}. */
    public java.net.InetSocketAddress metricsAddress() {
        return metrics == null ? null : metrics.address();
    }

    private static String hostPort(java.net.InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    public PeerTable peers() {
        return links.peers();
    }

    public PeerLinks links() {
        return links;
    }

    public TapDevice tap() {
        return tap;
    }

    TapPort tapPort() {
        return tapPort;
    }

    Forwarder forwarder() {
        return forwarder;
    }

    MtuGuard mtuGuard() {
        return mtuGuard;
    }

    DataPathLoop loop() {
        return loop;
    }

    /** The further loops, in lane order; empty with one loop. */
    List<QueueLane> lanes() {
        return lanes;
    }

    /** The peers' host names and how their lookups go; any thread. */
    public EndpointResolver resolver() {
        return resolver;
    }

    /**
     * True while the data-path loop keeps turning: the systemd watchdog is fed only then, so a wedged or
     * failed loop gets the daemon restarted.
     */
    public boolean healthy() {
        if (closed || !loop.running() || System.nanoTime() - loop.lastTurnNs() >= HEALTHY_TURN_AGE_NS) {
            return false;
        }
        for (QueueLane lane : lanes) {
            if (!lane.loop().running() || System.nanoTime() - lane.loop().lastTurnNs() >= HEALTHY_TURN_AGE_NS) {
                return false;
            }
        }
        return true;
    }

    /**
     * Why the data path stopped by itself (an Error, its TAP gone), or has been stuck for
     * {@link #STALL_FAILURE_NS}, or why the resolver thread stopped; null while they run. Any thread.
     */
    public String failure() {
        String failure = loop.failure();
        if (failure != null || closed) {
            return failure;
        }
        for (QueueLane lane : lanes) {
            String laneFailure = lane.loop().failure();
            if (laneFailure != null) {
                return "loop " + lane.index() + ": " + laneFailure;
            }
            if (!lane.loop().running()) {
                return "data-path loop " + lane.index() + " stopped by itself";
            }
            long laneStalledNs = System.nanoTime() - lane.loop().lastTurnNs();
            if (laneStalledNs > STALL_FAILURE_NS) {
                return "data-path loop " + lane.index() + " has not turned for " + laneStalledNs / 1_000_000
                        + " ms: it is stuck (jcmd PID Thread.print shows where the thread 'datapath-"
                        + lane.index() + "' is)";
            }
        }
        if (!loop.running()) {
            return "the data-path loop stopped by itself";
        }
        long stalledNs = System.nanoTime() - loop.lastTurnNs();
        if (stalledNs > STALL_FAILURE_NS) {
            return "the data-path loop has not turned for " + stalledNs / 1_000_000 + " ms: it is stuck"
                    + " (jcmd PID Thread.print shows where the thread 'datapath' is)";
        }
        return resolver.failure();
    }

    /**
     * Runs {@code query} on the data-path thread, which owns the switch, the links and every counter, and
     * waits for its answer. Control path only: it may allocate.
     */
    public <T> T onLoop(Function<Daemon, T> query) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.mailbox().post(() -> {
            try {
                result.complete(query.apply(this));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(QUERY_TIMEOUT_NS, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new java.util.concurrent.TimeoutException("the data-path thread has not answered for "
                    + QUERY_TIMEOUT_NS / 1_000_000_000L + " s; it is stuck or overloaded");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Listeners hear about peers coming and going (on the data-path thread), e.g. for the status line. */
    public synchronized void addPeerListener(PeerListener listener) {
        listeners.add(listener);
    }

    private final class Dispatch implements PeerListener {
        @Override
        public void peerUp(PeerLink peer) {
            info("peer " + peer.name() + " is up at " + peer.endpoint());
            for (PeerListener l : snapshot()) {
                l.peerUp(peer);
            }
        }

        @Override
        public void peerDown(PeerLink peer) {
            if (logs) {
                LOG.log(System.Logger.Level.WARNING, "peer " + peer.name() + " is down; forgetting its MACs");
            }
            // Frames for MACs behind a dead peer must flood again, not vanish into its port.
            LearningSwitch sw = forwarder.learningSwitch();
            if (sw.hasPort(peer.port())) {
                int group = sw.splitHorizonGroup(peer.port());
                sw.removePort(peer.port());
                sw.addPort(peer.port(), group);
            }
            // Nor may the site go on answering ARP/ND for hosts it cannot reach.
            if (forwarder.neighbors() != null) {
                forwarder.neighbors().removePort(peer.port());
            }
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

    /** Stops the control socket, then the loop, then releases the devices. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        resolver.close();
        if (metrics != null) {
            metrics.close();
        }
        if (control != null) {
            control.close();
        }
        for (QueueLane lane : lanes) {
            lane.close();
        }
        loop.stop();
        try {
            if (loopThread != null) {
                loopThread.join(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (loopThread == null || !loopThread.isAlive()) {
            links.eraseKeys();
        } else {
            // It still owns the keys: erasing them now would race it (and OpenSSL would use freed memory).
            LOG.log(System.Logger.Level.WARNING, "site " + config.name() + ": the data-path thread did not stop"
                    + " within 2 s; session keys are left to the garbage collector");
        }
        links.close();
        waiter.close();
        tap.close();
        info("site " + config.name() + " stopped");
    }

    private void info(String message) {
        if (logs) {
            LOG.log(System.Logger.Level.INFO, message);
        }
    }
}
