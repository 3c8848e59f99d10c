package org.tapbridge.link;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.crypto.PeerSession;
import org.tapbridge.crypto.WireFormat;
import org.tapbridge.pipeline.LoopWaiter;

/**
 * A {@code transport = "auto"} peer: one switch port and one crypto session over two legs, a
 * {@link UdpPeerLink} and a {@link TcpPeerLink}. Everything it sends leaves over the active leg only;
 * it receives over both, so nothing in flight is lost when it moves, and the move is neither a peer going
 * down nor a new port: the switch keeps the peer's MACs. {@link AutoTransport} decides which leg is active.
 * Owned by the data-path thread.
 */
public final class AutoPeerLink extends PeerLink {
    private static final System.Logger LOG = System.getLogger(AutoPeerLink.class.getName());

    private final UdpPeerLink udp;
    private final TcpPeerLink tcp;
    private final AutoTransport choice;
    /** Where frames and keepalives go; read by the control thread for the endpoint and the MTU. */
    private volatile PeerLink active;
    /** Where the crypto layer's own messages go: the active leg, or the UDP leg while it sends a UDP try. */
    private PeerLink route;
    /** The last authenticated message over TCP; an idle TCP connection on a UDP link closes after a while. */
    private long lastTcpRxNs;

    AutoPeerLink(PeerConfig config, int port, PeerCrypto crypto, PeerSession session, LinkTimers timers,
                 UdpTransport udpTransport, int configuredMtu, String siteName, StreamNetwork network,
                 LoopWaiter waiter, int maxFrame) {
        super(config, port, crypto, session, timers);
        this.udp = new UdpPeerLink(this, config, port, crypto, session, timers, udpTransport, configuredMtu, maxFrame);
        this.tcp = new TcpPeerLink(this, config, port, crypto, session, timers, siteName, network, waiter, maxFrame);
        this.choice = new AutoTransport(config.udpFallbackNs(), config.udpProbeNs());
        this.active = udp;
        this.route = udp;
    }

    /** The transport in use now: UDP or TCP. */
    public Transport activeTransport() {
        return active == udp ? Transport.UDP : Transport.TCP;
    }

    /** The decisions, for the reports; read them on the data-path thread. */
    public AutoTransport choice() {
        return choice;
    }

    @Override
    boolean sendsVia(PeerLink leg) {
        return leg == active;
    }

    @Override
    UdpPeerLink udpLeg() {
        return udp;
    }

    @Override
    TcpPeerLink tcpLeg() {
        return tcp;
    }

    @Override
    public InetSocketAddress endpoint() {
        InetSocketAddress at = active.endpoint();
        return at != null ? at : (active == udp ? tcp : udp).endpoint();
    }

    @Override
    public int pathMtu() {
        return active.pathMtu();
    }

    @Override
    public boolean pathMtuSearching() {
        return active.pathMtuSearching();
    }

    @Override
    public int maxFrameLength() {
        return active.maxFrameLength();
    }

    @Override
    boolean canReach() {
        return route.canReach();
    }

    @Override
    boolean sendSealed(byte type, ByteBuffer payload, int offset, int length, long nowNs) {
        return active.sendSealed(type, payload, offset, length, nowNs);
    }

    @Override
    void sendMessage(ByteBuffer message) {
        route.sendMessage(message);
    }

    @Override
    boolean retriesHandshakesItself() {
        return active.retriesHandshakesItself();
    }

    @Override
    void lostContact() {
        active.lostContact();
    }

    @Override
    void moveEndpoint(InetSocketAddress address, long nowNs) {
        udp.moveEndpoint(address, nowNs);
        tcp.moveEndpoint(address, nowNs);
    }

    @Override
    void arrived(PeerLink via, byte type, long nowNs) {
        Transport transport = via == udp ? Transport.UDP : Transport.TCP;
        if (transport == Transport.TCP) {
            lastTcpRxNs = nowNs;
        }
        int kind = type == WireFormat.TYPE_HANDSHAKE_INIT ? AutoTransport.INITIATION
                : type == WireFormat.TYPE_HANDSHAKE_RESP ? AutoTransport.RESPONSE : AutoTransport.DATA;
        if (choice.arrived(transport, kind, nowNs)) {
            use(via, nowNs);
        }
    }

    @Override
    void tickTransport(long nowNs) {
        int action = choice.tick(nowNs, isUp(), udp.canReach());
        if (action == AutoTransport.FALL_BACK) {
            use(tcp, nowNs);
        } else if (action == AutoTransport.PROBE_UDP) {
            // One initiation over UDP; its response, if UDP works, moves the link back (arrived).
            route = udp;
            try {
                crypto.handshakeNow(session, nowNs);
            } finally {
                route = active;
            }
        }
        udp.tickTransport(nowNs);
        if (active == tcp) {
            tcp.tickTransport(nowNs);
        } else if (tcp.hasConnection() && nowNs - lastTcpRxNs > timers.deadNs()) {
            // The peer moved too (or never used it): an idle connection only holds NAT state and a buffer.
            tcp.closeConnection("the link is on udp");
        }
    }

    private void use(PeerLink leg, long nowNs) {
        PeerLink from = active;
        active = leg;
        route = leg;
        if (leg == tcp) {
            // Whatever the connection had waited for, a fallback dials at once.
            lastTcpRxNs = nowNs;
        }
        LOG.log(System.Logger.Level.INFO, "peer " + name() + ": " + (from == udp ? "udp" : "tcp") + " -> "
                + choice.describe(nowNs));
    }
}
