package org.tapbridge.link;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.Inbound;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.crypto.WireFormat;
import org.tapbridge.pipeline.FrameEvent;
import org.tapbridge.pipeline.FrameRing;
import org.tapbridge.pipeline.NanoClock;

/**
 * What the link receive threads share: checking a message's prefix, authenticating it, handing the
 * frames it carries to the ring, and noticing peers come alive. Safe for several receive threads.
 */
final class LinkIngress {
    private final FrameRing ring;
    private final PeerTable peers;
    private final LinkCounters counters;
    private final PeerListener listener;
    private final NanoClock clock;
    private final SecureChannel secure;

    LinkIngress(FrameRing ring, PeerTable peers, LinkCounters counters, PeerListener listener, NanoClock clock,
                SecureChannel secure) {
        this.ring = ring;
        this.peers = peers;
        this.counters = counters;
        this.listener = listener;
        this.clock = clock;
        this.secure = secure;
    }

    PeerTable peers() {
        return peers;
    }

    LinkCounters counters() {
        return counters;
    }

    SecureChannel secure() {
        return secure;
    }

    long nowNs() {
        return clock.nanoTime();
    }

    /**
     * Takes one message from the network. Returns the peer it authenticated as, or null when it was
     * dropped (and counted). {@code via} is the TCP connection it came on, null for UDP; {@code result}
     * belongs to the calling thread.
     */
    Peer accept(ByteBuffer buffer, int offset, int length, InetSocketAddress source, TcpConnection via,
                Inbound result) {
        if (!wellFormed(buffer, offset, length)) {
            return null;
        }
        long nowNs = clock.nanoTime();
        PeerCrypto.Received received = secure.receive(buffer, offset, length, source, nowNs, result, via);
        if (received == PeerCrypto.Received.DROPPED) {
            if (result.claimedPeer() != null) {
                secure.peerOf(result.claimedPeer()).counters().cryptoDropped(result.dropReason());
            }
            return null;
        }
        Peer peer = secure.peerOf(result.peer());
        Transport arrivedBy = via == null ? Transport.UDP : Transport.TCP;
        if (peer.transport() != arrivedBy) {
            peer.counters().dropped(LinkDrop.WRONG_TRANSPORT);
            return null;
        }
        if (via == null) {
            peers.moved(peer, source);
        }
        heard(peer);
        if (received == PeerCrypto.Received.FRAME) {
            frame(peer, buffer, result.plaintextOffset(), result.plaintextLength());
        }
        return peer;
    }

    /** Counts messages that are not ours at all before any crypto work is spent on them. */
    private boolean wellFormed(ByteBuffer buffer, int offset, int length) {
        if (length < WireFormat.PREFIX_LENGTH) {
            counters.dropped(LinkDrop.TRUNCATED);
            return false;
        }
        if (buffer.get(offset + WireFormat.VERSION_OFFSET) != WireFormat.VERSION
                || buffer.getShort(offset + WireFormat.RESERVED_OFFSET) != 0) {
            counters.dropped(LinkDrop.BAD_VERSION);
            return false;
        }
        byte type = buffer.get(offset + WireFormat.TYPE_OFFSET);
        if (type != WireFormat.TYPE_DATA && type != WireFormat.TYPE_HANDSHAKE_INIT
                && type != WireFormat.TYPE_HANDSHAKE_RESP) {
            counters.dropped(LinkDrop.BAD_TYPE);
            return false;
        }
        return true;
    }

    /** Copies an authenticated frame into a ring slot for the switch. */
    private void frame(Peer peer, ByteBuffer buffer, int offset, int frameLength) {
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
        slot.buffer().put(0, buffer, offset, frameLength);
        slot.setFrame(peer.port(), frameLength);
        ring.publish(seq);
        peer.counters().received(frameLength);
    }

    void heard(Peer peer) {
        if (peer.heard(clock.nanoTime())) {
            listener.peerUp(peer);
        }
    }

    /** Takes the peer down unless a message arrived after {@code silentSinceNs}, the last one seen. */
    void lost(Peer peer, long silentSinceNs) {
        if (peer.down(silentSinceNs)) {
            listener.peerDown(peer);
        }
    }

    /** Takes the peer down now: its only connection is gone. */
    void lost(Peer peer) {
        lost(peer, peer.lastRxNs());
    }
}
