package org.tapbridge.pipeline;

import java.nio.ByteBuffer;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.link.FrameSink;
import org.tapbridge.link.PeerLink;
import org.tapbridge.link.PeerTable;
import org.tapbridge.neighbor.NeighborSuppressor;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.switching.SwitchLane;
import org.tapbridge.switching.SwitchSettings;

/**
 * Carries one frame from where it came in to where the switch says it goes: the TAP, one peer, or every
 * flood port. With {@code arp-suppression}, ARP requests and neighbour solicitations from the TAP for hosts
 * at other sites are answered here instead ({@link NeighborSuppressor}). On the way to and from a peer, TCP
 * SYNs get their MSS clamped to what the peer's link carries, and a frame too big for a link is answered or
 * fragmented instead of lost. Owned by the data-path thread. The first loop's forwarder owns the learning
 * switch; the forwarder of any further loop ({@code [site] queues}) decides through a {@link SwitchLane} of
 * it and writes nothing of the switch's.
 */
public final class Forwarder implements FrameSink {
    /** Replaced by a live reload of the switch limits (see {@link #replaceSwitch}); null in a lane's forwarder. */
    private LearningSwitch learningSwitch;
    /** Null in the owner's forwarder; replaced when a reload rebuilt the owner's switch. */
    private SwitchLane lane;
    private final EthernetFrame frame = new EthernetFrame();
    private final TapPort tap;
    private PeerLink[] peersByPort;
    private final MtuGuard oversize;
    /** Null when the TAP hands over plain frames (no vnet header). */
    private final SuperFrameCutter cutter;
    /** Null unless {@code [switch] arp-suppression = true}. */
    /** Null without arp-suppression; replaced when a reload changes its settings. */
    private NeighborSuppressor neighbors;
    /** Frames for a port this forwarder has no link to; see {@link #unreachable()}. */
    private long unreachable;
    /** The frame being forwarded is a TCP super-frame: each peer gets it cut to its own link. */
    private boolean cutting;

    public Forwarder(LearningSwitch learningSwitch, TapPort tap, PeerTable peers, MtuGuard oversize) {
        this(learningSwitch, tap, peers, oversize, null);
    }

    public Forwarder(LearningSwitch learningSwitch, TapPort tap, PeerTable peers, MtuGuard oversize,
                     SuperFrameCutter cutter) {
        this.learningSwitch = learningSwitch;
        this.lane = null;
        this.tap = tap;
        this.oversize = oversize;
        this.cutter = cutter;
        this.neighbors = learningSwitch.settings().arpSuppression()
                ? new NeighborSuppressor(learningSwitch.settings()) : null;
        usePeers(peers);
    }

    /**
     * The forwarder of a further loop: switching through {@code lane}, whose owner's loop learns and ages.
     * No ARP/ND suppression (the configuration refuses it with several loops).
     */
    public Forwarder(SwitchLane lane, TapPort tap, PeerTable peers, MtuGuard oversize, SuperFrameCutter cutter) {
        this.learningSwitch = null;
        this.lane = lane;
        this.tap = tap;
        this.oversize = oversize;
        this.cutter = cutter;
        this.neighbors = null;
        usePeers(peers);
    }

    /** Sends to the peers of {@code peers} from now on: after a live reload added or removed some. Loop thread. */
    public void usePeers(PeerTable peers) {
        PeerLink[] byPort = new PeerLink[peers.portCount()];
        for (PeerLink peer : peers.peers()) {
            byPort[peer.port()] = peer;
        }
        this.peersByPort = byPort;
    }

    /** Switches with {@code next} from now on (see {@link LearningSwitch#reconfigured}). Loop thread. */
    public void replaceSwitch(LearningSwitch next) {
        if (lane != null) {
            throw new IllegalStateException("a lane's forwarder has no switch of its own to replace");
        }
        SwitchSettings was = learningSwitch.settings();
        SwitchSettings now = next.settings();
        this.learningSwitch = next;
        if (was.arpSuppression() != now.arpSuppression() || was.neighborTableLimit() != now.neighborTableLimit()
                || was.neighborAgingSeconds() != now.neighborAgingSeconds()) {
            // Bindings are learned again within one ARP exchange; a new table is simpler than a resized one.
            this.neighbors = now.arpSuppression() ? new NeighborSuppressor(now) : null;
        }
    }

    /** Forgets the IP bindings learned behind {@code port}: its peer went away. Loop thread. */
    public void forgetNeighbors(int port) {
        if (neighbors != null) {
            neighbors.removePort(port);
        }
    }

    /** Null without TAP offloads. */
    public SuperFrameCutter cutter() {
        return cutter;
    }

    /** The switch this forwarder owns; null in a lane's forwarder. */
    public LearningSwitch learningSwitch() {
        return learningSwitch;
    }

    /** Frames dropped because this loop has no link to the port the switch chose (further loops only). */
    public long unreachable() {
        return unreachable;
    }

    /** Null in the owner's forwarder. */
    public SwitchLane lane() {
        return lane;
    }

