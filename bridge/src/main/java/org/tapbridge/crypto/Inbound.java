package org.tapbridge.crypto;

/**
 * Result of {@link PeerCrypto#receive}, reused across calls so the data path allocates nothing: which
 * peer a message authenticated as, and where the plaintext lies. Owned by the link thread.
 */
public final class Inbound {
    PeerSession peer;
    int plaintextOffset;
    int plaintextLength;
    DropReason dropReason;

    void reset() {
        this.peer = null;
        this.plaintextOffset = 0;
        this.plaintextLength = 0;
        this.dropReason = null;
    }

    /** The peer the message authenticated as; null when dropped before authentication. */
    public PeerSession peer() {
        return peer;
    }

    public int plaintextOffset() {
        return plaintextOffset;
    }

    public int plaintextLength() {
        return plaintextLength;
    }

    /** Why the message was dropped, or null. */
    public DropReason dropReason() {
        return dropReason;
    }
}
