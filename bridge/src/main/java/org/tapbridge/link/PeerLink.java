package org.tapbridge.link;

import org.tapbridge.drops.DropReason;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.crypto.PeerSession;
import org.tapbridge.crypto.WireFormat;

/**
 * One remote site as the data path sees it: its switch port, its crypto session, where it is and by
 * which transport it is reached, whether it is alive, and the largest frame one message to it can carry.
 * Subclasses own the transport ({@link UdpPeerLink}, {@link TcpPeerLink}), or two of them
 * ({@link AutoPeerLink}), whose links are then its legs: they count, and are up, as their owner. Owned by
 * the data-path thread; the control thread only reads the volatile views.
 */
public abstract class PeerLink {
    private static final System.Logger LOG = System.getLogger(PeerLink.class.getName());

    /** Replaced by a live reload that changes a key kept in place (endpoint, split horizon); volatile for the control thread. */
    private volatile PeerConfig config;
    private final int port;
    /** The link the switch sees: this one, or the {@link AutoPeerLink} this link is a leg of. */
    private final PeerLink owner;
    private final PeerCounters counters;
    final PeerCrypto crypto;
    final PeerSession session;
    final LinkTimers timers;
    private final Backoff probeBackoff;
    private volatile long lastRxNs;
    private volatile boolean up;
    private long lastTxNs;
    private long nextProbeNs;
    private boolean started;

    PeerLink(PeerConfig config, int port, PeerCrypto crypto, PeerSession session, LinkTimers timers) {
        this(null, config, port, crypto, session, timers);
    }

    /** A leg of {@code owner} when that is not null: its counters, liveness and send times are the owner's. */
    PeerLink(PeerLink owner, PeerConfig config, int port, PeerCrypto crypto, PeerSession session,
             LinkTimers timers) {
        this.owner = owner == null ? this : owner;
        this.counters = owner == null ? new PeerCounters() : owner.counters;
        this.config = config;
        this.port = port;
        this.crypto = crypto;
        this.session = session;
        this.timers = timers;
        // Seeded at random: sites restarting together must not retry in lockstep.
        this.probeBackoff = new Backoff(timers.reconnectInitialNs(), timers.reconnectCapNs(),
                new java.security.SecureRandom().nextLong());
    }

    public final String name() {
        return config.name();
    }

    /** The peer's switch port. */
    public final int port() {
        return port;
    }

    public final PeerConfig config() {
        return config;
    }

    public final Transport transport() {
        return config.transport();
    }

    public final PeerSession session() {
        return session;
    }

    public final PeerCounters counters() {
        return counters;
    }

    /** Whether the peer is up; for a leg, whether the peer is up and its traffic goes over this leg. */
    public final boolean isUp() {
        return owner == this ? up : owner.up && owner.sendsVia(this);
    }

    /** The link the switch sees: this one, or the auto link this one is a leg of. */
    final PeerLink owner() {
        return owner;
    }

    /** Whether traffic to the peer leaves over {@code leg} (this link itself, or one of its legs) now. */
    boolean sendsVia(PeerLink leg) {
        return leg == this;
    }

    /** This peer's UDP link: itself, an auto link's UDP leg, or null for a TCP peer. */
    UdpPeerLink udpLeg() {
        return null;
    }

    /** This peer's TCP link: itself, an auto link's TCP leg, or null for a UDP peer. */
    TcpPeerLink tcpLeg() {
        return null;
    }

    /**
     * An authenticated message of wire {@code type} arrived over {@code via} (one of {@link #udpLeg()} and
     * {@link #tcpLeg()}), before it counts as heard: an auto link may move to that transport.
     */
    void arrived(PeerLink via, byte type, long nowNs) {
    }

    public final long lastRxNs() {
        return lastRxNs;
    }

    /**
     * Sends a fresh initiation now, whatever the session's state: for a further loop that must learn whether
     * the peer's loop of its index is still there (see {@code LaneConfirmation}). Data-path thread.
     */
    public final void initiateHandshake(long nowNs) {
        if (canReach()) {
            crypto.handshakeNow(session, nowNs);
        }
    }

    /** Where the peer is now, for people: the configured endpoint, the address it roamed to, or null. */
    public abstract InetSocketAddress endpoint();

    /** The outer path MTU in bytes (IP packet size), or 0 where the transport does not have one (TCP). */
    public abstract int pathMtu();

    /** Whether path-MTU discovery is still narrowing {@link #pathMtu()} down; data-path thread. */
    public boolean pathMtuSearching() {
        return false;
    }

    /** The largest Ethernet frame one message to this peer carries without IP fragmentation on the WAN. */
    public abstract int maxFrameLength();

    /** Whether a message could leave now (an address to send to, or a connection). */
    abstract boolean canReach();

