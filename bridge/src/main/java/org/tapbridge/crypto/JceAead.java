package org.tapbridge.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@link Aead} on the JDK's {@code AES/GCM/NoPadding}: one Cipher per key and direction, re-initialised per
 * message with the counter as nonce. Owned by one thread.
 *
 * <p>Heap buffers are handed to the JCE as arrays. Direct buffers are copied through a heap scratch array
 * by default ({@link DirectPath#HEAP_SCRATCH}), because the JCE of JDK 17 seals byte[] faster and with
 * less garbage than direct buffers; {@link DirectPath#BYTE_BUFFER_API} exists to measure that.
 *
 * <p>Per message, our code allocates one {@link GCMParameterSpec} (the JCE takes a new nonce no other way;
 * the spec copies the array, so it cannot be reused); everything else the JCE allocates is its own. The
 * key is copied into a {@link SecretKeySpec} that lives as long as this object and cannot be wiped.
 */
public final class JceAead implements Aead {
    /** How {@link #seal} and {@link #open} hand direct buffers to the JCE. */
    public enum DirectPath {
        /** Copy into a heap array, seal or open there in place, copy the result out: today's data path. */
        HEAP_SCRATCH,
        /** The JCE's own ByteBuffer API (JDK 17 and later handle direct buffers without a full copy). */
        BYTE_BUFFER_API
    }

    private final Cipher cipher;
    private final SecretKeySpec key;
    private final int mode;
    private final DirectPath directPath;
    /** Noise's AESGCM nonce layout: 4 zero bytes, then the counter big-endian. Reused; the spec copies it. */
    private final byte[] nonce = new byte[CipherState.NONCE_LENGTH];
    /** Direct buffers' bytes, laid out as associated data then payload then tag. Grown on demand, never shrunk. */
    private byte[] scratch = new byte[0];
    private boolean closed;

    private JceAead(byte[] key, int mode, DirectPath directPath) {
        if (key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("AES-256-GCM key has " + key.length + " bytes, expected " + KEY_LENGTH);
        }
        this.key = new SecretKeySpec(key, "AES");
        this.mode = mode;
        this.directPath = Objects.requireNonNull(directPath, "directPath");
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's AES/GCM/NoPadding is unusable", e);
        }
    }

    public static JceAead sealer(byte[] key) {
        return new JceAead(key, Cipher.ENCRYPT_MODE, DirectPath.HEAP_SCRATCH);
    }

    public static JceAead opener(byte[] key) {
        return new JceAead(key, Cipher.DECRYPT_MODE, DirectPath.HEAP_SCRATCH);
    }

    public static JceAead sealer(byte[] key, DirectPath directPath) {
        return new JceAead(key, Cipher.ENCRYPT_MODE, directPath);
    }

    public static JceAead opener(byte[] key, DirectPath directPath) {
        return new JceAead(key, Cipher.DECRYPT_MODE, directPath);
    }

    @Override
    public AeadKind kind() {
        return AeadKind.JCE;
    }

    @Override
    public boolean seals() {
        return mode == Cipher.ENCRYPT_MODE;
    }

    @Override
    public int seal(long counter, ByteBuffer ad, int adOffset, int adLength, ByteBuffer in, int inOffset, int length,
            ByteBuffer out, int outOffset) {
        Objects.checkFromIndexSize(adOffset, adLength, ad.capacity());
        Objects.checkFromIndexSize(inOffset, length, in.capacity());
        Objects.checkFromIndexSize(outOffset, length + TAG_LENGTH, out.capacity());
        if (ad.hasArray() && in.hasArray() && out.hasArray()) {
            return seal(counter, ad.array(), ad.arrayOffset() + adOffset, adLength, in.array(),
                    in.arrayOffset() + inOffset, length, out.array(), out.arrayOffset() + outOffset);
        }
        if (directPath == DirectPath.BYTE_BUFFER_API) {
            return viaByteBuffers(Cipher.ENCRYPT_MODE, counter, ad, adOffset, adLength, in, inOffset, length, out,
                    outOffset);
        }
        byte[] s = scratch(adLength + length + TAG_LENGTH);
        ad.get(adOffset, s, 0, adLength);
        in.get(inOffset, s, adLength, length);
        int sealed = seal(counter, s, 0, adLength, s, adLength, length, s, adLength);
        out.put(outOffset, s, adLength, sealed);
        return sealed;
    }

    @Override
    public int open(long counter, ByteBuffer ad, int adOffset, int adLength, ByteBuffer in, int inOffset,
            int ciphertextLength, ByteBuffer out, int outOffset) {
        Objects.checkFromIndexSize(adOffset, adLength, ad.capacity());
        Objects.checkFromIndexSize(inOffset, ciphertextLength, in.capacity());
        if (ciphertextLength >= TAG_LENGTH) {
            Objects.checkFromIndexSize(outOffset, ciphertextLength - TAG_LENGTH, out.capacity());
        }
        if (ad.hasArray() && in.hasArray() && out.hasArray()) {
            return open(counter, ad.array(), ad.arrayOffset() + adOffset, adLength, in.array(),
                    in.arrayOffset() + inOffset, ciphertextLength, out.array(), out.arrayOffset() + outOffset);
        }
        if (directPath == DirectPath.BYTE_BUFFER_API) {
            requireMode(Cipher.DECRYPT_MODE);
            return ciphertextLength < TAG_LENGTH ? AUTH_FAILED
                    : viaByteBuffers(Cipher.DECRYPT_MODE, counter, ad, adOffset, adLength, in, inOffset,
                            ciphertextLength, out, outOffset);
        }
        byte[] s = scratch(adLength + ciphertextLength);
        ad.get(adOffset, s, 0, adLength);
        in.get(inOffset, s, adLength, ciphertextLength);
        int opened = open(counter, s, 0, adLength, s, adLength, ciphertextLength, s, adLength);
        if (opened > 0) {
            out.put(outOffset, s, adLength, opened);
        }
        return opened;
    }

    /**
     * As {@link #seal(long, ByteBuffer, int, int, ByteBuffer, int, int, ByteBuffer, int)} on arrays; {@code in}
     * and {@code out} may be one region (in place).
     */
    public int seal(long counter, byte[] ad, int adOffset, int adLength, byte[] in, int inOffset, int length,
            byte[] out, int outOffset) {
        requireMode(Cipher.ENCRYPT_MODE);
        init(counter);
        try {
            cipher.updateAAD(ad, adOffset, adLength);
            return cipher.doFinal(in, inOffset, length, out, outOffset);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM seal failed on a well-formed request", e);
        }
    }

    /**
     * As {@link #open(long, ByteBuffer, int, int, ByteBuffer, int, int, ByteBuffer, int)} on arrays. The JCE
     * verifies the tag before it writes any plaintext, so on {@link #AUTH_FAILED} {@code out} is untouched.
     */
    public int open(long counter, byte[] ad, int adOffset, int adLength, byte[] in, int inOffset,
            int ciphertextLength, byte[] out, int outOffset) {
        requireMode(Cipher.DECRYPT_MODE);
        if (ciphertextLength < TAG_LENGTH) {
            return AUTH_FAILED;
        }
        init(counter);
        try {
            cipher.updateAAD(ad, adOffset, adLength);
            return cipher.doFinal(in, inOffset, ciphertextLength, out, outOffset);
        } catch (AEADBadTagException e) {
            // The JCE reports a bad tag only by exception: paid on forged or corrupted packets alone.
            return AUTH_FAILED;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM open failed on a well-formed request", e);
        }
    }

    /** The JCE's ByteBuffer API: allocates the duplicates that carry the regions, on top of the JCE's own. */
    private int viaByteBuffers(int wanted, long counter, ByteBuffer ad, int adOffset, int adLength, ByteBuffer in,
            int inOffset, int inLength, ByteBuffer out, int outOffset) {
        requireMode(wanted);
        init(counter);
        int outLength = wanted == Cipher.ENCRYPT_MODE ? inLength + TAG_LENGTH : inLength - TAG_LENGTH;
        try {
            cipher.updateAAD(ad.duplicate().clear().position(adOffset).limit(adOffset + adLength));
            ByteBuffer src = in.duplicate().clear().position(inOffset).limit(inOffset + inLength);
            ByteBuffer dst = out.duplicate().clear().position(outOffset).limit(outOffset + outLength);
            return cipher.doFinal(src, dst);
        } catch (AEADBadTagException e) {
            return AUTH_FAILED;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed on a well-formed request", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        // The scratch held plaintext; the key's copies inside the SecretKeySpec and the Cipher are the JDK's.
        Secrets.wipe(scratch);
        scratch = new byte[0];
    }

    private byte[] scratch(int length) {
        if (scratch.length < length) {
            scratch = new byte[length];
        }
        return scratch;
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
        if (closed) {
            throw new IllegalStateException("this JceAead is closed");
        }
        if (mode != wanted) {
            throw new IllegalStateException(mode == Cipher.ENCRYPT_MODE
                    ? "this JceAead seals; use an opener to open"
                    : "this JceAead opens; use a sealer to seal");
        }
    }
}
