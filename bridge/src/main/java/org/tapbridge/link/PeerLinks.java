package org.tapbridge.link;

import java.io.IOException;
import java.security.SecureRandom;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.CryptoCounters;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.pipeline.FrameRing;
import org.tapbridge.pipeline.FrameSender;
import org.tapbridge.pipeline.NanoClock;

/**
 * All of a site's peer links: one UDP socket, the TCP listener and dialers, the crypto sessions, and
 * a sender per peer.
 */
public final class PeerLinks implements AutoCloseable {
    private final PeerTable peers;
    private final LinkCounters counters;
    private final DatagramPort udp;
    private final SecureChannel secure;
    private final UdpReceiver udpReceiver;
    private final TcpLinks tcp;
    private final PeerSender[] senders;
    private Thread udpThread;

    private PeerLinks(PeerTable peers, DatagramPort udp, LinkIngress ingress, TcpLinks tcp, LinkTimers timers,
                      int maxFrame) {
        this.peers = peers;
        this.counters = ingress.counters();
        this.udp = udp;
        this.secure = ingress.secure();
        this.tcp = tcp;
        this.udpReceiver = new UdpReceiver(udp, ingress);
        this.senders = new PeerSender[peers.portCount()];
        for (Peer peer : peers.peers()) {
            senders[peer.port()] = new PeerSender(peer, udp, ingress, timers, maxFrame);
        }
    }

    /**
     * Sets up the crypto sessions and binds the TCP listener (when a peer uses TCP) without starting
     * any thread, so that bind and key errors surface before the daemon reports itself ready.
     */
    public static PeerLinks bind(SiteConfig config, PeerTable peers, DatagramPort udp, FrameRing ring,
                                 PeerListener listener, NanoClock clock, LinkTimers timers, LinkSecurity security)
            throws IOException {
        SecureRandom random = new SecureRandom();
        SecureChannel[] channel = new SecureChannel[1];
        PeerCrypto crypto = new PeerCrypto(security.privateKey(), security.settings(),
                (session, endpoint, message) -> channel[0].send(session, endpoint, message), random,
                WallClock::nowNs);
        for (Peer peer : peers.peers()) {
            byte[] publicKey = security.publicKeys().get(peer.name());
            if (publicKey == null) {
                throw new IllegalArgumentException("peer " + peer.name() + " has no public-key");
            }
            peer.session(crypto.addPeer(peer.name(), publicKey, security.presharedKeys().get(peer.name()),
                    peer.endpoint()));
        }
        channel[0] = new SecureChannel(crypto, udp, peers);
        LinkIngress ingress = new LinkIngress(ring, peers, new LinkCounters(), listener, clock, channel[0]);
        boolean anyTcp = peers.peers().stream().anyMatch(p -> p.transport() == Transport.TCP);
        // The TCP listener opens only when some peer uses TCP: no port is exposed that nothing needs.
        TcpLinks tcp = TcpLinks.bind(config.name(), anyTcp ? config.listen() : null, ingress, timers);
        return new PeerLinks(peers, udp, ingress, tcp, timers, ring.slotCapacity());
    }

    public void start() {
        udpThread = new Thread(udpReceiver, "peer-rx-udp");
        udpThread.setDaemon(true);
        udpThread.start();
        tcp.start();
    }

    /** Session timers (handshake retries, keepalives owed, key expiry); called on the egress thread. */
    public void onTick(long nowNs) {
        secure.tick(nowNs);
    }

    public PeerTable peers() {
        return peers;
    }

    /** Drops not charged to any configured peer. */
    public LinkCounters counters() {
        return counters;
    }

    /** Handshakes, seals, opens and drops by reason, across all peers. */
    public CryptoCounters.Snapshot cryptoCounters() {
        synchronized (secure) {
            return secure.crypto().counters().snapshot();
        }
    }

    /** What the control path shows of a peer's crypto session. */
    public record SessionView(boolean established, long lastHandshakeNs) {
    }

    /** A consistent view of one peer's session, taken under the crypto lock. */
    public SessionView session(Peer peer) {
        synchronized (secure) {
            long created = peer.session().currentKeysCreatedNs();
            return new SessionView(peer.session().hasSession(), created);
        }
    }

    /** The sender for each switch port, for the egress stage; index 0 (the TAP) is left empty. */
    public FrameSender[] senders() {
        return senders.clone();
    }

    @Override
    public void close() {
        udpReceiver.stop();
        tcp.stop();
        if (udpThread != null) {
            try {
                udpThread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
