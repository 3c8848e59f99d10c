package org.tapbridge.link;

import org.tapbridge.drops.DropReason;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.crypto.PeerSession;
import org.tapbridge.crypto.WireFormat;
import org.tapbridge.pipeline.LoopWaiter;
import org.tapbridge.pipeline.RateLimitedLog;

/**
 * A peer reached over TCP: one non-blocking connection at a time, dialled with backoff when the peer has
 * an endpoint, or adopted when the peer dialled us. Messages travel as a 16-bit big-endian length then
 * the message. Sealed messages are written straight into the send buffer; what the socket does not take
 * waits there (bounded) and leaves when it becomes writable. The receive and send buffers are allocated
 * once, with the link. Owned by the data-path thread.
 */
public final class TcpPeerLink extends PeerLink {
    private static final System.Logger LOG = System.getLogger(TcpPeerLink.class.getName());
    static final int LENGTH_PREFIX = 2;
    static final int MAX_MESSAGE = 0xFFFF;
    /** Enough queued bytes to ride out a short stall of the peer, small enough not to bloat latency. */
    static final int SEND_BUFFER_BYTES = 512 * 1024;
    /** A connect that takes longer has failed (SYN lost for good, or a silent firewall). */
    static final long CONNECT_TIMEOUT_NS = 5_000_000_000L;
    /** A connection that lived this long was healthy: start the next reconnect from the shortest wait. */
    static final long HEALTHY_CONNECTION_NS = 10_000_000_000L;

    private final String siteName;
    private final StreamNetwork network;
    private final LoopWaiter waiter;
    /** Null for a peer that dials us, and for a host name that has not resolved yet. */
    private volatile InetSocketAddress dialTarget;
    private final ByteBuffer rx = ByteBuffer.allocateDirect(LENGTH_PREFIX + MAX_MESSAGE);
    private final ByteBuffer tx = ByteBuffer.allocateDirect(SEND_BUFFER_BYTES);
    private final Backoff dialBackoff;
    private final RateLimitedLog errors = new RateLimitedLog(LOG, 10_000_000_000L);
    private final int maxFrame;
    private StreamSocket socket;
    private int handle = -1;
    private boolean connecting;
    private boolean dialedByUs;
    private long openedNs;
    private int rxFilled;
    private int txFilled;
    private long nextDialNs;
    private volatile InetSocketAddress remoteView;
    /** The connection's remote address for the handshake layer: bound to this peer, proven by TCP. */
    private final org.tapbridge.crypto.HandshakeSource source = new org.tapbridge.crypto.HandshakeSource();

    TcpPeerLink(PeerConfig config, int port, PeerCrypto crypto, PeerSession session, LinkTimers timers,
                String siteName, StreamNetwork network, LoopWaiter waiter, int maxFrame) {
        this(null, config, port, crypto, session, timers, siteName, network, waiter, maxFrame);
    }

    /** The TCP leg of {@code owner} (an {@link AutoPeerLink}), or a link of its own when that is null. */
    TcpPeerLink(PeerLink owner, PeerConfig config, int port, PeerCrypto crypto, PeerSession session,
                LinkTimers timers, String siteName, StreamNetwork network, LoopWaiter waiter, int maxFrame) {
        super(owner, config, port, crypto, session, timers);
        this.siteName = siteName;
        this.network = network;
        this.waiter = waiter;
        this.dialTarget = config.endpoint() == null || config.endpoint().isUnresolved() ? null : config.endpoint();
        this.maxFrame = Math.min(maxFrame, MAX_MESSAGE - WireFormat.DATA_OVERHEAD);
        this.dialBackoff = new Backoff(timers.reconnectInitialNs(), timers.reconnectCapNs(),
                new java.security.SecureRandom().nextLong());
    }

    @Override
    public InetSocketAddress endpoint() {
        InetSocketAddress remote = remoteView;
        return remote != null ? remote : dialTarget;
    }

    @Override
    public int pathMtu() {
        return 0;
    }

    @Override
    public int maxFrameLength() {
        return maxFrame;
    }

    @Override
    boolean canReach() {
        return socket != null && !connecting;
    }

    @Override
    boolean retriesHandshakesItself() {
        // Each new connection starts a handshake at once; between connections there is nothing to send on.
        return false;
    }

    @Override
    void lostContact() {
        closeConnection("the peer went silent");
    }

    boolean connected() {
        return socket != null && !connecting;
    }

    /** Whether a connection is open or being opened. */
    boolean hasConnection() {
        return socket != null;
    }

    @Override
    TcpPeerLink tcpLeg() {
        return this;
    }

