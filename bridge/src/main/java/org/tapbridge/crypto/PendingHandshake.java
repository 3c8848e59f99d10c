package org.tapbridge.crypto;

/** An initiation we sent and whose response we await, found by its sender index. Owned by the link thread. */
final class PendingHandshake {
    final PeerSession peer;
    final HandshakeState state;
    final int localIndex;
    final long sentNs;
    /** The initiation's mac1: a cookie reply names the initiation by it, and binds the cookie to it. */
    final byte[] mac1;
    /** Responses that named this handshake and were tried: each costs X25519 work, so only a few may. */
    int responsesTried;

    PendingHandshake(PeerSession peer, HandshakeState state, int localIndex, long sentNs, byte[] mac1) {
        this.peer = peer;
        this.state = state;
        this.localIndex = localIndex;
        this.sentNs = sentNs;
        this.mac1 = mac1;
    }
}
