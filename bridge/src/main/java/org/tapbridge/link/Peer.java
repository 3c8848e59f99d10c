package org.tapbridge.link;

import java.net.InetSocketAddress;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.PeerSession;

/**
 * One remote site: its switch port, where it is reached, and whether it is alive. Written by the link
 * threads, read by the egress thread and the control thread, hence the volatile fields.
 */
public final class Peer {
    private final PeerConfig config;
    private final int port;
    private final PeerCounters counters = new PeerCounters();
    private volatile InetSocketAddress endpoint;
    private volatile long lastRxNs;
    private final java.util.concurrent.atomic.AtomicBoolean up = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile TcpConnection connection;
    private PeerSession session;

    public Peer(PeerConfig config, int port) {
        this.config = config;
        this.port = port;
        this.endpoint = config.endpoint();
    }

    public String name() {
        return config.name();
    }

    public int port() {
        return port;
    }

    public PeerConfig config() {
        return config;
    }

    public Transport transport() {
        return config.transport();
    }

    /** The crypto session; set once when the links are bound. */
    public PeerSession session() {
        return session;
    }

    void session(PeerSession session) {
        this.session = session;
    }

    public PeerCounters counters() {
        return counters;
    }

    /** Where datagrams go: the configured endpoint, or the address the peer last spoke from. */
    public InetSocketAddress endpoint() {
        return endpoint;
    }

    void endpoint(InetSocketAddress address) {
        this.endpoint = address;
    }

    public boolean isUp() {
        return up.get();
    }

    public long lastRxNs() {
        return lastRxNs;
    }

    /** Records a valid message from the peer; returns true when this brought the peer up. */
    boolean heard(long nowNs) {
        lastRxNs = nowNs;
        // Compare-and-set: two receive threads must not both announce the peer up.
        return up.compareAndSet(false, true);
    }

    /** Marks the peer down unless it was heard after {@code silentSinceNs}; true when this call took it down. */
    boolean down(long silentSinceNs) {
        if (lastRxNs - silentSinceNs > 0) {
            return false;
        }
        return up.compareAndSet(true, false);
    }

    TcpConnection connection() {
        return connection;
    }

    void connection(TcpConnection connection) {
        this.connection = connection;
    }
}