    @Override
    boolean sendSealed(byte type, ByteBuffer payload, int offset, int length, long nowNs) {
        if (!connected()) {
            counters().dropped(DropReason.PEER_DOWN);
            return false;
        }
        int needed = LENGTH_PREFIX + WireFormat.DATA_OVERHEAD + length;
        if (tx.capacity() - txFilled < needed) {
            flush();
            if (tx.capacity() - txFilled < needed) {
                counters().dropped(DropReason.SEND_QUEUE_FULL);
                return false;
            }
        }
        int sealed = crypto.seal(session, type, payload, offset, length, tx, txFilled + LENGTH_PREFIX, nowNs);
        if (sealed < 0) {
            counters().dropped(DropReason.NO_SESSION);
            return false;
        }
        tx.put(txFilled, (byte) (sealed >>> 8));
        tx.put(txFilled + 1, (byte) sealed);
        txFilled += LENGTH_PREFIX + sealed;
        sent(nowNs);
        return true;
    }

    @Override
    void sendMessage(ByteBuffer message) {
        int length = message.remaining();
        if (!connected() || length > MAX_MESSAGE) {
            return;
        }
        if (tx.capacity() - txFilled < LENGTH_PREFIX + length) {
            flush();
            if (tx.capacity() - txFilled < LENGTH_PREFIX + length) {
                counters().dropped(DropReason.SEND_QUEUE_FULL);
                return;
            }
        }
        tx.put(txFilled, (byte) (length >>> 8));
        tx.put(txFilled + 1, (byte) length);
        tx.put(txFilled + LENGTH_PREFIX, message, message.position(), length);
        txFilled += LENGTH_PREFIX + length;
    }

    /** Writes what is queued, as far as the socket takes it; asks for POLLOUT while bytes remain. */
    void flush() {
        if (txFilled == 0 || !connected()) {
            return;
        }
        int written;
        try {
            written = socket.write(tx, 0, txFilled);
        } catch (IOException e) {
            closeConnection("write failed: " + e.getMessage());
            return;
        }
        if (written > 0) {
            int rest = txFilled - written;
            if (rest > 0) {
                tx.put(0, tx, written, rest);
            }
            txFilled = rest;
        }
        waiter.events(handle, txFilled > 0 ? (short) (LoopWaiter.POLLIN | LoopWaiter.POLLOUT) : LoopWaiter.POLLIN);
    }

    boolean hasQueuedBytes() {
        return txFilled > 0;
    }

    @Override
    void tickTransport(long nowNs) {
        if (socket == null) {
            if (dialTarget != null && nowNs - nextDialNs >= 0) {
                dial(nowNs);
            }
            return;
        }
        if (connecting && nowNs - openedNs > CONNECT_TIMEOUT_NS) {
            closeConnection("connect to " + dialTarget + " timed out");
            return;
        }
        flush();
    }

    /**
     * The peer's name now resolves to {@code address}. A live connection stays: it works, wherever the name
     * points now. Otherwise a connect still trying the old address is dropped, and the new one is dialled
     * on the next tick.
     */
    @Override
    void moveEndpoint(InetSocketAddress address, long nowNs) {
        if (address.equals(dialTarget)) {
            return;
        }
        dialTarget = address;
        if (isUp()) {
            LOG.log(System.Logger.Level.INFO, "peer " + name() + ": will dial " + address
                    + " next time; the live connection stays");
            return;
        }
        if (socket != null) {
            closeConnection("its name now resolves to " + address);
        }
        dialBackoff.reset();
        nextDialNs = nowNs;
    }

    private void dial(long nowNs) {
        try {
            StreamSocket s = network.connect(dialTarget);
            attach(s, true, nowNs);
            connecting = true;
            waiter.events(handle, LoopWaiter.POLLOUT);
        } catch (IOException e) {
            errors.warn("peer " + name() + ": TCP to " + dialTarget + ": " + e.getMessage());
            nextDialNs = nowNs + dialBackoff.nextDelayNs();
        }
    }

    private void attach(StreamSocket s, boolean dialed, long nowNs) {
        socket = s;
        dialedByUs = dialed;
        openedNs = nowNs;
        rxFilled = 0;
        txFilled = 0;
        handle = waiter.add(s.fd(), LoopWaiter.POLLIN);
        remoteView = s.remote();
        source.set(remoteView).known(true).proven(true);
    }

    /** Where this connection's handshake messages come from, computed once per connection. */
    org.tapbridge.crypto.HandshakeSource handshakeSource() {
        return source;
    }

