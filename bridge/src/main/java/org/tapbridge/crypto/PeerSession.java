package org.tapbridge.crypto;

/**
 * Crypto state of one configured peer, named by its static public key: the keypairs in rotation, the
 * handshake in flight and the timer marks. Where the peer is belongs to its link. Owned by the data-path
 * thread.
 *
 * <p>Keypairs rotate as in WireGuard: {@code next} is a responder's keypair not yet confirmed by the
 * initiator's first DATA message; {@code current} seals; {@code previous} still opens frames that were
 * in flight when {@code current} took over, until the next rotation.
 */
public final class PeerSession {
    private final int id;
    private final String name;
    private final byte[] publicKey;
    final byte[] presharedKey;
    /** mac1 of our messages to this peer, and the key of the cookies it sends us (see {@link HandshakeMacs}). */
    final byte[] mac1Key;
    final byte[] cookieKey;
    /** The last cookie this peer gave us, or null; mac2 of our initiations while it is fresh. */
    byte[] cookie;
    long cookieReceivedNs;

    Keypair current;
    Keypair previous;
    Keypair next;
    PendingHandshake pending;
    /** A sealed message reached a rekey limit: the next tick starts the handshake. */
    boolean rekeyDue;
    /** When the current series of initiation attempts began; retries stop after the rekey-attempt time. */
    long attemptsStartedNs;
    /** Greatest TAI64N seen in an initiation from this peer, all zero before any. */
    byte[] greatestTimestamp = new byte[Tai64n.LENGTH];
    long lastSentNs;
    /** Set when DATA with a frame arrives and we have not answered since: a keepalive will be due. */
    boolean keepaliveOwed;
    long keepaliveOwedSinceNs;
    /** Set when we send a frame and nothing authentic has come back since: the peer may have lost its keys. */
    boolean replyAwaited;
    long replyAwaitedSinceNs;

    PeerSession(int id, String name, byte[] publicKey, byte[] presharedKey) {
        this.id = id;
        this.name = name;
        this.publicKey = publicKey.clone();
        this.presharedKey = presharedKey.clone();
        this.mac1Key = HandshakeMacs.mac1Key(publicKey);
        this.cookieKey = HandshakeMacs.cookieKey(publicKey);
    }

    /** The cookie to put in mac2 now, or null when there is none or it is too old to be good. */
    byte[] freshCookie(long nowNs) {
        return cookie != null && nowNs - cookieReceivedNs < HandshakeMacs.COOKIE_LIFETIME_NS ? cookie : null;
    }

    /** Whether {@code psk} (32 bytes, or null for none) is the pre-shared key in use; constant time. */
    public boolean hasPresharedKey(byte[] psk) {
        byte[] expected = psk == null ? new byte[presharedKey.length] : psk;
        return java.security.MessageDigest.isEqual(presharedKey, expected);
    }

    /** Dense id (0, 1, ...), the lowest free when the peer was added: for the link layer's own per-peer arrays. */
    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** When the keys now in use were agreed ({@code nanoTime} clock), or {@link Long#MIN_VALUE} before any. */
    public long currentKeysCreatedNs() {
        Keypair keypair = current;
        return keypair == null ? Long.MIN_VALUE : keypair.createdNs;
    }

    /** Whether this side sent the initiation of the handshake whose keys are now in use. */
    public boolean currentKeysInitiatedHere() {
        Keypair keypair = current;
        return keypair != null && keypair.initiator;
    }

    /** Whether frames can be sealed to this peer now. */
    public boolean hasSession() {
        return current != null;
    }

    boolean handshakeInFlight() {
        return pending != null;
    }

    /** Initiator side: the response arrived, the new keys seal at once (the responder already holds them). */
    void installAsInitiator(Keypair keypair, IndexTable<Object> indices) {
        drop(previous, indices);
        if (next != null) {
            // Crossed handshakes: the peer initiated {@code next} and seals with it already, so it must
            // keep opening; our old current is the one nobody uses any more.
            drop(current, indices);
            previous = next;
            next = null;
        } else {
            previous = current;
        }
        current = keypair;
    }

    /** Responder side: the new keys wait for the initiator's first DATA message before they seal. */
    void installAsResponder(Keypair keypair, IndexTable<Object> indices) {
        drop(next, indices);
        next = keypair;
    }

    /** A DATA message opened under {@code next}: the initiator has the keys, so they take over. */
    void confirmNext(IndexTable<Object> indices) {
        drop(previous, indices);
        previous = current;
        current = next;
        next = null;
    }

    /** Forgets keypairs too old to use; they are then unknown indices. */
    void expire(long nowNs, long forgetAfterNs, IndexTable<Object> indices) {
        if (previous != null && previous.ageNs(nowNs) >= forgetAfterNs) {
            drop(previous, indices);
            previous = null;
        }
        if (current != null && current.ageNs(nowNs) >= forgetAfterNs) {
            drop(current, indices);
            current = null;
        }
        if (next != null && next.ageNs(nowNs) >= forgetAfterNs) {
            drop(next, indices);
            next = null;
        }
    }

    void clearPending(IndexTable<Object> indices) {
        if (pending != null) {
            indices.remove(pending.localIndex, pending);
            pending.state.destroy();
            pending = null;
        }
    }

    /** Every key of this peer leaves: on daemon stop. The session cannot be used after. */
    void destroy(IndexTable<Object> indices) {
        drop(previous, indices);
        drop(current, indices);
        drop(next, indices);
        previous = null;
        current = null;
        next = null;
        clearPending(indices);
        Secrets.wipe(presharedKey);
    }

    /** A keypair leaves rotation: nothing can name it any more, so its keys go at once. */
    private static void drop(Keypair keypair, IndexTable<Object> indices) {
        if (keypair != null) {
            indices.remove(keypair.localIndex, keypair);
            keypair.destroy();
        }
    }

    @Override
    public String toString() {
        return "peer " + name;
    }
}
