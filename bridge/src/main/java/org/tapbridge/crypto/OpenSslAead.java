package org.tapbridge.crypto;

import static org.tapbridge.crypto.NativeCrypto.MEMORY;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;
import org.tapbridge.crypto.NativeCrypto.LibCrypto;

/**
 * {@link Aead} on OpenSSL 3's EVP interface through JNR-FFI, working on the native addresses of direct
 * buffers: no copy and no allocation per message. One {@code EVP_CIPHER_CTX} per key and direction, keyed
 * once; each message only sets the IV. Owned by one thread.
 *
 * <p>Heap buffers work too, through a native scratch buffer (two copies, grown on demand): for tests and
 * the odd control message, not for the data path.
 *
 * <p>Besides the context, each instance owns one small block of native memory:
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       zero (nonce bytes 0-3)                  |  0
 * +                                                               +
 * |                 counter, big-endian (nonce bytes 4-11)        |  4
 * +                                                               +
 * |                                                               |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     unused                                    | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              int outl (written by the Update/Final calls)     | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     unused (20-31)                            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       key (32 bytes), only during construction, then zeroed   | 32
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>Key material, best effort: the key is in native memory only for the {@code EVP_*Init_ex} call that
 * expands it, then zeroed; the expanded key lives in the context until {@link #close} (or the Cleaner,
 * once this object is unreachable), where {@code EVP_CIPHER_CTX_free} cleanses it. The caller's byte[]
 * is the caller's to wipe.
 */
public final class OpenSslAead implements Aead {
    static final int IV_OFFSET = 0;
    static final int COUNTER_OFFSET = 4;
    static final int OUTL_OFFSET = 16;
    static final int KEY_OFFSET = 32;
    static final int BLOCK_LENGTH = KEY_OFFSET + KEY_LENGTH;
    static final int IV_LENGTH = CipherState.NONCE_LENGTH;

    /** One daemon thread for the whole JVM; it frees contexts that were never closed. */
    private static final Cleaner CLEANER = Cleaner.create();
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private final LibCrypto lib;
    private final boolean seals;
    private final long ctx;
    private final long block;
    private final Cleaner.Cleanable cleanable;
    private boolean closed;

    /** The last two direct buffers seen, with their addresses: a seal reads one buffer and writes another. */
    private ByteBuffer recent;
    private long recentAddress;
    private ByteBuffer older;
    private long olderAddress;
    /** Heap buffers' bytes: associated data, then the message. Created on the first heap request. */
    private ByteBuffer heapScratch;
    private long heapScratchAddress;

    private OpenSslAead(byte[] key, boolean seals) {
        if (key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("AES-256-GCM key has " + key.length + " bytes, expected " + KEY_LENGTH);
        }
        this.lib = NativeCrypto.libcrypto();
        this.seals = seals;
        long context = lib.EVP_CIPHER_CTX_new();
        if (context == 0) {
            throw new IllegalStateException(NativeCrypto.describeFailure("EVP_CIPHER_CTX_new"));
        }
        long memory = MEMORY.allocateMemory(BLOCK_LENGTH, true);
        if (memory == 0) {
            lib.EVP_CIPHER_CTX_free(context);
            throw new OutOfMemoryError("native memory for an AES-GCM context (" + BLOCK_LENGTH + " bytes)");
        }
        this.ctx = context;
        this.block = memory;
        this.cleanable = CLEANER.register(this, new Release(lib, context, memory));
        try {
            try {
                initialise(lib.EVP_aes_256_gcm(), 0);
                check(lib.EVP_CIPHER_CTX_ctrl(ctx, NativeCrypto.EVP_CTRL_GCM_SET_IVLEN, IV_LENGTH, 0),
                        "EVP_CIPHER_CTX_ctrl(EVP_CTRL_GCM_SET_IVLEN)");
                MEMORY.putByteArray(block + KEY_OFFSET, key, 0, KEY_LENGTH);
                initialise(0, block + KEY_OFFSET);
            } finally {
                MEMORY.setMemory(block + KEY_OFFSET, KEY_LENGTH, (byte) 0);
            }
        } catch (RuntimeException | Error e) {
            cleanable.clean();
            throw e;
        }
    }

    /** Throws IllegalStateException, with the probe's cause, when libcrypto cannot be loaded. */
    public static OpenSslAead sealer(byte[] key) {
        return new OpenSslAead(key, true);
    }

    /** Throws IllegalStateException, with the probe's cause, when libcrypto cannot be loaded. */
    public static OpenSslAead opener(byte[] key) {
        return new OpenSslAead(key, false);
    }

