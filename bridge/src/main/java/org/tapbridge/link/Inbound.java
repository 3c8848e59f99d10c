package org.tapbridge.link;

import java.nio.ByteBuffer;
import org.tapbridge.pipeline.FrameEvent;
import org.tapbridge.pipeline.FrameRing;
import org.tapbridge.pipeline.NanoClock;

/**
 * What the link receive threads share: checking a message's header, handing frames to the ring, and
 * noticing peers come alive. Safe for several receive threads at once.
 */
final class Inbound {
    /** Result of {@link #classify}: a negative value is a drop reason, negated and minus one. */
    static final int NOT_A_MESSAGE = -1;

    private final FrameRing ring;
    private final PeerTable peers;
    private final LinkCounters counters;
    private final PeerListener listener;
    private final NanoClock clock;

    Inbound(FrameRing ring, PeerTable peers, LinkCounters counters, PeerListener listener, NanoClock clock) {
        this.ring = ring;
        this.peers = peers;
        this.counters = counters;
        this.listener = listener;
        this.clock = clock;
    }

    PeerTable peers() {
        return peers;
    }

    LinkCounters counters() {
        return counters;
    }

    long nowNs() {
        return clock.nanoTime();
    }

    /** Returns the message type, or -1 after counting the message as dropped. */
    int classify(ByteBuffer buffer, int offset, int length) {
        if (length < WireHeader.LENGTH) {
            counters.dropped(LinkDrop.TRUNCATED);
            return NOT_A_MESSAGE;
        }
        if (WireHeader.version(buffer, offset) != WireHeader.CURRENT_VERSION
                || WireHeader.reserved(buffer, offset) != 0) {
            counters.dropped(LinkDrop.BAD_VERSION);
            return NOT_A_MESSAGE;
        }
        int type = WireHeader.type(buffer, offset);
        if (type != WireHeader.TYPE_HELLO && type != WireHeader.TYPE_FRAME && type != WireHeader.TYPE_KEEPALIVE) {
            counters.dropped(LinkDrop.BAD_TYPE);
            return NOT_A_MESSAGE;
        }
        return type;
    }

    /** Copies the frame carried by a FRAME message into a ring slot for the switch. */
    void frame(Peer peer, ByteBuffer buffer, int offset, int length) {
        int frameLength = length - WireHeader.LENGTH;
        if (frameLength <= 0) {
            peer.counters().dropped(LinkDrop.MALFORMED);
            return;
        }
        if (frameLength > ring.slotCapacity() - 1) {
            peer.counters().dropped(LinkDrop.OVERSIZED);
            return;
        }
        long seq = ring.tryClaim();
        if (seq < 0) {
            peer.counters().dropped(LinkDrop.RING_FULL);
            return;
        }
        FrameEvent slot = ring.slot(seq);
        slot.buffer().put(0, buffer, offset + WireHeader.LENGTH, frameLength);
        slot.setFrame(peer.port(), frameLength);
        ring.publish(seq);
        peer.counters().received(frameLength);
        heard(peer);
    }

    void heard(Peer peer) {
        if (peer.heard(clock.nanoTime())) {
            listener.peerUp(peer);
        }
    }

    void lost(Peer peer) {
        if (peer.isUp()) {
            peer.down();
            listener.peerDown(peer);
        }
    }
}
