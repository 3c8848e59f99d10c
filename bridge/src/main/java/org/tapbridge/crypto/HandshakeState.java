package org.tapbridge.crypto;

import java.util.Arrays;
import java.util.function.Predicate;

/**
 * Noise HandshakeState for the two patterns tapbridge speaks, written out message by message rather than
 * interpreted from tokens:
 *
 * <pre>
 * IK:                        IKpsk2:
 *   &lt;- s                       &lt;- s
 *   ...                        ...
 *   -&gt; e, es, s, ss             -&gt; e, es, s, ss
 *   &lt;- e, ee, se                &lt;- e, ee, se, psk
 * </pre>
 *
 * The responder learns the initiator's static key from message 1, so it can choose the peer (and its
 * pre-shared key) before it writes message 2. One handshake, one owner thread.
 */
final class HandshakeState {
    /** The suites, with the cipher and hash fixed to AESGCM and SHA256. */
    enum Pattern {
        IK("Noise_IK_25519_AESGCM_SHA256", false),
        IK_PSK2("Noise_IKpsk2_25519_AESGCM_SHA256", true);

        final String protocolName;
        final boolean psk;

        Pattern(String protocolName, boolean psk) {
            this.protocolName = protocolName;
            this.psk = psk;
        }
    }

    static final int KEY = X25519.KEY_LENGTH;
    static final int TAG = CipherState.TAG_LENGTH;
    static final int PSK_LENGTH = 32;

    private enum Step { WRITE_1, READ_1, WRITE_2, READ_2, DONE, DESTROYED }

    private final Pattern pattern;
    private final boolean initiator;
    private final byte[] localStaticPrivate;
    private final byte[] localStaticPublic;
    private final KeyPairSource ephemerals;
    private SymmetricState symmetric;
    private byte[] remoteStatic;
    private byte[] localEphemeralPrivate;
    private byte[] remoteEphemeral;
    private byte[] psk;
    private Step step;

    private HandshakeState(Pattern pattern, boolean initiator, byte[] prologue, LocalStatic local,
            byte[] remoteStatic, byte[] psk, KeyPairSource ephemerals) {
        this.pattern = pattern;
        this.initiator = initiator;
        this.localStaticPrivate = local.privateKey();
        this.localStaticPublic = local.publicKey();
        this.ephemerals = ephemerals;
        this.remoteStatic = remoteStatic == null ? null : remoteStatic.clone();
        this.psk = psk == null ? null : psk.clone();
        this.symmetric = SymmetricState.initialize(pattern.protocolName);
        symmetric.mixHash(prologue);
        // The pre-message "<- s": both sides hash the responder's static key.
        symmetric.mixHash(initiator ? this.remoteStatic : localStaticPublic);
        this.step = initiator ? Step.WRITE_1 : Step.READ_1;
    }

    /** A site's static key pair, its public half computed once rather than per handshake. */
    record LocalStatic(byte[] privateKey, byte[] publicKey) {
        static LocalStatic of(byte[] privateKey) {
            return new LocalStatic(privateKey.clone(), X25519.publicKey(privateKey));
        }
    }

    /** Thrown by {@link #readMessage1} when the initiator's static key is not one we accept. */
    static final class UnknownStaticKeyException extends CryptoException {
        UnknownStaticKeyException() {
            super("handshake from an unknown static key");
        }
    }

    static HandshakeState initiator(Pattern pattern, byte[] prologue, LocalStatic local,
            byte[] responderStatic, byte[] psk, KeyPairSource ephemerals) {
        checkPsk(pattern, psk);
        return new HandshakeState(pattern, true, prologue, local, responderStatic, psk, ephemerals);
    }

    static HandshakeState responder(Pattern pattern, byte[] prologue, LocalStatic local, KeyPairSource ephemerals) {
        return new HandshakeState(pattern, false, prologue, local, null, null, ephemerals);
    }

