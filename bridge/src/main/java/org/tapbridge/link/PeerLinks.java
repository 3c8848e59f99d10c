package org.tapbridge.link;

import org.tapbridge.drops.DropReason;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.CryptoCounters;
import org.tapbridge.crypto.HandshakeSource;
import org.tapbridge.crypto.Inbound;
import org.tapbridge.crypto.Outbox;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.crypto.PeerSession;
import org.tapbridge.crypto.WireFormat;
import org.tapbridge.mtu.ControlType;
import org.tapbridge.mtu.FragmentReassembler;
import org.tapbridge.pipeline.LoopWaiter;

/**
 * All of a site's peer links: the crypto sessions, the UDP socket, the TCP listener, and one
 * {@link PeerLink} per configured peer. Authenticates every message that arrives, follows peers that
 * move, answers handshakes, and hands frames to a {@link FrameSink}. Owned by the data-path thread.
 */
public final class PeerLinks implements AutoCloseable {
    /** Rebuilt by a live reload that adds or removes peers; the control thread reads it. */
    private volatile PeerTable peers;
    /** By session id; a reload may leave holes (null) where removed peers were. */
    private PeerLink[] bySession;
    private PeerLink[] allPeers;
    private UdpPeerLink[] udpPeers;
    private TcpPeerLink[] tcpPeers;
    private final LinkCounters unattributed = new LinkCounters();
    private final PeerCrypto crypto;
    private final UdpTransport udp;
    private TcpTransport tcp;
    /** The data-path loop these links belong to: 0, or a further loop's index ({@code [site] queues}). */
    private final int lane;
    /** What a link needs that does not come with its peer's configuration: kept for peers added later. */
    private final String siteName;
    private final int wanMtu;
    private final StreamNetwork streams;
    private final LoopWaiter waiter;
    private final LinkTimers timers;
    private final int maxFrame;
    private final PeerListener listener;
    private final Inbound inbound = new Inbound();
    private final HandshakeSource handshakeSource = new HandshakeSource();
    private final TcpTransport.Introductions introductions = this::introduce;
    private final TcpPeerLink.MessageHandler streamMessages = this::onStreamMessage;
    /** Where frames from TCP go during {@link #serviceStreams}; the handlers above are built once, not per call. */
    private FrameSink streamSink;

    /** What {@link #receiveDatagram} and the TCP path made of a message. */
    public static final int DROPPED = 0;
    public static final int DELIVERED = 1;
    public static final int CONSUMED = 2;

    private PeerLinks(SiteConfig config, LinkSecurity security, DatagramPort port, StreamNetwork streams,
                      LoopWaiter waiter, LinkTimers timers, PeerListener listener, int maxFrame, int lane)
            throws IOException {
        this.listener = listener;
        this.lane = lane;
        this.crypto = new PeerCrypto(security.privateKey(), security.settings(), new Routes(), new SecureRandom(),
                WallClock::nowNs, lane);
        this.udp = new UdpTransport(port, WireFormat.DATA_OVERHEAD + maxFrame, unattributed);
        this.siteName = config.name();
        this.wanMtu = config.wanMtu();
        this.streams = streams;
        this.waiter = waiter;
        this.timers = timers;
        this.maxFrame = maxFrame;
        List<PeerLink> links = new ArrayList<>();
        boolean anyTcp = false;
        for (int i = 0; i < config.peers().size(); i++) {
            PeerConfig peer = config.peers().get(i);
            if (lane > 0 && peer.transport() != Transport.UDP) {
                // Further loops pair with the peer's loop of the same index over the shared UDP port only;
                // such a peer's frames stay on the first loop (its TAP queues above 0 stay detached).
                continue;
            }
            anyTcp |= peer.transport() != Transport.UDP;
            links.add(newLink(peer, PeerTable.FIRST_PEER_PORT + i, security.publicKeys().get(peer.name()),
                    security.presharedKeys().get(peer.name())));
        }
        publish(links);
        // The TCP listener opens only when some peer uses TCP: no port is exposed that nothing needs.
        this.tcp = TcpTransport.open(streams, anyTcp ? config.listen() : null, waiter, unattributed);
    }

