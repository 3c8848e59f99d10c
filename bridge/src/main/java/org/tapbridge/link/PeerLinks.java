package org.tapbridge.link;

import java.io.IOException;
import java.net.InetSocketAddress;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.pipeline.FrameRing;
import org.tapbridge.pipeline.FrameSender;
import org.tapbridge.pipeline.NanoClock;

/** All of a site's peer links: one UDP socket, the TCP listener and dialers, and a sender per peer. */
public final class PeerLinks implements AutoCloseable {
    private final PeerTable peers;
    private final LinkCounters counters;
    private final DatagramPort udp;
    private final UdpReceiver udpReceiver;
    private final TcpLinks tcp;
    private final PeerSender[] senders;
    private Thread udpThread;

    private PeerLinks(PeerTable peers, DatagramPort udp, Inbound inbound, HelloSender hellos, TcpLinks tcp,
                      LinkTimers timers, int maxFrame) {
        this.peers = peers;
        this.counters = inbound.counters();
        this.udp = udp;
        this.tcp = tcp;
        this.udpReceiver = new UdpReceiver(udp, inbound, hellos);
        this.senders = new PeerSender[peers.portCount()];
        for (Peer peer : peers.peers()) {
            senders[peer.port()] = new PeerSender(peer, udp, hellos, inbound, timers, maxFrame);
        }
    }

    /**
     * Binds the listeners (UDP from {@code udp}, TCP on the config's listen address) without starting
     * any thread, so bind errors surface before the daemon reports itself ready.
     */
    public static PeerLinks bind(SiteConfig config, PeerTable peers, DatagramPort udp, FrameRing ring,
                                 PeerListener listener, NanoClock clock, LinkTimers timers) throws IOException {
        Inbound inbound = new Inbound(ring, peers, new LinkCounters(), listener, clock);
        HelloSender hellos = new HelloSender(config.name(), udp);
        boolean anyTcp = peers.peers().stream().anyMatch(p -> p.transport() == Transport.TCP);
        // The TCP listener opens only when some peer uses TCP: no port is exposed that nothing needs.
        TcpLinks tcp = TcpLinks.bind(config.name(), anyTcp ? config.listen() : null, inbound, timers);
        return new PeerLinks(peers, udp, inbound, hellos, tcp, timers, ring.slotCapacity());
    }

    public void start() {
        udpThread = new Thread(udpReceiver, "peer-rx-udp");
        udpThread.setDaemon(true);
        udpThread.start();
        tcp.start();
    }

    public PeerTable peers() {
        return peers;
    }

    /** Drops not charged to any configured peer. */
    public LinkCounters counters() {
        return counters;
    }

    /** The sender for each switch port, for the egress stage; index 0 (the TAP) is left empty. */
    public FrameSender[] senders() {
        return senders.clone();
    }

    public InetSocketAddress udpAddress() throws IOException {
        return udp.localAddress();
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
