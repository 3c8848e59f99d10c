package org.tapbridge.link;

import org.tapbridge.drops.DropReason;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.crypto.PeerSession;
import org.tapbridge.crypto.WireFormat;
import org.tapbridge.mtu.FragmentReassembler;

/**
 * A peer reached over the site's UDP socket: owns its endpoint (configured, then wherever authenticated
 * messages come from), its path MTU and the probes that find it. Owned by the data-path thread.
 */
public final class UdpPeerLink extends PeerLink {
    private static final System.Logger LOG = System.getLogger(UdpPeerLink.class.getName());
    /** IPv4 header without options, plus the UDP header. */
    static final int IPV4_UDP_OVERHEAD = 20 + 8;
    /** IPv6 header without extensions, plus the UDP header. */
    static final int IPV6_UDP_OVERHEAD = 40 + 8;
    static final int IPV4_MIN_MTU = 576;
    static final int IPV6_MIN_MTU = 1280;

    private final UdpTransport udp;
    private final WireAddress endpoint = new WireAddress();
    private volatile InetSocketAddress endpointView;
    private final int configuredMtu;
    private PathMtuProbe pmtu;
    private volatile int pathMtuView;
    private final ByteBuffer control = ByteBuffer.allocateDirect(ProbeMessage.MAX_PROBE_PAYLOAD);
    private final FragmentReassembler reassembler;
    private final int maxFrame;

    UdpPeerLink(PeerConfig config, int port, PeerCrypto crypto, PeerSession session, LinkTimers timers,
                UdpTransport udp, int configuredMtu, int maxFrame) {
        this(null, config, port, crypto, session, timers, udp, configuredMtu, maxFrame);
    }

    /** The UDP leg of {@code owner} (an {@link AutoPeerLink}), or a link of its own when that is null. */
    UdpPeerLink(PeerLink owner, PeerConfig config, int port, PeerCrypto crypto, PeerSession session,
                LinkTimers timers, UdpTransport udp, int configuredMtu, int maxFrame) {
        super(owner, config, port, crypto, session, timers);
        this.udp = udp;
        this.maxFrame = maxFrame;
        this.reassembler = new FragmentReassembler(FragmentReassembler.DEFAULT_SLOTS, Math.max(2, maxFrame));
        this.configuredMtu = configuredMtu;
        // A host name has no address until the resolver thread finds one (moveEndpoint).
        if (config.endpoint() != null && !config.endpoint().isUnresolved()) {
            moveTo(config.endpoint());
        }
    }

    @Override
    public InetSocketAddress endpoint() {
        return endpointView;
    }

    @Override
    public int pathMtu() {
        return pathMtuView;
    }

    @Override
    public boolean pathMtuSearching() {
        return pmtu != null && pmtu.searching();
    }

    @Override
    public int maxFrameLength() {
        PathMtuProbe p = pmtu;
        return p == null ? 0 : frameLimit(p.current());
    }

    private int frameLimit(int mtu) {
        return mtu - overhead() - WireFormat.DATA_OVERHEAD;
    }

    private int overhead() {
        return endpoint.isIpv4() ? IPV4_UDP_OVERHEAD : IPV6_UDP_OVERHEAD;
    }

    @Override
    boolean canReach() {
        return endpoint.isSet();
    }

    @Override
    UdpPeerLink udpLeg() {
        return this;
    }

    @Override
    boolean retriesHandshakesItself() {
        return true;
    }

    @Override
    void lostContact() {
        // A datagram link has no state beyond the endpoint, which stays for the next attempts.
    }

    @Override
    boolean sendSealed(byte type, ByteBuffer payload, int offset, int length, long nowNs) {
        if (!endpoint.isSet()) {
            counters().dropped(DropReason.PEER_DOWN);
            return false;
        }
        int at = udp.reserve(nowNs);
        int sealed = crypto.seal(session, type, payload, offset, length, udp.arena(), at, nowNs);
        if (sealed < 0) {
            counters().dropped(DropReason.NO_SESSION);
            return false;
        }
        // Only frames ride in trains: a path-MTU probe must leave alone, as the datagram of its size it tests
        // (a veth or bridge lets a segmented train past a narrower MTU whole, which no wire would).
        udp.commit(at, sealed, endpoint, this, type == WireFormat.TYPE_DATA);
        sent(nowNs);
        return true;
    }

    @Override
    void sendMessage(ByteBuffer message) {
        if (endpoint.isSet()) {
            udp.copyOut(message, endpoint, this, 0);
        }
    }