    /** A peer's session and its link on {@code switchPort}; nothing is sent yet. */
    private PeerLink newLink(PeerConfig peer, int switchPort, byte[] publicKey, byte[] presharedKey) {
        if (publicKey == null) {
            throw new IllegalArgumentException("peer " + peer.name() + " has no public-key");
        }
        PeerSession session = crypto.addPeer(peer.name(), publicKey, presharedKey);
        if (peer.transport() == Transport.AUTO) {
            return new AutoPeerLink(peer, switchPort, crypto, session, timers, udp,
                    peer.mtu() > 0 ? peer.mtu() : wanMtu, siteName, streams, waiter, maxFrame);
        }
        if (peer.transport() == Transport.TCP) {
            return new TcpPeerLink(peer, switchPort, crypto, session, timers, siteName, streams, waiter, maxFrame);
        }
        return new UdpPeerLink(peer, switchPort, crypto, session, timers, udp, peer.mtu() > 0 ? peer.mtu() : wanMtu,
                maxFrame);
    }

    /** Makes {@code links} the peers: the arrays the data path walks, and the table others read. */
    private void publish(List<PeerLink> links) {
        int sessions = 0;
        for (PeerLink link : links) {
            sessions = Math.max(sessions, link.session().id() + 1);
        }
        PeerLink[] sessionIndex = new PeerLink[sessions];
        List<UdpPeerLink> udpLinks = new ArrayList<>();
        List<TcpPeerLink> tcpLinks = new ArrayList<>();
        for (PeerLink link : links) {
            sessionIndex[link.session().id()] = link;
            if (link instanceof AutoPeerLink auto) {
                // The legs join the transports' lists: they receive, flush and close as any link does.
                udpLinks.add(auto.udpLeg());
                tcpLinks.add(auto.tcpLeg());
            } else if (link instanceof TcpPeerLink tcpLink) {
                tcpLinks.add(tcpLink);
            } else {
                udpLinks.add((UdpPeerLink) link);
            }
        }
        this.bySession = sessionIndex;
        this.allPeers = links.toArray(new PeerLink[0]);
        this.udpPeers = udpLinks.toArray(new UdpPeerLink[0]);
        this.tcpPeers = tcpLinks.toArray(new TcpPeerLink[0]);
        this.peers = new PeerTable(links);
    }

    // --- live reload: each call on the data-path thread, between batches (the loop's mailbox) ---

    /**
     * Adds a peer on the lowest free switch port and returns that port. Its link starts on the next tick,
     * as at start-up. A TCP peer needs the listener: see {@link #openTcpListener}.
     */
    public int addPeer(PeerConfig peer, byte[] publicKey, byte[] presharedKey) {
        return addPeer(peer, publicKey, presharedKey, freePort());
    }

    /** Adds a peer on {@code switchPort}, which no peer holds: a peer started over keeps its port. */
    public int addPeer(PeerConfig peer, byte[] publicKey, byte[] presharedKey, int switchPort) {
        if (peers.byPort(switchPort) != null || switchPort < PeerTable.FIRST_PEER_PORT) {
            throw new IllegalArgumentException("switch port " + switchPort + " is not free");
        }
        if (peers.byName(peer.name()) != null) {
            throw new IllegalArgumentException("peer " + peer.name() + " exists already");
        }
        List<PeerLink> links = new ArrayList<>(peers.peers());
        links.add(newLink(peer, switchPort, publicKey, presharedKey));
        links.sort(java.util.Comparator.comparingInt(PeerLink::port));
        publish(links);
        return switchPort;
    }

    /**
     * Removes a peer: its connection (TCP) closes, its keys are erased, and nothing it sends authenticates
     * any more. Returns its switch port, for the caller to flush; the listener does not hear of it going down.
     */
    public int removePeer(String name) {
        PeerLink link = peers.byName(name);
        if (link == null) {
            throw new IllegalArgumentException("peer " + name + " does not exist");
        }
        TcpPeerLink tcpLink = link.tcpLeg();
        if (tcpLink != null) {
            tcpLink.closeConnection("the peer was removed from the configuration");
            tcpLink.takeClosed();
        }
        crypto.removePeer(link.session());
        List<PeerLink> links = new ArrayList<>(peers.peers());
        links.remove(link);
        publish(links);
        return link.port();
    }

    /** This site's public key: a peer must not be given it. */
    public byte[] localPublicKey() {
        return crypto.localPublicKey();
    }