    /**
     * Seals {@code payload[offset, +length)} as a message of {@code type} and queues it for sending.
     * Returns false when it was dropped (counted).
     */
    abstract boolean sendSealed(byte type, ByteBuffer payload, int offset, int length, long nowNs);

    /** Queues a complete crypto message (handshake, keepalive) as it is; its bytes are copied. */
    abstract void sendMessage(ByteBuffer message);

    /** Transport duties on the tick: dialling, flushing, path-MTU probes. */
    abstract void tickTransport(long nowNs);

    /** Sends an Ethernet frame; the caller made sure it fits {@link #maxFrameLength()}. */
    public final boolean sendFrame(ByteBuffer frame, int offset, int length, long nowNs) {
        if (!up) {
            counters.dropped(DropReason.PEER_DOWN);
            return false;
        }
        if (!sendSealed(WireFormat.TYPE_DATA, frame, offset, length, nowNs)) {
            return false;
        }
        counters.sent(length);
        return true;
    }

    /** Sends a link control payload (a fragment, a probe); false when it was dropped (counted). */
    public final boolean sendControl(ByteBuffer payload, int offset, int length, long nowNs) {
        if (!up) {
            counters.dropped(DropReason.PEER_DOWN);
            return false;
        }
        return sendSealed(WireFormat.TYPE_CONTROL, payload, offset, length, nowNs);
    }

    /** Records a sealed message that left (for keepalive timing). */
    final void sent(long nowNs) {
        owner.lastTxNs = nowNs;
    }

    /**
     * Records an authentic message from the peer; true when this brought the peer up, which needs keys to
     * seal with ({@code canSeal}).
     */
    final boolean heard(long nowNs, boolean canSeal) {
        lastRxNs = nowNs;
        if (up || !canSeal) {
            return false;
        }
        up = true;
        return true;
    }

    /** Marks the peer down; true when it was up. */
    final boolean down() {
        if (!up) {
            return false;
        }
        up = false;
        return true;
    }

    /**
     * The periodic duties: keepalives, declaring a silent peer dead, retrying a dead peer's handshake with
     * backoff, and the transport's own. Returns true when the peer went down in this call.
     */
    final boolean tick(long nowNs) {
        if (!started) {
            started = true;
            nextProbeNs = nowNs;
        }
        boolean wentDown = false;
        if (up) {
            if (nowNs - lastRxNs > timers.deadNs()) {
                LOG.log(System.Logger.Level.WARNING, "peer " + name() + ": nothing heard for "
                        + (nowNs - lastRxNs) / 1_000_000_000L + " s; marking it down");
                wentDown = down();
                lostContact();
                probeBackoff.reset();
                nextProbeNs = nowNs;
            } else if (nowNs - lastTxNs >= timers.keepaliveNs()) {
                // An empty DATA message: it proves we hold the keys and keeps NAT state alive.
                sendSealed(WireFormat.TYPE_DATA, EMPTY, 0, 0, nowNs);
            }
        }
        tickTransport(nowNs);
        if (!up && canReach() && retriesHandshakesItself() && nowNs - nextProbeNs >= 0) {
            // A fresh initiation each time: the last one may have gone to a peer that was not listening yet.
            crypto.handshakeNow(session, nowNs);
            nextProbeNs = nowNs + probeBackoff.nextDelayNs();
        }
        return wentDown;
    }

    /**
     * The peer's host name resolved to {@code address}, a new one: from now on the peer is sought there, and
     * a peer that is down is tried there on the next tick rather than after the backoff grown at the old one.
     */
    final void resolvedTo(InetSocketAddress address, long nowNs) {
        moveEndpoint(address, nowNs);
        if (!up) {
            probeBackoff.reset();
            nextProbeNs = nowNs;
        }
    }

    /**
     * Takes a new configuration of this peer whose changes need no new link (see
     * {@link org.tapbridge.config.ConfigDiff#RECREATING_KEYS}): a new endpoint address is sought at once,
     * and the session stays. A host name is left to the resolver. Data-path thread.
     */
    final void reconfigure(PeerConfig next, long nowNs) {
        PeerConfig before = config;
        config = next;
        InetSocketAddress endpoint = next.endpoint();
        if (endpoint != null && !endpoint.isUnresolved() && !endpoint.equals(before.endpoint())) {
            resolvedTo(endpoint, nowNs);
        }
    }

    /** Sends to (UDP) or dials (TCP) {@code address} from now on; the crypto session stays as it is. */
    abstract void moveEndpoint(InetSocketAddress address, long nowNs);

    /** Whether a down peer is probed with fresh handshakes on the tick (UDP); TCP handshakes on connect. */
    abstract boolean retriesHandshakesItself();

    /** The peer went silent: drop what depends on it being there (a TCP connection). */
    abstract void lostContact();

    private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);

    @Override
    public String toString() {
        return "peer " + name();
    }
}