    @Override
    public AeadKind kind() {
        return AeadKind.OPENSSL;
    }

    @Override
    public boolean seals() {
        return seals;
    }

    @Override
    public int seal(long counter, ByteBuffer ad, int adOffset, int adLength, ByteBuffer in, int inOffset, int length,
            ByteBuffer out, int outOffset) {
        requireOpen(true);
        Objects.checkFromIndexSize(adOffset, adLength, ad.capacity());
        Objects.checkFromIndexSize(inOffset, length, in.capacity());
        Objects.checkFromIndexSize(outOffset, length + TAG_LENGTH, out.capacity());
        if (out.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        try {
            if (ad.isDirect() && in.isDirect() && out.isDirect()) {
                long adAddress = address(ad) + adOffset;
                long inAddress = address(in) + inOffset;
                long outAddress = address(out) + outOffset;
                requireLayout(adAddress, adLength, inAddress, length, outAddress, length + TAG_LENGTH);
                return sealAt(counter, adAddress, adLength, inAddress, length, outAddress);
            }
            long s = heapScratch(adLength + length + TAG_LENGTH);
            heapScratch.put(0, ad, adOffset, adLength).put(adLength, in, inOffset, length);
            int sealed = sealAt(counter, s, adLength, s + adLength, length, s + adLength);
            out.put(outOffset, heapScratch, adLength, sealed);
            return sealed;
        } finally {
            // The Cleaner must not free the context while a native call still uses it.
            Reference.reachabilityFence(this);
        }
    }

    /** On {@link #AUTH_FAILED} the output region is zeroed: OpenSSL decrypts before it checks the tag. */
    @Override
    public int open(long counter, ByteBuffer ad, int adOffset, int adLength, ByteBuffer in, int inOffset,
            int ciphertextLength, ByteBuffer out, int outOffset) {
        requireOpen(false);
        Objects.checkFromIndexSize(adOffset, adLength, ad.capacity());
        Objects.checkFromIndexSize(inOffset, ciphertextLength, in.capacity());
        if (ciphertextLength < TAG_LENGTH) {
            return AUTH_FAILED;
        }
        int plaintextLength = ciphertextLength - TAG_LENGTH;
        Objects.checkFromIndexSize(outOffset, plaintextLength, out.capacity());
        if (out.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        try {
            if (ad.isDirect() && in.isDirect() && out.isDirect()) {
                long adAddress = address(ad) + adOffset;
                long inAddress = address(in) + inOffset;
                long outAddress = address(out) + outOffset;
                requireLayout(adAddress, adLength, inAddress, ciphertextLength, outAddress, plaintextLength);
                return openAt(counter, adAddress, adLength, inAddress, plaintextLength, outAddress);
            }
            long s = heapScratch(adLength + ciphertextLength);
            heapScratch.put(0, ad, adOffset, adLength).put(adLength, in, inOffset, ciphertextLength);
            int opened = openAt(counter, s, adLength, s + adLength, plaintextLength, s + adLength);
            if (opened >= 0) {
                out.put(outOffset, heapScratch, adLength, opened);
            } else {
                // As on direct memory: what the output held is gone either way; leave no plaintext in it.
                zero(out, outOffset, plaintextLength);
            }
            return opened;
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    @Override
    public void close() {
        closed = true;
        cleanable.clean();
    }

    private int sealAt(long counter, long adAddress, int adLength, long inAddress, int length, long outAddress) {
        long outl = block + OUTL_OFFSET;
        setCounter(counter);
        check(lib.EVP_EncryptInit_ex(ctx, 0, 0, 0, block + IV_OFFSET), "EVP_EncryptInit_ex(iv)");
        if (adLength > 0) {
            check(lib.EVP_EncryptUpdate(ctx, 0, outl, adAddress, adLength), "EVP_EncryptUpdate(aad)");
        }
        if (length > 0) {
            check(lib.EVP_EncryptUpdate(ctx, outAddress, outl, inAddress, length), "EVP_EncryptUpdate");
        }
        check(lib.EVP_EncryptFinal_ex(ctx, outAddress + length, outl), "EVP_EncryptFinal_ex");
        check(lib.EVP_CIPHER_CTX_ctrl(ctx, NativeCrypto.EVP_CTRL_GCM_GET_TAG, TAG_LENGTH, outAddress + length),
                "EVP_CIPHER_CTX_ctrl(EVP_CTRL_GCM_GET_TAG)");
        return length + TAG_LENGTH;
    }

    private int openAt(long counter, long adAddress, int adLength, long inAddress, int plaintextLength,
            long outAddress) {
        long outl = block + OUTL_OFFSET;
        setCounter(counter);
        check(lib.EVP_DecryptInit_ex(ctx, 0, 0, 0, block + IV_OFFSET), "EVP_DecryptInit_ex(iv)");
        // The context copies the tag, so in-place decryption may overwrite nothing it still needs.
        check(lib.EVP_CIPHER_CTX_ctrl(ctx, NativeCrypto.EVP_CTRL_GCM_SET_TAG, TAG_LENGTH,
                inAddress + plaintextLength), "EVP_CIPHER_CTX_ctrl(EVP_CTRL_GCM_SET_TAG)");
        if (adLength > 0) {
            check(lib.EVP_DecryptUpdate(ctx, 0, outl, adAddress, adLength), "EVP_DecryptUpdate(aad)");
        }
        if (plaintextLength > 0) {
            check(lib.EVP_DecryptUpdate(ctx, outAddress, outl, inAddress, plaintextLength), "EVP_DecryptUpdate");
        }
        if (lib.EVP_DecryptFinal_ex(ctx, outAddress + plaintextLength, outl) != 1) {
            MEMORY.setMemory(outAddress, plaintextLength, (byte) 0);
            // A forged packet is no error of ours: leave nothing on this thread's queue for a later report.
            lib.ERR_clear_error();
            return AUTH_FAILED;
        }
        return plaintextLength;
    }

    private void initialise(long cipher, long key) {
        if (seals) {
            check(lib.EVP_EncryptInit_ex(ctx, cipher, 0, key, 0), "EVP_EncryptInit_ex(key)");
        } else {
            check(lib.EVP_DecryptInit_ex(ctx, cipher, 0, key, 0), "EVP_DecryptInit_ex(key)");
        }
    }

    private void setCounter(long counter) {
        MEMORY.putLong(block + COUNTER_OFFSET, LITTLE_ENDIAN ? Long.reverseBytes(counter) : counter);
    }

    private static void check(int result, String call) {
        if (result != 1) {
            throw new IllegalStateException(NativeCrypto.describeFailure(call));
        }
    }

    private long address(ByteBuffer direct) {
        if (direct == recent) {
            return recentAddress;
        }
        if (direct != older) {
            older = direct;
            olderAddress = MEMORY.getDirectBufferAddress(direct);
        }
        ByteBuffer b = older;
        long a = olderAddress;
        older = recent;
        olderAddress = recentAddress;
        recent = b;
        recentAddress = a;
        return a;
    }

    private long heapScratch(int length) {
        if (heapScratch == null || heapScratch.capacity() < length) {
            heapScratch = ByteBuffer.allocateDirect(Math.max(length, 2048));
            heapScratchAddress = MEMORY.getDirectBufferAddress(heapScratch);
        }
        return heapScratchAddress;
    }

    private static void zero(ByteBuffer buffer, int offset, int length) {
        for (int i = 0; i < length; i++) {
            buffer.put(offset + i, (byte) 0);
        }
    }

    /** The output is the input itself or apart from it, and apart from the associated data. */
    private static void requireLayout(long ad, int adLength, long in, int inLength, long out, int outLength) {
        if ((in != out && overlap(in, inLength, out, outLength)) || overlap(ad, adLength, out, outLength)) {
            throw new IllegalArgumentException("AES-GCM regions overlap: associated data [" + ad + ", +" + adLength
                    + "), input [" + in + ", +" + inLength + "), output [" + out + ", +" + outLength
                    + "); the output must be the input itself or apart from it");
        }
    }

    private static boolean overlap(long a, int aLength, long b, int bLength) {
        return aLength > 0 && bLength > 0 && a < b + bLength && b < a + aLength;
    }

    private void requireOpen(boolean sealing) {
        if (closed) {
            throw new IllegalStateException("this OpenSslAead is closed");
        }
        if (sealing != seals) {
            throw new IllegalStateException(seals
                    ? "this OpenSslAead seals; use an opener to open"
                    : "this OpenSslAead opens; use a sealer to seal");
        }
    }

    /** Frees the context and the block; holds no reference to the OpenSslAead, so the Cleaner can run it. */
    private static final class Release implements Runnable {
        private final LibCrypto lib;
        private final long ctx;
        private final long block;

        Release(LibCrypto lib, long ctx, long block) {
            this.lib = lib;
            this.ctx = ctx;
            this.block = block;
        }

        @Override
        public void run() {
            lib.EVP_CIPHER_CTX_free(ctx);
            MEMORY.setMemory(block, BLOCK_LENGTH, (byte) 0);
            MEMORY.freeMemory(block);
        }
    }
}