    /**
     * Takes over a connection the peer dialled, once its first message authenticated as this peer.
     * When both sites dialled, both keep the connection opened by the site whose name sorts first, so
     * they agree without talking. Returns false when the new one loses (the caller closes it).
     */
    boolean adopt(StreamSocket accepted, ByteBuffer leftover, int leftoverOffset, int leftoverLength, long nowNs) {
        if (socket != null && dialedByUs && !connecting) {
            String ours = siteName;
            String theirs = name();
            if (ours.compareTo(theirs) < 0) {
                return false;
            }
        }
        if (socket != null) {
            // Not a loss: the peer stays reachable over the connection that replaces it.
            closeConnection("replaced by the connection " + name() + " dialled");
            closed = false;
        }
        attach(accepted, false, nowNs);
        if (leftoverLength > 0) {
            rx.put(0, leftover, leftoverOffset, leftoverLength);
            rxFilled = leftoverLength;
        }
        LOG.log(System.Logger.Level.INFO, "peer " + name() + ": accepted TCP connection from " + remoteView);
        return true;
    }

    /**
     * Handles readiness of the connection: completes a connect, writes queued bytes, reads and hands every
     * complete message to {@code handler}.
     */
    void onReady(long nowNs, MessageHandler handler) {
        if (socket == null) {
            return;
        }
        short ready = waiter.ready(handle);
        if (connecting) {
            if ((ready & (LoopWaiter.POLLOUT | LoopWaiter.POLLERR | LoopWaiter.POLLHUP)) == 0) {
                return;
            }
            try {
                if (!socket.finishConnect()) {
                    return;
                }
            } catch (IOException e) {
                closeConnection(e.getMessage());
                return;
            }
            connecting = false;
            waiter.events(handle, LoopWaiter.POLLIN);
            LOG.log(System.Logger.Level.INFO, "peer " + name() + ": TCP connected to " + dialTarget);
            crypto.handshakeNow(session, nowNs);
            return;
        }
        if ((ready & LoopWaiter.POLLOUT) != 0) {
            flush();
        }
        if ((ready & (LoopWaiter.POLLIN | LoopWaiter.POLLERR | LoopWaiter.POLLHUP)) != 0 || rxFilled > 0) {
            readMessages(nowNs, handler);
        }
    }

    /** One complete message on this link's connection; returns false to close it (a protocol violation). */
    interface MessageHandler {
        boolean onMessage(TcpPeerLink link, ByteBuffer buffer, int offset, int length, long nowNs);
    }

    private void readMessages(long nowNs, MessageHandler handler) {
        int n;
        try {
            n = socket.read(rx, rxFilled, rx.capacity() - rxFilled);
        } catch (IOException e) {
            closeConnection("read failed: " + e.getMessage());
            return;
        }
        if (n < 0) {
            closeConnection("closed by the peer");
            return;
        }
        rxFilled += n;
        int at = 0;
        while (socket != null && rxFilled - at >= LENGTH_PREFIX) {
            int length = (rx.get(at) & 0xFF) << 8 | (rx.get(at + 1) & 0xFF);
            if (length < WireFormat.PREFIX_LENGTH) {
                counters().dropped(DropReason.MALFORMED_MESSAGE);
                closeConnection("message length " + length + " is shorter than a header: the stream is corrupt");
                return;
            }
            if (rxFilled - at < LENGTH_PREFIX + length) {
                break;
            }
            StreamSocket current = socket;
            boolean keep = handler.onMessage(this, rx, at + LENGTH_PREFIX, length, nowNs);
            if (socket != current) {
                return;
            }
            if (!keep) {
                closeConnection("protocol violation");
                return;
            }
            at += LENGTH_PREFIX + length;
        }
        if (socket != null && at > 0) {
            int rest = rxFilled - at;
            if (rest > 0) {
                rx.put(0, rx, at, rest);
            }
            rxFilled = rest;
        }
    }

    /** Whether a complete message may still wait in the receive buffer (read no further than the last time). */
    boolean hasBufferedMessage() {
        if (socket == null || connecting || rxFilled < LENGTH_PREFIX) {
            return false;
        }
        int length = (rx.get(0) & 0xFF) << 8 | (rx.get(1) & 0xFF);
        return rxFilled >= LENGTH_PREFIX + length;
    }

    /** Drops the connection; the peer is down until a new one authenticates. */
    void closeConnection(String why) {
        if (socket == null) {
            return;
        }
        long lived = System.nanoTime() - openedNs;
        if (lived > HEALTHY_CONNECTION_NS) {
            dialBackoff.reset();
        }
        LOG.log(System.Logger.Level.INFO, "peer " + name() + ": TCP connection ends: " + why);
        waiter.remove(handle);
        handle = -1;
        socket.close();
        socket = null;
        connecting = false;
        remoteView = null;
        rxFilled = 0;
        txFilled = 0;
        nextDialNs = System.nanoTime() + dialBackoff.nextDelayNs();
        closed = true;
    }

    /** Set when the connection closed since the last {@link #takeClosed()}: the links then take the peer down. */
    private boolean closed;

    boolean takeClosed() {
        boolean c = closed;
        closed = false;
        return c;
    }

    void close() {
        if (socket != null) {
            waiter.remove(handle);
            socket.close();
            socket = null;
        }
    }
}