    /** Follows the peer to where an authenticated message came from. */
    void roam(WireAddress source) {
        if (endpoint.sameAs(source)) {
            return;
        }
        boolean familyChanged = endpoint.family() != source.family();
        endpoint.set(source);
        endpointView = source.toInetSocketAddress();
        LOG.log(System.Logger.Level.INFO, "peer " + name() + " is now at " + endpoint);
        if (familyChanged || pmtu == null) {
            startPathMtu(0);
        }
    }

    @Override
    void moveEndpoint(InetSocketAddress address, long nowNs) {
        // As if the peer had roamed there: the session stays, path-MTU discovery restarts on a new family.
        roam(new WireAddress().set(address));
    }

    boolean isAt(WireAddress source) {
        return endpoint.sameAs(source);
    }

    private void moveTo(InetSocketAddress address) {
        endpoint.set(address);
        endpointView = address;
        startPathMtu(0);
    }

    /** Starts path-MTU discovery from the configured value or the kernel's route towards the endpoint. */
    private void startPathMtu(long nowNs) {
        int floor = endpoint.isIpv4() ? IPV4_MIN_MTU : IPV6_MIN_MTU;
        int ceiling = configuredMtu > 0 ? configuredMtu : udp.port().pathMtu(endpointView);
        if (ceiling <= 0) {
            // Unknown route: the Ethernet MTU is by far the most common WAN MTU.
            ceiling = 1500;
        }
        // No frame of ours needs more, and a peer with the same TAP MTU takes no more in one datagram.
        ceiling = Math.min(ceiling, overhead() + WireFormat.DATA_OVERHEAD + maxFrame);
        pmtu = new PathMtuProbe(floor, ceiling);
        pathMtuView = pmtu.current();
    }

    /** The kernel refused a datagram to this peer. */
    void refused(int errno, long nowNs) {
        refused(errno, 1, nowNs);
    }

    /** The kernel refused {@code datagrams} sent together (one train) with {@code errno}. */
    void refused(int errno, int datagrams, long nowNs) {
        for (int i = 0; i < datagrams; i++) {
            counters().dropped(errno == UdpTransport.EAGAIN ? DropReason.SEND_QUEUE_FULL : DropReason.SEND_FAILED);
        }
        if (errno == UdpTransport.EMSGSIZE && pmtu != null) {
            int before = pmtu.current();
            pmtu.refused(udp.port().pathMtu(endpointView), nowNs);
            pathMtuView = pmtu.current();
            if (pmtu.current() != before) {
                LOG.log(System.Logger.Level.INFO, "peer " + name() + ": the kernel refused a datagram as too big;"
                        + " path MTU " + before + " -> " + pmtu.current());
            }
        }
    }

    /** Reassembles the frames the peer had to split. */
    FragmentReassembler reassembler() {
        return reassembler;
    }

    @Override
    void tickTransport(long nowNs) {
        reassembler.expire(nowNs);
        if (pmtu == null || !isUp()) {
            return;
        }
        int sizes = pmtu.due(nowNs);
        for (int i = 0; i < sizes; i++) {
            int size = pmtu.probeSize(i);
            int plain = size - overhead() - WireFormat.DATA_OVERHEAD;
            if (plain >= ProbeMessage.PROBE_HEADER && plain <= control.capacity()) {
                ProbeMessage.writeProbe(control, pmtu.round(), size, plain);
                for (int copy = 0; copy < PathMtuProbe.COPIES; copy++) {
                    sendSealed(WireFormat.TYPE_CONTROL, control, 0, plain, nowNs);
                }
            }
        }
        pathMtuView = pmtu.current();
    }

    /** A probe from the peer: acknowledge it, small, so the answer itself never needs a large MTU. */
    void onProbe(ByteBuffer buf, int offset, int length, long nowNs) {
        int id = ProbeMessage.id(buf, offset);
        int size = ProbeMessage.size(buf, offset);
        ProbeMessage.writeAck(control, id, size);
        sendSealed(WireFormat.TYPE_CONTROL, control, 0, ProbeMessage.ACK_LENGTH, nowNs);
    }

    void onProbeAck(ByteBuffer buf, int offset, int length, long nowNs) {
        if (pmtu == null) {
            return;
        }
        int before = pmtu.current();
        pmtu.acknowledged(ProbeMessage.id(buf, offset), ProbeMessage.size(buf, offset), nowNs);
        pathMtuView = pmtu.current();
        if (pmtu.current() != before) {
            LOG.log(System.Logger.Level.INFO, "peer " + name() + ": path MTU " + before + " -> " + pmtu.current());
        }
    }
}