    /** Changes in place what needs no new link (see {@link PeerLink#reconfigure}); the session stays. */
    public void updatePeer(PeerConfig peer, long nowNs) {
        PeerLink link = peers.byName(peer.name());
        if (link == null) {
            throw new IllegalArgumentException("peer " + peer.name() + " does not exist");
        }
        link.reconfigure(peer, nowNs);
    }

    /** Whether {@code name}'s session uses {@code presharedKey} (null: none). */
    public boolean hasPresharedKey(String name, byte[] presharedKey) {
        PeerLink link = peers.byName(name);
        return link != null && link.session().hasPresharedKey(presharedKey);
    }

    /** Opens the TCP listener on {@code listen} if it is not open yet: the first TCP peer added by a reload. */
    public void openTcpListener(InetSocketAddress listen) throws IOException {
        if (listen == null || tcp.listening()) {
            return;
        }
        TcpTransport opened = TcpTransport.open(streams, listen, waiter, unattributed);
        tcp.close();
        tcp = opened;
    }

    private int freePort() {
        int port = PeerTable.FIRST_PEER_PORT;
        while (peers.byPort(port) != null) {
            port++;
        }
        return port;
    }

    /**
     * Sets up the sessions and binds the TCP listener (when a peer uses TCP) without sending anything, so
     * that bind and key errors surface before the daemon reports itself ready. Takes ownership of
     * {@code port}.
     */
    public static PeerLinks bind(SiteConfig config, LinkSecurity security, DatagramPort port, StreamNetwork streams,
                                 LoopWaiter waiter, LinkTimers timers, PeerListener listener, int maxFrame)
            throws IOException {
        return new PeerLinks(config, security, port, streams, waiter, timers, listener, maxFrame, 0);
    }

    /**
     * The links of further loop {@code lane} (1 and up) of a site running several: a session with each UDP
     * peer's loop of the same index, over that loop's socket of the shared listen port; no TCP.
     */
    public static PeerLinks bindLane(SiteConfig config, LinkSecurity security, DatagramPort port, StreamNetwork streams,
                                     LoopWaiter waiter, LinkTimers timers, PeerListener listener, int maxFrame,
                                     int lane) throws IOException {
        if (lane < 1 || lane >= WireFormat.MAX_LANES) {
            throw new IllegalArgumentException("lane " + lane + " is outside 1.." + (WireFormat.MAX_LANES - 1));
        }
        return new PeerLinks(config, security, port, streams, waiter, timers, listener, maxFrame, lane);
    }

    /** Which loop of the site these links belong to. */
    public int lane() {
        return lane;
    }

    public PeerTable peers() {
        return peers;
    }

    public DatagramPort udpPort() {
        return udp.port();
    }

    /** sendmmsg calls so far, for the stats; data-path thread. */
    public long udpSendCalls() {
        return udp.flushes();
    }

    public long udpDatagramsSent() {
        return udp.datagramsSent();
    }

    /** Sends that carried several datagrams (UDP GSO), and those the kernel would not segment. */
    public long udpTrainsSent() {
        return udp.trainsSent();
    }

    public long udpTrainsRefused() {
        return udp.trainsRefused();
    }

    /** Drops not charged to any configured peer. */
    public LinkCounters counters() {
        return unattributed;
    }

    public CryptoCounters.Snapshot cryptoCounters() {
        return crypto.counters().snapshot();
    }

    /**
     * One datagram from the UDP socket at {@code buf[offset, +length)} from {@code source}: authenticated,
     * decrypted in place; a frame goes to {@code sink}. Returns {@link #DELIVERED}, {@link #CONSUMED} (a
     * handshake, keepalive or control message) or {@link #DROPPED} (counted).
     */
    public int receiveDatagram(ByteBuffer buf, int offset, int length, WireAddress source, long nowNs,
                               FrameSink sink) {
        if (!wellFormed(buf, offset, length)) {
            return DROPPED;
        }
        source.describe(handshakeSource).known(isKnownEndpoint(source));
        byte type = buf.get(offset + WireFormat.TYPE_OFFSET);
        PeerCrypto.Received received = crypto.receive(buf, offset, length, handshakeSource, nowNs, inbound);
        if (received == PeerCrypto.Received.DROPPED) {
            if (inbound.reply() != null) {
                // A cookie for an initiation refused under load: back to where it came from, and only there.
                udp.copyOut(inbound.reply(), source, null, nowNs);
            }
            chargeCryptoDrop();
            return DROPPED;
        }
        if (received == PeerCrypto.Received.COOKIE) {
            return CONSUMED;
        }
        PeerLink peer = bySession[inbound.peer().id()];
        UdpPeerLink udpPeer = peer.udpLeg();
        if (udpPeer == null) {
            peer.counters().dropped(DropReason.WRONG_TRANSPORT);
            return DROPPED;
        }
        udpPeer.roam(source);
        return authenticated(peer, udpPeer, type, received, buf, nowNs, sink);
    }

