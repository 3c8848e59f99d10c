package org.tapbridge.daemon;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.PeerLink;
import org.tapbridge.link.PeerLinks;
import org.tapbridge.link.PeerListener;
import org.tapbridge.link.PeerTable;
import org.tapbridge.pipeline.DataPathLoop;
import org.tapbridge.pipeline.FrameRing;
import org.tapbridge.pipeline.FrameSizes;
import org.tapbridge.pipeline.Forwarder;
import org.tapbridge.pipeline.LoopWaiter;
import org.tapbridge.pipeline.MtuGuard;
import org.tapbridge.pipeline.RateLimitedLog;
import org.tapbridge.pipeline.NanoClock;
import org.tapbridge.pipeline.SuperFrameCutter;
import org.tapbridge.pipeline.TapPort;
import org.tapbridge.switching.SwitchLane;
import org.tapbridge.tap.TapDevice;

/**
 * One further data-path loop of a site with {@code [site] queues} above 1: its own TAP queue, its own socket
 * of the shared listen port, its own sessions with each UDP peer's loop of the same index, its own ring, and
 * a {@link SwitchLane} of the first loop's switch. Nothing it touches per frame is shared with another loop.
 *
 * <p>Its TAP queue takes frames only while this loop can carry them: while some peer is up on the first loop
 * and this loop has a session with every peer that is, confirmed since the first loop's last handshake with
 * it. Otherwise (a peer running fewer loops, or restarted with fewer, a peer on TCP, a handshake not done
 * yet) the queue is detached, so the kernel steers every flow to the queues that can, and no frame is
 * dropped for want of a session.
 */
