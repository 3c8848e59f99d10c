package org.tapbridge.link;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.DataMessage;
import org.tapbridge.crypto.WireFormat;
import org.tapbridge.pipeline.FrameSender;
import org.tapbridge.pipeline.RateLimitedLog;

/**
 * Egress to one peer, on the egress thread: seals each frame and sends it over UDP or the peer's TCP
 * connection; on ticks, sends keepalives, declares a silent peer dead, and retries a dead peer's
 * handshake with backoff.
 */
final class PeerSender implements FrameSender {
    private static final System.Logger LOG = System.getLogger(PeerSender.class.getName());

    private final Peer peer;
    private final DatagramPort udp;
    private final LinkIngress ingress;
    private final LinkTimers timers;
    /** On the heap: the JCE seals byte arrays faster, and with less garbage, than direct buffers. */
    private final ByteBuffer message;
    private final Backoff probeBackoff;
    private final RateLimitedLog errors = new RateLimitedLog(LOG, 10_000_000_000L);
    private long lastTxNs;
    private long nextProbeNs;
    private boolean started;

    PeerSender(Peer peer, DatagramPort udp, LinkIngress ingress, LinkTimers timers, int maxFrame) {
        this.peer = peer;
        this.udp = udp;
        this.ingress = ingress;
        this.timers = timers;
        this.message = ByteBuffer.allocate(WireFormat.DATA_OVERHEAD + maxFrame);
        // Seeded at random: sites restarting together must not retry in lockstep.
        this.probeBackoff = new Backoff(timers.reconnectInitialNs(), timers.reconnectCapNs(),
                new java.security.SecureRandom().nextLong());
    }

    @Override
    public void send(ByteBuffer frame, int length, long nowNs) {
        if (!peer.isUp()) {
            peer.counters().dropped(LinkDrop.PEER_DOWN);
            return;
        }
        message.put(DataMessage.HEADER_LENGTH, frame, 0, length);
        if (sealAndSend(length, nowNs)) {
            peer.counters().sent(length);
        }
    }

    @Override
    public void onTick(long nowNs) {
        if (!started) {
            started = true;
            nextProbeNs = nowNs;
        }
        if (peer.isUp()) {
            long lastRxNs = peer.lastRxNs();
            if (nowNs - lastRxNs > timers.deadNs()) {
                LOG.log(System.Logger.Level.WARNING, "peer " + peer.name() + ": nothing heard for "
                        + (nowNs - peer.lastRxNs()) / 1_000_000_000L + " s; marking it down");
                TcpConnection c = peer.connection();
                if (c != null) {
                    c.close();
                }
                ingress.lost(peer, lastRxNs);
                probeBackoff.reset();
                nextProbeNs = nowNs;
            } else if (nowNs - lastTxNs >= timers.keepaliveNs()) {
                // An empty DATA message: it proves we hold the keys and keeps NAT state alive.
                sealAndSend(0, nowNs);
            }
        }
        TcpConnection connection = peer.connection();
        if (connection != null) {
            // Bytes the socket could not take at once must not wait for the next frame or keepalive.
            try {
                connection.flush();
            } catch (IOException e) {
                errors.warn("peer " + peer.name() + ": TCP flush failed: " + e.getMessage());
            }
        }
        if (!peer.isUp() && peer.transport() == Transport.UDP && peer.endpoint() != null && nowNs - nextProbeNs >= 0) {
            ingress.secure().connect(peer, nowNs);
            nextProbeNs = nowNs + probeBackoff.nextDelayNs();
        }
    }

    private boolean sealAndSend(int frameLength, long nowNs) {
        int length = ingress.secure().seal(peer, message, frameLength, nowNs);
        if (length < 0) {
            peer.counters().dropped(LinkDrop.NO_SESSION);
            return false;
        }
        message.limit(length).position(0);
        try {
            boolean sent;
            if (peer.transport() == Transport.UDP) {
                udp.send(message, peer.endpoint());
                sent = true;
            } else {
                TcpConnection c = peer.connection();
                sent = c != null && c.send(message);
                if (!sent) {
                    peer.counters().dropped(c == null ? LinkDrop.PEER_DOWN : LinkDrop.SEND_QUEUE_FULL);
                }
            }
            if (sent) {
                lastTxNs = nowNs;
            }
            return sent;
        } catch (IOException e) {
            peer.counters().dropped(LinkDrop.SEND_FAILED);
            errors.warn("sending to peer " + peer.name() + " at " + peer.endpoint() + " failed: " + e.getMessage());
            return false;
        } finally {
            message.clear();
        }
    }
}