    /** An authenticated message of {@code type} for {@code peer} that arrived over {@code via}, its link or leg. */
    private int authenticated(PeerLink peer, PeerLink via, byte type, PeerCrypto.Received received, ByteBuffer buf,
                              long nowNs, FrameSink sink) {
        // First: an auto link may move to the transport this came by, before the peer is reported up.
        peer.arrived(via, type, nowNs);
        // Up means frames can flow both ways: a responder holds its new keys back until the initiator's
        // first message confirms them, and frames sealed before that would only be dropped.
        if (peer.heard(nowNs, peer.session().hasSession())) {
            listener.peerUp(peer);
        }
        switch (received) {
            case FRAME -> {
                peer.counters().received(inbound.plaintextLength());
                sink.frameFromPeer(peer, buf, inbound.plaintextOffset(), inbound.plaintextLength(), nowNs);
                return DELIVERED;
            }
            case CONTROL -> {
                return control(peer, via, buf, inbound.plaintextOffset(), inbound.plaintextLength(), nowNs, sink);
            }
            case HANDSHAKE -> {
                ByteBuffer reply = inbound.reply();
                if (reply != null) {
                    // Back the way it came: that is the transport this handshake tries.
                    via.sendMessage(reply);
                }
                return CONSUMED;
            }
            default -> {
                return CONSUMED;
            }
        }
    }

    private int control(PeerLink peer, PeerLink via, ByteBuffer buf, int offset, int length, long nowNs,
                        FrameSink sink) {
        if (length < 1) {
            peer.counters().dropped(DropReason.MALFORMED_MESSAGE);
            return DROPPED;
        }
        byte type = buf.get(offset);
        if (type == ControlType.FRAGMENT && via instanceof UdpPeerLink udpPeer) {
            FragmentReassembler reassembler = udpPeer.reassembler();
            int status = reassembler.accept(buf, offset, length, nowNs);
            if (status == FragmentReassembler.COMPLETE) {
                peer.counters().received(reassembler.frameLength());
                sink.frameFromPeer(peer, reassembler.frameBuffer(), reassembler.frameOffset(),
                        reassembler.frameLength(), nowNs);
                return DELIVERED;
            }
            if (status == FragmentReassembler.MALFORMED) {
                peer.counters().dropped(DropReason.MALFORMED_MESSAGE);
                return DROPPED;
            }
            return CONSUMED;
        }
        if (via instanceof UdpPeerLink udpPeer && length >= ProbeMessage.PROBE_HEADER) {
            if (type == ProbeMessage.TYPE_PROBE) {
                udpPeer.onProbe(buf, offset, length, nowNs);
                return CONSUMED;
            }
            if (type == ProbeMessage.TYPE_ACK) {
                udpPeer.onProbeAck(buf, offset, length, nowNs);
                return CONSUMED;
            }
        }
        peer.counters().dropped(DropReason.MALFORMED_MESSAGE);
        return DROPPED;
    }

    private void chargeCryptoDrop() {
        PeerSession claimed = inbound.claimedPeer();
        if (claimed != null) {
            bySession[claimed.id()].counters().cryptoDropped(inbound.dropReason());
        }
    }

    private boolean isKnownEndpoint(WireAddress source) {
        for (UdpPeerLink peer : udpPeers) {
            if (peer.isAt(source)) {
                return true;
            }
        }
        return false;
    }

