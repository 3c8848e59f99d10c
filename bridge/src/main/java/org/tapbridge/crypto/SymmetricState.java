package org.tapbridge.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Noise SymmetricState (section 5.2) with SHA-256: chaining key, handshake hash and a CipherState. Confined. */
final class SymmetricState {
    private final CipherState cipher;
    private byte[] chainingKey;
    private byte[] hash;

    private SymmetricState(CipherState cipher, byte[] chainingKey, byte[] hash) {
        this.cipher = cipher;
        this.chainingKey = chainingKey;
        this.hash = hash;
    }

    static SymmetricState initialize(String protocolName) {
        byte[] name = protocolName.getBytes(StandardCharsets.US_ASCII);
        byte[] h = new byte[Hkdf.HASH_LENGTH];
        if (name.length <= Hkdf.HASH_LENGTH) {
            System.arraycopy(name, 0, h, 0, name.length);
        } else {
            h = sha256(name);
        }
        return new SymmetricState(new CipherState(), h.clone(), h);
    }

    SymmetricState copy() {
        return new SymmetricState(cipher.copy(), chainingKey.clone(), hash.clone());
    }

    void mixKey(byte[] inputKeyMaterial) {
        byte[][] out = Hkdf.derive(chainingKey, inputKeyMaterial, 2);
        Secrets.wipe(chainingKey);
        chainingKey = out[0];
        cipher.initializeKey(out[1]);
        Secrets.wipe(out[1]);
    }

    void mixHash(byte[] data) {
        byte[] joined = new byte[hash.length + data.length];
        System.arraycopy(hash, 0, joined, 0, hash.length);
        System.arraycopy(data, 0, joined, hash.length, data.length);
        hash = sha256(joined);
    }

    void mixKeyAndHash(byte[] inputKeyMaterial) {
        byte[][] out = Hkdf.derive(chainingKey, inputKeyMaterial, 3);
        Secrets.wipe(chainingKey);
        chainingKey = out[0];
        mixHash(out[1]);
        cipher.initializeKey(out[2]);
        Secrets.wipe(out[1], out[2]);
    }

    byte[] encryptAndHash(byte[] plaintext) throws CryptoException {
        byte[] ciphertext = cipher.encryptWithAd(hash, plaintext);
        mixHash(ciphertext);
        return ciphertext;
    }

    byte[] decryptAndHash(byte[] ciphertext) throws CryptoException {
        byte[] plaintext = cipher.decryptWithAd(hash, ciphertext);
        mixHash(ciphertext);
        return plaintext;
    }

    /** Extra bytes that {@link #encryptAndHash} adds: a tag once a key is set. */
    int overhead() {
        return cipher.hasKey() ? CipherState.TAG_LENGTH : 0;
    }

    /** The two transport CipherStates: initiator-to-responder first. */
    CipherState[] split() {
        byte[][] out = Hkdf.derive(chainingKey, new byte[0], 2);
        CipherState c1 = new CipherState();
        c1.initializeKey(out[0]);
        CipherState c2 = new CipherState();
        c2.initializeKey(out[1]);
        Secrets.wipe(out[0], out[1]);
        return new CipherState[] {c1, c2};
    }

    /** Wipes the chaining key, the hash and the cipher key: after the split, or when the handshake is abandoned. */
    void destroy() {
        Secrets.wipe(chainingKey, hash);
        cipher.destroy();
    }

    /** The live secret arrays (chaining key, cipher key), for the erasure test. */
    void collectSecrets(java.util.List<byte[]> into) {
        into.add(chainingKey);
        if (cipher.keyArray() != null) {
            into.add(cipher.keyArray());
        }
    }

    byte[] handshakeHash() {
        return hash.clone();
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK's SHA-256 is unusable", e);
        }
    }
}
