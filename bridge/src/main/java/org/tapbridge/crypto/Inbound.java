package org.tapbridge.crypto;

import org.tapbridge.drops.DropReason;
import java.nio.ByteBuffer;

/**
 * Result of {@link PeerCrypto#receive}, reused across calls so the data path allocates nothing: which
 * peer a message authenticated as, and where the plaintext lies. Owned by the link thread.
 */
public final class Inbound {
    PeerSession peer;
    PeerSession claimedPeer;
    int plaintextOffset;
    int plaintextLength;
    int dropReason;
    ByteBuffer reply;

    void reset() {
        this.peer = null;
        this.claimedPeer = null;
        this.plaintextOffset = 0;
        this.plaintextLength = 0;
        this.dropReason = DropReason.NONE;
        this.reply = null;
    }

    /**
     * For a handshake message: the answer to send back the way it came (a response to an initiation, the
     * confirming keepalive after a response, or, with the initiation dropped, a cookie reply to its
     * source), position to limit; null when none. Valid until the next call.
     */
    public ByteBuffer reply() {
        return reply;
    }

    /** The peer the message authenticated as; null when dropped before authentication. */
    public PeerSession peer() {
        return peer;
    }

    /**
     * The peer whose session a DATA message named by its receiver index, even when it then failed
     * (replay, authentication, expired keys): lets drops be charged per peer. Not proof of origin.
     */
    public PeerSession claimedPeer() {
        return claimedPeer;
    }

    public int plaintextOffset() {
        return plaintextOffset;
    }

    public int plaintextLength() {
        return plaintextLength;
    }

    /** Why the message was dropped ({@link DropReason}), or {@link DropReason#NONE}. */
    public int dropReason() {
        return dropReason;
    }
}
