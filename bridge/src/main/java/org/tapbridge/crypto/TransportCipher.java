package org.tapbridge.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One direction of the data path: a JDK {@code AES/GCM/NoPadding} instance created once per key and
 * re-initialised per packet with the explicit 64-bit counter as nonce. Seals and opens in place.
 * Owned by the link thread.
 *
 * <p>Our code allocates one {@link GCMParameterSpec} per packet: the JCE has no other way to pass a new
 * nonce (the spec copies the array, so it cannot be reused). Everything else the JCE allocates is its own.
 */
public final class TransportCipher {
    public static final int TAG_LENGTH = 16;
    /** Returned by the open methods when the tag does not verify. */
    public static final int AUTH_FAILED = -1;

    private final Cipher cipher;
    private final SecretKeySpec key;
    private final int mode;
    /** Noise's AESGCM nonce layout: 4 zero bytes, then the counter big-endian. Reused; the spec copies it. */
    private final byte[] nonce = new byte[CipherState.NONCE_LENGTH];

    private TransportCipher(byte[] key, int mode) {
        if (key.length != 32) {
            throw new IllegalArgumentException("AES-256-GCM key has " + key.length + " bytes, expected 32");
        }
        this.key = new SecretKeySpec(key, "AES");
        this.mode = mode;
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's AES/GCM/NoPadding is unusable", e);
        }
    }

    public static TransportCipher sealer(byte[] key) {
        return new TransportCipher(key, Cipher.ENCRYPT_MODE);
    }

    public static TransportCipher opener(byte[] key) {
        return new TransportCipher(key, Cipher.DECRYPT_MODE);
    }

    /**
     * Encrypts {@code buf[payloadOffset, +payloadLength)} in place and appends the tag; the associated
     * data is {@code buf[adOffset, +adLength)}. Returns the ciphertext length, payload plus tag.
     */
    public int seal(long counter, byte[] buf, int adOffset, int adLength, int payloadOffset, int payloadLength) {
        return seal(counter, buf, adOffset, adLength, payloadOffset, payloadLength, buf, payloadOffset);
    }

    /** As the in-place seal, writing the ciphertext and tag to {@code out[outOffset...]} instead. */
    public int seal(long counter, byte[] buf, int adOffset, int adLength, int payloadOffset, int payloadLength,
            byte[] out, int outOffset) {
        requireMode(Cipher.ENCRYPT_MODE);
        init(counter);
        try {
            cipher.updateAAD(buf, adOffset, adLength);
            return cipher.doFinal(buf, payloadOffset, payloadLength, out, outOffset);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM seal failed on a well-formed request", e);
        }
    }

    /**
     * Out of place with the associated data in its own array: {@code ad[adOffset, +adLength)}, the payload
     * {@code in[inOffset, +inLength)}, the ciphertext and tag to {@code out[outOffset...]}. In place when
     * {@code in} and {@code out} are the same region.
     */
    public int seal(long counter, byte[] ad, int adOffset, int adLength, byte[] in, int inOffset, int inLength,
            byte[] out, int outOffset) {
        requireMode(Cipher.ENCRYPT_MODE);
        init(counter);
        try {
            cipher.updateAAD(ad, adOffset, adLength);
            return cipher.doFinal(in, inOffset, inLength, out, outOffset);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM seal failed on a well-formed request", e);
        }
    }

    /**
     * Decrypts and verifies {@code buf[ciphertextOffset, +ciphertextLength)} in place. Returns the plaintext
     * length, or {@link #AUTH_FAILED}: the JCE signals that with an exception, caught here so the data path
     * only pays for it on forged or corrupted packets.
     */
    public int open(long counter, byte[] buf, int adOffset, int adLength, int ciphertextOffset,
            int ciphertextLength) {
        return open(counter, buf, adOffset, adLength, ciphertextOffset, ciphertextLength, buf, ciphertextOffset);
    }

    /** As the in-place open, writing the plaintext to {@code out[outOffset...]} instead. */
    public int open(long counter, byte[] buf, int adOffset, int adLength, int ciphertextOffset,
            int ciphertextLength, byte[] out, int outOffset) {
        requireMode(Cipher.DECRYPT_MODE);
        if (ciphertextLength < TAG_LENGTH) {
            return AUTH_FAILED;
        }
        init(counter);
        try {
            cipher.updateAAD(buf, adOffset, adLength);
            return cipher.doFinal(buf, ciphertextOffset, ciphertextLength, out, outOffset);
        } catch (AEADBadTagException e) {
            return AUTH_FAILED;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM open failed on a well-formed request", e);
        }
    }

    /** As {@link #seal(long, byte[], int, int, int, int)}, through the JCE's ByteBuffer API (positions untouched). */
    public int seal(long counter, ByteBuffer buf, int adOffset, int adLength, int payloadOffset, int payloadLength) {
        requireMode(Cipher.ENCRYPT_MODE);
        init(counter);
        try {
            cipher.updateAAD(buf.duplicate().limit(adOffset + adLength).position(adOffset));
            ByteBuffer in = buf.duplicate().limit(payloadOffset + payloadLength).position(payloadOffset);
            ByteBuffer out = buf.duplicate().limit(buf.capacity()).position(payloadOffset);
            return cipher.doFinal(in, out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM seal failed on a well-formed request", e);
        }
    }

    /** As {@link #open(long, byte[], int, int, int, int)}, through the JCE's ByteBuffer API. */
    public int open(long counter, ByteBuffer buf, int adOffset, int adLength, int ciphertextOffset,
            int ciphertextLength) {
        requireMode(Cipher.DECRYPT_MODE);
        if (ciphertextLength < TAG_LENGTH) {
            return AUTH_FAILED;
        }
        init(counter);
        try {
            cipher.updateAAD(buf.duplicate().limit(adOffset + adLength).position(adOffset));
            ByteBuffer in = buf.duplicate().limit(ciphertextOffset + ciphertextLength).position(ciphertextOffset);
            ByteBuffer out = buf.duplicate().limit(buf.capacity()).position(ciphertextOffset);
            return cipher.doFinal(in, out);
        } catch (AEADBadTagException e) {
            return AUTH_FAILED;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM open failed on a well-formed request", e);
        }
    }

    private void init(long counter) {
        CipherState.writeNonce(nonce, counter);
        try {
            cipher.init(mode, key, new GCMParameterSpec(TAG_LENGTH * 8, nonce));
        } catch (InvalidKeyException | InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("AES-GCM init failed for counter " + Long.toUnsignedString(counter)
                    + " (a repeated counter under one key?)", e);
        }
    }

    private void requireMode(int wanted) {
        if (mode != wanted) {
            throw new IllegalStateException(mode == Cipher.ENCRYPT_MODE
                    ? "this TransportCipher seals; use an opener to open"
                    : "this TransportCipher opens; use a sealer to seal");
        }
    }
}
