package org.tapbridge.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Noise CipherState for AESGCM (section 5.1 and 12.3): key k and counter n. Used by the handshake and by
 * the vector test's transport messages; the data path uses {@link TransportCipher}. Confined to its owner.
 */
final class CipherState {
    static final int TAG_LENGTH = 16;
    static final int NONCE_LENGTH = 12;
    /** Noise reserves n = 2^64-1; as a signed long that is -1. */
    private static final long RESERVED_NONCE = -1L;

    private byte[] key;
    private long nonce;

    boolean hasKey() {
        return key != null;
    }

    /** Takes a copy of {@code newKey}; the key it held before is wiped. */
    void initializeKey(byte[] newKey) {
        Secrets.wipe(key);
        key = newKey == null ? null : newKey.clone();
        nonce = 0;
    }

    /** Wipes the key; the state then has none (and passes data through, as Noise's empty key does). */
    void destroy() {
        Secrets.wipe(key);
        key = null;
    }

    /** The live key array, for the erasure test; null when none. */
    byte[] keyArray() {
        return key;
    }

    byte[] key() {
        return key == null ? null : key.clone();
    }

    CipherState copy() {
        CipherState c = new CipherState();
        c.key = key == null ? null : key.clone();
        c.nonce = nonce;
        return c;
    }

    byte[] encryptWithAd(byte[] ad, byte[] plaintext) throws CryptoException {
        if (key == null) {
            return plaintext.clone();
        }
        byte[] out = run(Cipher.ENCRYPT_MODE, ad, plaintext);
        nonce++;
        return out;
    }

    byte[] decryptWithAd(byte[] ad, byte[] ciphertext) throws CryptoException {
        if (key == null) {
            return ciphertext.clone();
        }
        if (ciphertext.length < TAG_LENGTH) {
            throw new CryptoException("ciphertext of " + ciphertext.length + " bytes is shorter than the tag");
        }
        byte[] out = run(Cipher.DECRYPT_MODE, ad, ciphertext);
        nonce++;
        return out;
    }

    private byte[] run(int mode, byte[] ad, byte[] input) throws CryptoException {
        if (nonce == RESERVED_NONCE) {
            throw new CryptoException("Noise nonce exhausted (2^64-1 is reserved)");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_LENGTH * 8, nonce(nonce)));
            cipher.updateAAD(ad);
            return cipher.doFinal(input);
        } catch (AEADBadTagException e) {
            throw new CryptoException("authentication failed", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's AES/GCM/NoPadding is unusable", e);
        }
    }

    /** Noise AESGCM nonce: 32 zero bits, then the counter big-endian. */
    static byte[] nonce(long n) {
        byte[] iv = new byte[NONCE_LENGTH];
        writeNonce(iv, n);
        return iv;
    }

    static void writeNonce(byte[] iv, long n) {
        for (int i = 0; i < 8; i++) {
            iv[4 + i] = (byte) (n >>> (56 - 8 * i));
        }
    }
}
