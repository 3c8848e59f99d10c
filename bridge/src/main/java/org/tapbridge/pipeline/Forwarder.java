package org.tapbridge.pipeline;

import java.nio.ByteBuffer;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.link.FrameSink;
import org.tapbridge.link.PeerLink;
import org.tapbridge.link.PeerTable;
import org.tapbridge.switching.LearningSwitch;

/**
 * Carries one frame from where it came in to where the switch says it goes: the TAP, one peer, or every
 * flood port. On the way to and from a peer, TCP SYNs get their MSS clamped to what the peer's link
 * carries, and a frame too big for a link is answered or fragmented instead of lost. The only owner of
 * the learning switch. Owned by the data-path thread.
 */
public final class Forwarder implements FrameSink {
    private final LearningSwitch learningSwitch;
    private final EthernetFrame frame = new EthernetFrame();
    private final TapPort tap;
    private final PeerLink[] peersByPort;
    private final MtuGuard oversize;

    public Forwarder(LearningSwitch learningSwitch, TapPort tap, PeerTable peers, MtuGuard oversize) {
        this.learningSwitch = learningSwitch;
        this.tap = tap;
        this.oversize = oversize;
        this.peersByPort = new PeerLink[peers.portCount()];
        for (PeerLink peer : peers.peers()) {
            peersByPort[peer.port()] = peer;
        }
    }

    public LearningSwitch learningSwitch() {
        return learningSwitch;
    }

    /** A frame read from the TAP at {@code buf[offset, +length)}. */
    public void fromTap(ByteBuffer buf, int offset, int length, long nowNs) {
        forward(LearningSwitch.LOCAL_PORT, null, buf, offset, length, nowNs);
    }

    @Override
    public void frameFromPeer(PeerLink peer, ByteBuffer buf, int offset, int length, long nowNs) {
        forward(peer.port(), peer, buf, offset, length, nowNs);
    }

    private void forward(int ingressPort, PeerLink ingressPeer, ByteBuffer buf, int offset, int length, long nowNs) {
        frame.wrap(buf, offset, length);
        int egress = learningSwitch.forward(ingressPort, frame, nowNs);
        if (egress == LearningSwitch.DROP) {
            return;
        }
        if (egress >= 0) {
            sendTo(egress, ingressPeer, buf, offset, length, nowNs);
            return;
        }
        int[] ports = learningSwitch.floodPorts(ingressPort);
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
