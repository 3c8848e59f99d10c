package org.tapbridge.crypto;

import java.nio.ByteBuffer;

/**
 * One direction of the data path under one key: the byte[] and single-buffer API the data path has used
 * since before {@link Aead}, now over the {@link Aead} that {@link Aeads} selects. Owned by the link thread.
 *
 * <p>On the JCE the byte[] methods go straight to {@link JceAead}'s arrays, as before. On OpenSSL they
 * reach it through heap ByteBuffers (kept for the last two arrays, so a scratch array costs no allocation)
 * and its native scratch: correct, but two copies more than handing {@link #aead()} direct buffers.
 */
public final class TransportCipher implements AutoCloseable {
    public static final int TAG_LENGTH = Aead.TAG_LENGTH;
    /** Returned by the open methods when the tag does not verify. */
    public static final int AUTH_FAILED = Aead.AUTH_FAILED;

    private final Aead aead;
    /** The same object as {@link #aead} when that is the JCE's, else null. */
    private final JceAead jce;
    private ByteBuffer recentWrap;
    private ByteBuffer olderWrap;

    private TransportCipher(Aead aead) {
        this.aead = aead;
        this.jce = aead instanceof JceAead j ? j : null;
    }

    /** A sealer of the kind {@link Aeads#selected()} names. */
    public static TransportCipher sealer(byte[] key) {
        return new TransportCipher(Aeads.sealer(key));
    }

    /** An opener of the kind {@link Aeads#selected()} names. */
    public static TransportCipher opener(byte[] key) {
        return new TransportCipher(Aeads.opener(key));
    }

    public static TransportCipher sealer(AeadKind kind, byte[] key) {
        return new TransportCipher(Aeads.sealer(kind, key));
    }

    public static TransportCipher opener(AeadKind kind, byte[] key) {
        return new TransportCipher(Aeads.opener(kind, key));
    }

    /** The AEAD underneath, for callers that pass direct buffers (no copies with OpenSSL). */
    public Aead aead() {
        return aead;
    }

    /**
     * Encrypts {@code buf[payloadOffset, +payloadLength)} in place and appends the tag; the associated
     * data is {@code buf[adOffset, +adLength)}. Returns the ciphertext length, payload plus tag.
     */
    public int seal(long counter, byte[] buf, int adOffset, int adLength, int payloadOffset, int payloadLength) {
        return seal(counter, buf, adOffset, adLength, buf, payloadOffset, payloadLength, buf, payloadOffset);
    }

    /** As the in-place seal, writing the ciphertext and tag to {@code out[outOffset...]} instead. */
    public int seal(long counter, byte[] buf, int adOffset, int adLength, int payloadOffset, int payloadLength,
            byte[] out, int outOffset) {
        return seal(counter, buf, adOffset, adLength, buf, payloadOffset, payloadLength, out, outOffset);
    }

    /**
     * Out of place with the associated data in its own array: {@code ad[adOffset, +adLength)}, the payload
     * {@code in[inOffset, +inLength)}, the ciphertext and tag to {@code out[outOffset...]}. In place when
     * {@code in} and {@code out} are the same region.
     */
    public int seal(long counter, byte[] ad, int adOffset, int adLength, byte[] in, int inOffset, int inLength,
            byte[] out, int outOffset) {
        if (jce != null) {
            return jce.seal(counter, ad, adOffset, adLength, in, inOffset, inLength, out, outOffset);
        }
        return aead.seal(counter, wrap(ad), adOffset, adLength, wrap(in), inOffset, inLength, wrap(out), outOffset);
    }

    /**
     * Decrypts and verifies {@code buf[ciphertextOffset, +ciphertextLength)} in place. Returns the plaintext
     * length, or {@link #AUTH_FAILED}.
     */
    public int open(long counter, byte[] buf, int adOffset, int adLength, int ciphertextOffset,
            int ciphertextLength) {
        return open(counter, buf, adOffset, adLength, ciphertextOffset, ciphertextLength, buf, ciphertextOffset);
    }

    /** As the in-place open, writing the plaintext to {@code out[outOffset...]} instead. */
    public int open(long counter, byte[] buf, int adOffset, int adLength, int ciphertextOffset,
            int ciphertextLength, byte[] out, int outOffset) {
        if (jce != null) {
            return jce.open(counter, buf, adOffset, adLength, buf, ciphertextOffset, ciphertextLength, out,
                    outOffset);
        }
        ByteBuffer b = wrap(buf);
        return aead.open(counter, b, adOffset, adLength, b, ciphertextOffset, ciphertextLength, wrap(out), outOffset);
    }

    /** True when the cipher works on direct memory in place (OpenSSL): no scratch copies needed there. */
    public boolean worksOnDirectMemory() {
        return jce == null;
    }

    /**
     * Out of place on buffers, heap or direct: the associated data {@code ad[adOffset, +adLength)}, the
     * payload {@code in[inOffset, +inLength)}, the ciphertext and tag to {@code out[outOffset...]}.
     */
    public int seal(long counter, ByteBuffer ad, int adOffset, int adLength, ByteBuffer in, int inOffset,
            int inLength, ByteBuffer out, int outOffset) {
        return aead.seal(counter, ad, adOffset, adLength, in, inOffset, inLength, out, outOffset);
    }

    /** As {@link #seal(long, byte[], int, int, int, int)} on one buffer, heap or direct (positions untouched). */
    public int seal(long counter, ByteBuffer buf, int adOffset, int adLength, int payloadOffset, int payloadLength) {
        return aead.seal(counter, buf, adOffset, adLength, buf, payloadOffset, payloadLength, buf, payloadOffset);
    }

    /** As {@link #open(long, byte[], int, int, int, int)} on one buffer, heap or direct. */
    public int open(long counter, ByteBuffer buf, int adOffset, int adLength, int ciphertextOffset,
            int ciphertextLength) {
        return aead.open(counter, buf, adOffset, adLength, buf, ciphertextOffset, ciphertextLength, buf,
                ciphertextOffset);
    }

    @Override
    public void close() {
        aead.close();
    }

    /** A heap buffer over {@code array}, new only when the array is neither of the last two. */
    private ByteBuffer wrap(byte[] array) {
        if (recentWrap != null && recentWrap.array() == array) {
            return recentWrap;
        }
        ByteBuffer b = olderWrap != null && olderWrap.array() == array ? olderWrap : ByteBuffer.wrap(array);
        olderWrap = recentWrap;
        recentWrap = b;
        return b;
    }
}