    /** Counts messages that are not ours at all before any crypto work is spent on them. */
    private boolean wellFormed(ByteBuffer buffer, int offset, int length) {
        if (length < WireFormat.PREFIX_LENGTH) {
            unattributed.dropped(DropReason.TRUNCATED);
            return false;
        }
        if (buffer.get(offset + WireFormat.VERSION_OFFSET) != WireFormat.VERSION
                || buffer.get(offset + WireFormat.RESERVED_OFFSET) != 0) {
            unattributed.dropped(DropReason.BAD_VERSION);
            return false;
        }
        if (WireFormat.laneOf(buffer, offset) != lane) {
            // Steered here by the kernel's fallback (a lane this site does not run), or forged: an initiation
            // for another loop must not replace this loop's session with the peer.
            unattributed.dropped(DropReason.WRONG_LANE);
            return false;
        }
        byte type = buffer.get(offset + WireFormat.TYPE_OFFSET);
        if (type < WireFormat.TYPE_HANDSHAKE_INIT || type > WireFormat.MAX_TYPE) {
            unattributed.dropped(DropReason.BAD_TYPE);
            return false;
        }
        return true;
    }

    /** Services TCP: new connections, first messages, and every established connection that is ready. */
    public void serviceStreams(long nowNs, FrameSink sink) {
        streamSink = sink;
        tcp.service(nowNs, introductions);
        for (TcpPeerLink peer : tcpPeers) {
            peer.onReady(nowNs, streamMessages);
            if (peer.takeClosed()) {
                lost(peer);
            }
        }
        streamSink = null;
    }

    /** Whether a TCP connection holds a complete message it has not handed on yet: the loop must not sleep. */
    public boolean streamsHaveBufferedMessages() {
        for (TcpPeerLink peer : tcpPeers) {
            if (peer.hasBufferedMessage()) {
                return true;
            }
        }
        return false;
    }

    private TcpPeerLink introduce(StreamSocket socket, ByteBuffer buffer, int offset, int length, long nowNs) {
        if (!wellFormed(buffer, offset, length)) {
            return null;
        }
        // The TCP handshake proved the address: no cookie round trip on this transport.
        handshakeSource.set(socket.remote()).proven(true);
        PeerCrypto.Received received = crypto.receive(buffer, offset, length, handshakeSource, nowNs, inbound);
        if (received != PeerCrypto.Received.HANDSHAKE) {
            if (received == PeerCrypto.Received.DROPPED) {
                chargeCryptoDrop();
            } else {
                unattributed.dropped(DropReason.UNKNOWN_PEER);
            }
            return null;
        }
        PeerLink peer = bySession[inbound.peer().id()];
        TcpPeerLink tcpPeer = peer.tcpLeg();
        if (tcpPeer == null) {
            peer.counters().dropped(DropReason.WRONG_TRANSPORT);
            return null;
        }
        if (!tcpPeer.adopt(socket, buffer, 0, 0, nowNs)) {
            return null;
        }
        authenticated(peer, tcpPeer, WireFormat.TYPE_HANDSHAKE_INIT, received, buffer, nowNs, streamSink);
        return tcpPeer;
    }

    private boolean onStreamMessage(TcpPeerLink link, ByteBuffer buffer, int offset, int length, long nowNs) {
        if (!wellFormed(buffer, offset, length)) {
            link.counters().dropped(DropReason.MALFORMED_MESSAGE);
            return false;
        }
        byte type = buffer.get(offset + WireFormat.TYPE_OFFSET);
        PeerCrypto.Received received = crypto.receive(buffer, offset, length, link.handshakeSource(), nowNs,
                inbound);
        if (received == PeerCrypto.Received.DROPPED || received == PeerCrypto.Received.COOKIE) {
            chargeCryptoDrop();
            return true;
        }
        PeerLink peer = bySession[inbound.peer().id()];
        if (peer.tcpLeg() != link) {
            // Authentic, but from another site than the one this connection belongs to: refuse to mix.
            link.counters().dropped(DropReason.WRONG_TRANSPORT);
            return false;
        }
        authenticated(peer, link, type, received, buffer, nowNs, streamSink);
        return true;
    }

    /**
     * {@code peerName}'s host name resolved to a new address (posted by the resolver thread): the peer is
     * sought there from now on. Data-path thread.
     */
    public void endpointResolved(String peerName, java.net.InetSocketAddress address, long nowNs) {
        PeerLink peer = peers.byName(peerName);
        // A reload may have given the peer an address instead of the name this lookup was for.
        if (peer != null && peer.config().endpointHost() != null) {
            peer.resolvedTo(address, nowNs);
        }
    }

