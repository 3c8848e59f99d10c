package org.tapbridge.link;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.Inbound;
import org.tapbridge.crypto.Outbox;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.crypto.PeerSession;
import org.tapbridge.pipeline.RateLimitedLog;

/**
 * The one door between the link threads and the crypto layer. {@link PeerCrypto} expects a single
 * caller, but frames are sealed on the egress thread and opened on the receive threads, so every call
 * goes through this object's lock. A seal or open costs about a microsecond, short enough that the
 * lock is not what limits a two-core gateway. Also the crypto layer's outbox: handshakes and
 * keepalives leave by UDP to the peer's endpoint, or by the peer's TCP connection.
 */
final class SecureChannel implements Outbox {
    private static final System.Logger LOG = System.getLogger(SecureChannel.class.getName());

    private final PeerCrypto crypto;
    private final DatagramPort udp;
    private final Peer[] peersBySession;
    private final RateLimitedLog errors = new RateLimitedLog(LOG, 10_000_000_000L);
    /** The TCP connection whose message is being received, so an answer goes back the same way. */
    private TcpConnection answering;

    SecureChannel(PeerCrypto crypto, DatagramPort udp, PeerTable peers) {
        this.crypto = crypto;
        this.udp = udp;
        this.peersBySession = new Peer[peers.peers().size()];
        for (Peer peer : peers.peers()) {
            peersBySession[peer.session().id()] = peer;
        }
    }

    PeerCrypto crypto() {
        return crypto;
    }

    /** The link-side peer of a crypto session. */
    Peer peerOf(PeerSession session) {
        return peersBySession[session.id()];
    }

    /** Seals the frame at {@code buf[16, 16 + frameLength)} in place; returns the message length or a negative value. */
    synchronized int seal(Peer peer, ByteBuffer buf, int frameLength, long nowNs) {
        return crypto.seal(peer.session(), buf, 0, frameLength, nowNs);
    }

    /**
     * Authenticates and decrypts one message in place. {@code via} is the TCP connection it came on,
     * or null for UDP.
     */
    synchronized PeerCrypto.Received receive(ByteBuffer buf, int offset, int length, SocketAddress source,
                                             long nowNs, Inbound result, TcpConnection via) {
        answering = via;
        try {
            return crypto.receive(buf, offset, length, source, nowNs, result);
        } finally {
            answering = null;
        }
    }

    synchronized void tick(long nowNs) {
        crypto.tick(nowNs);
    }

    /** Starts a handshake unless one is under way. */
    synchronized void connect(Peer peer, long nowNs) {
        crypto.connect(peer.session(), nowNs);
    }

    /** Starts a handshake at once over a fresh TCP connection: one sent on the old connection is lost. */
    synchronized void handshakeNow(Peer peer, long nowNs) {
        crypto.handshakeNow(peer.session(), nowNs);
    }

    @Override
    public void send(PeerSession session, SocketAddress endpoint, ByteBuffer message) {
        Peer peer = peerOf(session);
        try {
            if (answering != null) {
                answering.send(message);
            } else if (peer.transport() == Transport.TCP) {
                TcpConnection c = peer.connection();
                if (c != null) {
                    c.send(message);
                }
            } else if (endpoint instanceof InetSocketAddress target) {
                udp.send(message, target);
            }
        } catch (IOException e) {
            errors.warn("peer " + peer.name() + ": sending a handshake or keepalive failed: " + e.getMessage());
        }
    }
}