final class QueueLane implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(QueueLane.class.getName());

    private final int index;
    private final Platform platform;
    private final TapDevice queue;
    private final LoopWaiter waiter;
    private final PeerLinks links;
    private final Forwarder forwarder;
    private final TapPort tapPort;
    private final MtuGuard mtuGuard;
    private final DataPathLoop loop;
    /** The first loop's peers: whose state says which sessions this loop needs. */
    private final PeerLinks firstLinks;
    private boolean queueEnabled = true;
    private final RateLimitedLog gateErrors = new RateLimitedLog(LOG, 60_000_000_000L);
    private long queueChanges;
    private Thread thread;
    private final NanoClock clock;
    /** Per peer name; only this loop's thread touches it. */
    private final Map<String, LaneConfirmation> confirmations = new HashMap<>();
    /** The first loop's table the confirmations were last pruned against. */
    private PeerTable confirmedTable;
    /**
     * Initiations one tick may send for confirmations. Each costs two X25519 operations on this loop's
     * thread, and a site with many peers sees many of the first loop's keys change together after a start.
     */
    static final int MAX_ASKS_PER_TICK = 4;
    private volatile int unconfirmedPeers;

    QueueLane(int index, SiteConfig config, LinkSecurity keys, Platform platform, LinkTimers timers,
              TapDevice queue, DatagramPort udp, SwitchLane switchLane, PeerLinks firstLinks, int maxFrame,
              int largestRead) throws IOException {
        this.index = index;
        this.platform = platform;
        this.clock = platform.clock();
        this.queue = queue;
        this.firstLinks = firstLinks;
        LoopWaiter openedWaiter = platform.newWaiter();
        PeerLinks boundLinks = null;
        try {
            this.waiter = openedWaiter;
            boundLinks = PeerLinks.bindLane(config, keys, udp, platform.streams(), openedWaiter, timers,
                    PeerListener.NONE, maxFrame, index);
            this.links = boundLinks;
            TapPort tapPort = new TapPort(queue);
            this.tapPort = tapPort;
            boolean offloaded = queue.vnetHeaderLength() > 0;
            this.mtuGuard = new MtuGuard(tapPort, maxFrame);
            this.forwarder = new Forwarder(switchLane, tapPort, boundLinks.peers(), mtuGuard,
                    offloaded ? new SuperFrameCutter(queue.vnetHeaderLength(), maxFrame) : null);
            FrameRing ring = new FrameRing(DataPathLoop.RING_SLOTS, FrameSizes.slotBytesFor(largestRead));
            if (offloaded) {
                tapPort.coalesceFrom(ring.slot(0).memory());
            }
            this.loop = new DataPathLoop(openedWaiter, ring, tapPort, boundLinks, forwarder, platform.clock(),
                    Daemon.SPIN_NS);
            loop.onTick(this::gateQueue);
            // Detached until its sessions are up: the first frames of every flow go where a session already is.
            platform.enableTapQueue(queue, false);
            queueEnabled = false;
        } catch (IOException | RuntimeException | Error e) {
            if (boundLinks != null) {
                boundLinks.eraseKeys();
                boundLinks.close();
            } else {
                udp.close();
            }
            openedWaiter.close();
            throw e;
        }
    }

    void start() {
        thread = new Thread(loop, "datapath-" + index);
        thread.setDaemon(true);
        thread.start();
    }

    /** On this loop's thread, every tick. */
    private void gateQueue() {
        setQueue(carriesEveryUpPeer());
    }

    /**
     * At least one peer is up on the first loop, and every such peer is up here too, with its loop of this
     * index confirmed since the first loop's last handshake with it ({@link LaneConfirmation}).
     */
    private boolean carriesEveryUpPeer() {
        long nowNs = clock.nanoTime();
        PeerTable mine = links.peers();
        boolean anyUp = false;
        boolean carriesAll = true;
        int unconfirmed = 0;
        int asks = 0;
        // The first loop's up flags are read racily: a tick late either way only delays the change by one tick.
        // Indexed: an iterator per tick would be garbage on the data path's thread.
        PeerTable firstTable = firstLinks.peers();
        if (firstTable != confirmedTable) {
            // A reload gave the first loop a new table: a removed peer's confirmation must not outlive it.
            confirmations.keySet().removeIf(name -> firstTable.byName(name) == null);
            confirmedTable = firstTable;
        }
        List<PeerLink> firstPeers = firstTable.peers();
        for (int i = 0; i < firstPeers.size(); i++) {
            PeerLink first = firstPeers.get(i);
            if (!first.isUp()) {
                continue;
            }
            anyUp = true;
            PeerLink here = mine.byName(first.name());
            if (here == null || !here.isUp()) {
                carriesAll = false;
                continue;
            }
            // Every peer is checked on every tick, so that each one's confirmation goes on. The first loop's
            // session is read without a lock: a change seen a tick late only delays the check by a tick.
            LaneConfirmation confirmation = confirmations.computeIfAbsent(first.name(), name -> new LaneConfirmation());
            confirmation.update(first.session().currentKeysCreatedNs(), first.session().currentKeysInitiatedHere(),
                    here.session().currentKeysCreatedNs(), nowNs);
            if (asks < MAX_ASKS_PER_TICK && confirmation.askDue(nowNs)) {
                asks++;
                here.initiateHandshake(nowNs);
                confirmation.asked(nowNs);
            }
            if (!confirmation.carries(nowNs)) {
                carriesAll = false;
                unconfirmed++;
            }
        }
        unconfirmedPeers = unconfirmed;
        // With no peer up there is nothing to carry: the first loop takes the frames and starts the handshakes.
        return anyUp && carriesAll;
    }

    /** Peers up here whose loop of this index did not answer since the first loop's last handshake. */
    int unconfirmedPeers() {
        return unconfirmedPeers;
    }

    private void setQueue(boolean enabled) {
        if (enabled == queueEnabled) {
            return;
        }
        try {
            platform.enableTapQueue(queue, enabled);
            queueEnabled = enabled;
            queueChanges++;
            LOG.log(System.Logger.Level.INFO, "TAP " + queue.name() + " queue " + index + (enabled
                    ? " takes frames: loop " + index + " has a session with every peer that is up"
                    : " detached: loop " + index + " lacks a session with a peer that is up (fewer queues there,"
                            + " TCP, a handshake under way, or the peer's loop " + index + " no longer answers)"));
        } catch (IOException e) {
            // Tried again every tick: said once a minute.
            if (gateErrors.allowed()) {
                LOG.log(System.Logger.Level.WARNING, "TAP " + queue.name() + " queue " + index + ": cannot "
                        + (enabled ? "attach" : "detach") + " it: " + e.getMessage());
            }
        }
    }

    int index() {
        return index;
    }

    PeerLinks links() {
        return links;
    }

    DataPathLoop loop() {
        return loop;
    }

    Forwarder forwarder() {
        return forwarder;
    }

    TapPort tapPort() {
        return tapPort;
    }

    MtuGuard mtuGuard() {
        return mtuGuard;
    }

    /** Whether the kernel steers frames to this loop's queue now; read racily by reports. */
    boolean queueEnabled() {
        return queueEnabled;
    }

    long queueChanges() {
        return queueChanges;
    }

    boolean threadAlive() {
        return thread != null && thread.isAlive();
    }

    @Override
    public void close() {
        loop.stop();
        try {
            if (thread != null) {
                thread.join(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread == null || !thread.isAlive()) {
            links.eraseKeys();
        }
        links.close();
        waiter.close();
        try {
            queue.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "closing TAP queue " + index + ": " + e.getMessage());
        }
    }
}