    /** Switches through {@code next}, a lane of the owner's rebuilt switch, from now on. Lane's loop thread. */
    public void useLane(SwitchLane next) {
        if (lane == null) {
            throw new IllegalStateException("the owner's forwarder has no lane to replace");
        }
        this.lane = next;
    }

    /**
     * The owner applies what the other loops learned (once per turn: a new MAC is flooded until then).
     * Nothing to do in a lane's forwarder, nor in a site of one loop.
     */
    public void learnFromLanes(long nowNs) {
        if (learningSwitch != null && learningSwitch.laneCount() > 0) {
            learningSwitch.learnFromLanes(nowNs);
        }
    }

    /** Null unless ARP/ND suppression is on. */
    public NeighborSuppressor neighbors() {
        return neighbors;
    }

    /** Ages the switch's MACs and, with suppression on, the neighbour bindings. */
    public void tick(long nowNs) {
        if (learningSwitch == null) {
            return;
        }
        learningSwitch.tick(nowNs);
        if (neighbors != null) {
            neighbors.tick(nowNs);
        }
    }

    /**
     * A frame read from the TAP at {@code buf[offset, +length)}; with offloads, its vnet header lies just
     * before it.
     */
    public void fromTap(ByteBuffer buf, int offset, int length, long nowNs) {
        if (cutter == null) {
            forward(LearningSwitch.LOCAL_PORT, null, buf, offset, length, nowNs);
            return;
        }
        switch (cutter.classify(buf, offset, length)) {
            case SuperFrameCutter.PLAIN:
                forward(LearningSwitch.LOCAL_PORT, null, buf, offset, length, nowNs);
                break;
            case SuperFrameCutter.TCP_SUPER_FRAME:
                // One switching decision for the whole super-frame: its segments share its Ethernet header.
                cutting = true;
                try {
                    forward(LearningSwitch.LOCAL_PORT, null, buf, offset, length, nowNs);
                } finally {
                    cutting = false;
                }
                break;
            case SuperFrameCutter.UDP_SUPER_FRAME:
                int datagrams = cutter.datagramCount();
                for (int i = 0; i < datagrams; i++) {
                    int n = cutter.writeUdpDatagram(i);
                    if (n > 0) {
                        forward(LearningSwitch.LOCAL_PORT, null, cutter.segmentBuffer(), FrameSlot.FRAME_OFFSET, n, nowNs);
                    }
                }
                break;
            default:
                break;
        }
    }

    @Override
    public void frameFromPeer(PeerLink peer, ByteBuffer buf, int offset, int length, long nowNs) {
        forward(peer.port(), peer, buf, offset, length, nowNs);
    }

    private void forward(int ingressPort, PeerLink ingressPeer, ByteBuffer buf, int offset, int length, long nowNs) {
        frame.wrap(buf, offset, length);
        int egress = lane != null ? lane.forward(ingressPort, frame, nowNs)
                : learningSwitch.forward(ingressPort, frame, nowNs);
        if (egress == LearningSwitch.DROP) {
            return;
        }
        if (neighbors != null) {
            int verdict = neighbors.inspect(ingressPort, frame, nowNs);
            if (verdict == NeighborSuppressor.ANSWER) {
                tap.write(neighbors.reply(), neighbors.replyOffset(), neighbors.replyLength());
                return;
            }
            if (verdict == NeighborSuppressor.DROP) {
                return;
            }
        }
        if (egress >= 0) {
            sendTo(egress, ingressPeer, buf, offset, length, nowNs);
            return;
        }
        int[] ports = lane != null ? lane.floodPorts(ingressPort) : learningSwitch.floodPorts(ingressPort);
        for (int i = 0; i < ports.length; i++) {
            sendTo(ports[i], ingressPeer, buf, offset, length, nowNs);
        }
    }

    private void sendTo(int port, PeerLink ingressPeer, ByteBuffer buf, int offset, int length, long nowNs) {
        if (port == LearningSwitch.LOCAL_PORT) {
            if (ingressPeer != null) {
                // Both directions: a SYN or SYN-ACK from a peer is clamped too, so that the local host
                // never sends segments the link back to that peer cannot carry whole.
                oversize.clampMss(frame, ingressPeer.maxFrameLength());
            }
            tap.write(buf, offset, length);
            return;
        }
        PeerLink peer = port < peersByPort.length ? peersByPort[port] : null;
        if (peer == null) {
            // Only a further loop meets this: a peer it has no link with (TCP or auto, kept on the first loop).
            unreachable++;
            return;
        }
        if (cutting) {
            cutter.sendTcpSegments(peer, buf, offset, length, nowNs);
            return;
        }
        int limit = peer.maxFrameLength();
        // Sealing copies the frame out, so clamping again for the next flood port (maybe lower) is safe.
        oversize.clampMss(frame, limit);
        if (length > limit) {
            oversize.tooBig(peer, ingressPeer, buf, offset, length, limit, nowNs);
            return;
        }
        peer.sendFrame(buf, offset, length, nowNs);
    }
}