    static int message1Length(int payloadLength) {
        return KEY + KEY + TAG + payloadLength + TAG;
    }

    static int message2Length(int payloadLength) {
        return KEY + payloadLength + TAG;
    }

    /** Initiator: -&gt; e, es, s, ss, then the payload. */
    byte[] writeMessage1(byte[] payload) throws CryptoException {
        expect(Step.WRITE_1);
        byte[] out = new byte[message1Length(payload.length)];
        localEphemeralPrivate = ephemerals.nextPrivateKey();
        byte[] ephemeralPublic = X25519.publicKey(localEphemeralPrivate);
        System.arraycopy(ephemeralPublic, 0, out, 0, KEY);
        mixEphemeral(ephemeralPublic);
        mixDh(symmetric, localEphemeralPrivate, remoteStatic);
        byte[] encryptedStatic = symmetric.encryptAndHash(localStaticPublic);
        System.arraycopy(encryptedStatic, 0, out, KEY, encryptedStatic.length);
        mixDh(symmetric, localStaticPrivate, remoteStatic);
        byte[] encryptedPayload = symmetric.encryptAndHash(payload);
        System.arraycopy(encryptedPayload, 0, out, KEY + encryptedStatic.length, encryptedPayload.length);
        step = Step.READ_2;
        return out;
    }

    /** Responder: reads message 1 and returns its payload; {@link #remoteStatic()} is then known. */
    byte[] readMessage1(byte[] message) throws CryptoException {
        return readMessage1(message, key -> true);
    }

    /**
     * As {@link #readMessage1(byte[])}, but stops right after decrypting the initiator's static key if
     * {@code acceptStatic} refuses it: an unknown key then costs one X25519 operation, not two.
     */
    byte[] readMessage1(byte[] message, Predicate<byte[]> acceptStatic) throws CryptoException {
        expect(Step.READ_1);
        if (message.length < message1Length(0)) {
            throw new CryptoException("handshake message 1 of " + message.length + " bytes is shorter than "
                    + message1Length(0));
        }
        remoteEphemeral = Arrays.copyOfRange(message, 0, KEY);
        mixEphemeral(remoteEphemeral);
        mixDh(symmetric, localStaticPrivate, remoteEphemeral);
        remoteStatic = symmetric.decryptAndHash(Arrays.copyOfRange(message, KEY, KEY + KEY + TAG));
        if (!acceptStatic.test(remoteStatic)) {
            throw new UnknownStaticKeyException();
        }
        mixDh(symmetric, localStaticPrivate, remoteStatic);
        byte[] payload = symmetric.decryptAndHash(Arrays.copyOfRange(message, KEY + KEY + TAG, message.length));
        step = Step.WRITE_2;
        return payload;
    }

    /** Responder: &lt;- e, ee, se[, psk], then the payload; {@code psk} is ignored by plain IK. */
    byte[] writeMessage2(byte[] payload, byte[] responderPsk) throws CryptoException {
        expect(Step.WRITE_2);
        checkPsk(pattern, responderPsk);
        byte[] out = new byte[message2Length(payload.length)];
        localEphemeralPrivate = ephemerals.nextPrivateKey();
        byte[] ephemeralPublic = X25519.publicKey(localEphemeralPrivate);
        System.arraycopy(ephemeralPublic, 0, out, 0, KEY);
        mixEphemeral(ephemeralPublic);
        mixDh(symmetric, localEphemeralPrivate, remoteEphemeral);
        mixDh(symmetric, localEphemeralPrivate, remoteStatic);
        // The ephemeral's last use: gone before anything can go wrong below.
        Secrets.wipe(localEphemeralPrivate);
        localEphemeralPrivate = null;
        if (pattern.psk) {
            psk = responderPsk.clone();
            symmetric.mixKeyAndHash(psk);
            Secrets.wipe(psk);
            psk = null;
        }
        byte[] encryptedPayload = symmetric.encryptAndHash(payload);
        System.arraycopy(encryptedPayload, 0, out, KEY, encryptedPayload.length);
        step = Step.DONE;
        return out;
    }

