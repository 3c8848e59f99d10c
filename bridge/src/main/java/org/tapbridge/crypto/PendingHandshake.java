package org.tapbridge.crypto;

/** An initiation we sent and whose response we await, found by its sender index. Owned by the link thread. */
final class PendingHandshake {
    final PeerSession peer;
    final HandshakeState state;
    final int localIndex;
    final long sentNs;

    PendingHandshake(PeerSession peer, HandshakeState state, int localIndex, long sentNs) {
        this.peer = peer;
        this.state = state;
        this.localIndex = localIndex;
        this.sentNs = sentNs;
    }
}
