package org.tapbridge.crypto;

import java.nio.ByteBuffer;

/**
 * AES-256-GCM under one key in one direction, as Noise's AESGCM: a 96-bit nonce of four zero bytes and
 * the 64-bit counter big-endian, a 16-byte tag. Owned by one thread; {@link Aeads} makes them.
 *
 * <p>Regions are absolute offsets into ByteBuffers, heap or direct; positions and limits are neither read
 * nor moved. The output region is either exactly the input region (in place) or disjoint from it, and
 * the associated data overlaps neither. Partial overlap is a programming error: refused where an
 * implementation can see it, undefined otherwise.
 */
public interface Aead extends AutoCloseable {
    int KEY_LENGTH = 32;
    int TAG_LENGTH = 16;
    /** Returned by {@link #open} when the tag does not verify (or the input is shorter than a tag). */
    int AUTH_FAILED = -1;

    /** Which implementation this is, for logs and stats. */
    AeadKind kind();

    /** True for a sealer, false for an opener. */
    boolean seals();

    /**
     * Encrypts {@code in[inOffset, +length)} into {@code out[outOffset, +length)} and writes the tag right
     * after it; the associated data is {@code ad[adOffset, +adLength)}. Returns {@code length + TAG_LENGTH}.
     * Throws IllegalStateException on an opener or after {@link #close}.
     */
    int seal(long counter, ByteBuffer ad, int adOffset, int adLength, ByteBuffer in, int inOffset, int length,
            ByteBuffer out, int outOffset);

    /**
     * Verifies and decrypts {@code in[inOffset, +ciphertextLength)}, the tag being its last 16 bytes, into
     * {@code out[outOffset, +ciphertextLength - TAG_LENGTH)}. Returns the plaintext length, or
     * {@link #AUTH_FAILED}: then no unauthenticated plaintext is left in {@code out} (the region keeps
     * what it held, or is zeroed, depending on the implementation). Throws IllegalStateException on a
     * sealer or after {@link #close}.
     */
    int open(long counter, ByteBuffer ad, int adOffset, int adLength, ByteBuffer in, int inOffset,
            int ciphertextLength, ByteBuffer out, int outOffset);

    /** Releases the key schedule (native memory for OpenSSL). Idempotent; the instance is unusable after. */
    @Override
    void close();
}
