package org.tapbridge.crypto;

import java.nio.ByteBuffer;

/**
 * How the crypto layer sends the messages it starts itself (initiations, owed keepalives): implemented by
 * the link layer, which alone knows where each peer is and by which transport. Called on the thread that
 * owns {@link PeerCrypto}.
 */
public interface Outbox {
    /** Whether a message to this peer could leave now: false for a peer that must call us first. */
    boolean canReach(PeerSession peer);

    /** Sends {@code message} (position to limit, a complete crypto message); the buffer is valid only during the call. */
    void send(PeerSession peer, ByteBuffer message);
}