    /**
     * Initiator: reads message 2 and returns its payload. On failure the state is unchanged, so a forged
     * or corrupted response cannot break a handshake that a genuine response may still complete.
     */
    byte[] readMessage2(byte[] message) throws CryptoException {
        expect(Step.READ_2);
        if (message.length < message2Length(0)) {
            throw new CryptoException("handshake message 2 of " + message.length + " bytes is shorter than "
                    + message2Length(0));
        }
        SymmetricState trial = symmetric.copy();
        byte[] payload;
        byte[] ephemeral = Arrays.copyOfRange(message, 0, KEY);
        try {
            trial.mixHash(ephemeral);
            if (pattern.psk) {
                trial.mixKey(ephemeral);
            }
            mixDh(trial, localEphemeralPrivate, ephemeral);
            mixDh(trial, localStaticPrivate, ephemeral);
            if (pattern.psk) {
                trial.mixKeyAndHash(psk);
            }
            payload = trial.decryptAndHash(Arrays.copyOfRange(message, KEY, message.length));
        } catch (CryptoException | RuntimeException e) {
            trial.destroy();
            throw e;
        }
        symmetric.destroy();
        symmetric = trial;
        remoteEphemeral = ephemeral;
        Secrets.wipe(localEphemeralPrivate, psk);
        localEphemeralPrivate = null;
        psk = null;
        step = Step.DONE;
        return payload;
    }

    boolean isInitiator() {
        return initiator;
    }

    byte[] remoteStatic() {
        return remoteStatic == null ? null : remoteStatic.clone();
    }

    byte[] handshakeHash() {
        return symmetric.handshakeHash();
    }

    /** Transport CipherStates, initiator-to-responder first; only after the last message. */
    CipherState[] split() {
        expect(Step.DONE);
        return symmetric.split();
    }

    /**
     * Wipes what this handshake holds secret: the ephemeral private key, the pre-shared key's copy, the
     * chaining key and the cipher key. Call after {@link #split} or when the handshake is abandoned; the
     * state is unusable after. The site's static key is shared by every handshake and is not touched.
     */
    void destroy() {
        Secrets.wipe(localEphemeralPrivate, psk);
        symmetric.destroy();
        step = Step.DESTROYED;
    }

    /** The live secret arrays at this moment, for the erasure test. */
    java.util.List<byte[]> secrets() {
        java.util.List<byte[]> live = new java.util.ArrayList<>();
        if (localEphemeralPrivate != null) {
            live.add(localEphemeralPrivate);
        }
        if (psk != null) {
            live.add(psk);
        }
        symmetric.collectSecrets(live);
        return live;
    }

    /** DH into the chaining key; the shared secret is wiped at once. */
    private static void mixDh(SymmetricState into, byte[] privateKey, byte[] publicKey) throws CryptoException {
        byte[] shared = X25519.dh(privateKey, publicKey);
        try {
            into.mixKey(shared);
        } finally {
            Secrets.wipe(shared);
        }
    }

    /** Noise section 9.2: in PSK handshakes an ephemeral key is also mixed into the key. */
    private void mixEphemeral(byte[] ephemeralPublic) {
        symmetric.mixHash(ephemeralPublic);
        if (pattern.psk) {
            symmetric.mixKey(ephemeralPublic);
        }
    }

    private void expect(Step wanted) {
        if (step != wanted) {
            throw new IllegalStateException("handshake is at step " + step + ", not " + wanted);
        }
    }

    private static void checkPsk(Pattern pattern, byte[] psk) {
        if (pattern.psk && (psk == null || psk.length != PSK_LENGTH)) {
            throw new IllegalArgumentException(pattern.protocolName + " needs a " + PSK_LENGTH + "-byte psk");
        }
    }
}
