package org.tapbridge.crypto;

/**
 * The transport keys of one completed handshake with one peer: a sealer, an opener, the send counter
 * and the replay window, named on the wire by our {@link #localIndex}. Owned by the link thread. The key
 * arrays it is built from are the caller's to wipe; the ciphers keep their own copies until {@link #destroy}.
 */
final class Keypair {
    final PeerSession peer;
    final int localIndex;
    final int remoteIndex;
    /** Whether we initiated the handshake: only that side rekeys on age, so both sides do not race. */
    final boolean initiator;
    final long createdNs;
    final TransportCipher sealer;
    final TransportCipher opener;
    final ReplayWindow replay;
    long sendCounter;

    Keypair(PeerSession peer, int localIndex, int remoteIndex, boolean initiator, long createdNs,
            byte[] sendKey, byte[] receiveKey, long rejectAfterMessages) {
        this.peer = peer;
        this.localIndex = localIndex;
        this.remoteIndex = remoteIndex;
        this.initiator = initiator;
        this.createdNs = createdNs;
        this.sealer = TransportCipher.sealer(sendKey);
        this.opener = TransportCipher.opener(receiveKey);
        this.replay = new ReplayWindow(rejectAfterMessages);
    }

    long ageNs(long nowNs) {
        return nowNs - createdNs;
    }

    /**
     * Releases both keys once the keypair leaves rotation: OpenSSL cleanses and frees its contexts now rather
     * than whenever the garbage collector finds them; the JCE's copies are dropped (see {@link Secrets}).
     */
    void destroy() {
        sealer.close();
        opener.close();
    }
}