    /** Periodic duties of every link and session. */
    public void tick(long nowNs) {
        crypto.tick(nowNs);
        tcp.tick(nowNs);
        // The array, not the table's list: its iterator would be an allocation per tick wherever escape
        // analysis does not remove it.
        for (PeerLink peer : allPeers) {
            if (peer.tick(nowNs)) {
                listener.peerDown(peer);
            }
            TcpPeerLink tcpPeer = peer.tcpLeg();
            if (tcpPeer != null && tcpPeer.takeClosed()) {
                lost(tcpPeer);
            }
        }
    }

    /** {@code link}'s connection ended: its peer is down, unless that was an auto link's idle leg. */
    private void lost(PeerLink link) {
        PeerLink peer = link.owner();
        if (peer.sendsVia(link) && peer.down()) {
            listener.peerDown(peer);
        }
    }

    /** Sends everything queued: the UDP batch and the TCP send buffers. */
    public void flush(long nowNs) {
        udp.flush(nowNs);
        for (TcpPeerLink peer : tcpPeers) {
            if (peer.hasQueuedBytes()) {
                peer.flush();
            }
        }
    }

    /** Tunnel reassembly over all peers, for the stats: completed, evicted, expired, malformed, duplicate. */
    public void reassemblyCounters(java.util.Map<String, Long> into) {
        long completed = 0;
        long evicted = 0;
        long expired = 0;
        long malformed = 0;
        long duplicate = 0;
        for (UdpPeerLink peer : udpPeers) {
            FragmentReassembler r = peer.reassembler();
            completed += r.completed();
            evicted += r.evicted();
            expired += r.expired();
            malformed += r.malformed();
            duplicate += r.duplicate();
        }
        into.put("reassembled", completed);
        into.put("reassembly-evicted", evicted);
        into.put("reassembly-expired", expired);
        into.put("reassembly-malformed", malformed);
        into.put("reassembly-duplicate", duplicate);
    }

    /**
     * The {@code transport = "auto"} peers, for the stats: how many, how often they fell back to TCP, and
     * how often they moved back to UDP.
     */
    public void autoTransportCounters(java.util.Map<String, Long> into) {
        long auto = 0;
        long onTcp = 0;
        long fallbacks = 0;
        long movesBack = 0;
        for (PeerLink peer : bySession) {
            if (peer instanceof AutoPeerLink a) {
                auto++;
                onTcp += a.activeTransport() == Transport.TCP ? 1 : 0;
                fallbacks += a.choice().fallbacks();
                movesBack += a.choice().movesBack();
            }
        }
        into.put("auto-peers", auto);
        into.put("auto-peers-on-tcp", onTcp);
        into.put("fallbacks-to-tcp", fallbacks);
        into.put("moves-back-to-udp", movesBack);
    }

    /** What the control path shows of a peer's crypto session. */
    public record SessionView(boolean established, long lastHandshakeNs) {
    }

    /** The peer's session as it is now; call on the data-path thread. */
    public SessionView session(PeerLink peer) {
        return new SessionView(peer.session().hasSession(), peer.session().currentKeysCreatedNs());
    }

    /**
     * Erases every key of every session and the site's private key (see {@link PeerCrypto#destroy}). Only
     * once the data-path thread has stopped, or never started: it owns the crypto, and OpenSSL contexts
     * freed under it would be used after being freed.
     */
    public void eraseKeys() {
        crypto.destroy();
    }

    /** Whether {@link #eraseKeys} ran. */
    public boolean keysErased() {
        return crypto.destroyed();
    }

    @Override
    public void close() {
        for (TcpPeerLink peer : tcpPeers) {
            peer.close();
        }
        tcp.close();
        udp.close();
    }

    /** Where the crypto layer's own messages go: to the peer's link, whatever its transport. */
    private final class Routes implements Outbox {
        @Override
        public boolean canReach(PeerSession session) {
            return bySession[session.id()].canReach();
        }

        @Override
        public void send(PeerSession session, ByteBuffer message) {
            bySession[session.id()].sendMessage(message);
        }
    }
}
