package org.tapbridge.crypto;

import com.kenai.jffi.MemoryIO;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.types.intptr_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.u_int64_t;

/**
 * The one native boundary of the crypto package: OpenSSL 3's libcrypto loaded through JNR once, with the
 * cause kept when it cannot be loaded. Thread-safe; the {@code EVP_CIPHER_CTX} each caller owns is not.
 */
final class NativeCrypto {
    /** Raw native memory at absolute addresses; Unsafe-backed on HotSpot, so it never allocates. */
    static final MemoryIO MEMORY = MemoryIO.getInstance();

    /** {@code EVP_CIPHER_CTX_ctrl} operations, from openssl/evp.h (the GCM names are aliases of the AEAD ones). */
    static final int EVP_CTRL_GCM_SET_IVLEN = 0x9;
    static final int EVP_CTRL_GCM_GET_TAG = 0x10;
    static final int EVP_CTRL_GCM_SET_TAG = 0x11;
    /** {@code OpenSSL_version(OPENSSL_VERSION)}: "OpenSSL 3.0.19 27 Jan 2026". */
    static final int OPENSSL_VERSION = 0;
    /** We need the provider-era EVP (3.0): 1.1's ctx reuse rules and symbol set differ. Major version nibble. */
    static final long MIN_VERSION_NUMBER = 0x3000_0000L;

    /** Tried in order: the versioned name first, since an unversioned libcrypto.so is only in -dev packages. */
    private static final String[] LIBRARY_NAMES = {"libcrypto.so.3", "crypto"};

    private static final LibCrypto LIBCRYPTO;
    private static final String VERSION;
    private static final String UNAVAILABLE_CAUSE;

    static {
        LibCrypto lib = null;
        String version = null;
        StringBuilder causes = new StringBuilder();
        for (String name : LIBRARY_NAMES) {
            try {
                // failImmediately: a missing symbol must show here, not on the first sealed frame.
                // IgnoreError: no EVP call reports through errno, so do not pay to save it after each one.
                LibCrypto candidate = LibraryLoader.create(LibCrypto.class).failImmediately()
                        .option(LibraryOption.IgnoreError, true).load(name);
                long number = candidate.OpenSSL_version_num();
                version = candidate.OpenSSL_version(OPENSSL_VERSION);
                if (Long.compareUnsigned(number, MIN_VERSION_NUMBER) < 0) {
                    causes.append(name).append(" is ").append(version).append(", older than OpenSSL 3.0; ");
                    continue;
                }
                lib = candidate;
                break;
            } catch (Throwable t) {
                causes.append(name).append(": ").append(t).append("; ");
            }
        }
        LIBCRYPTO = lib;
        VERSION = lib == null ? null : version;
        UNAVAILABLE_CAUSE = lib == null
                ? "JNR could not load OpenSSL 3's libcrypto (" + causes.substring(0, causes.length() - 2)
                        + "); apt-get install libssl3"
                : null;
    }

    private NativeCrypto() {
    }

    /**
     * Every libcrypto function the crypto package calls, with C names and C argument order. Pointers travel
     * as raw addresses ({@code long}) so that JNR passes them through without marshalling, copying or
     * allocating; every per-packet call takes only primitives.
     *
     * <p>Public only because JNR generates the implementation in its own class loader, which cannot
     * implement a package-private interface; the package-private enclosing class hides it.
     */
    public interface LibCrypto {
        @u_int64_t
        long OpenSSL_version_num();

        String OpenSSL_version(int type);

        /** {@code EVP_CIPHER_CTX *}, or 0 when out of memory. */
        @intptr_t
        long EVP_CIPHER_CTX_new();

        void EVP_CIPHER_CTX_free(@intptr_t long ctx);

        /** The static {@code const EVP_CIPHER *} of AES-256-GCM. */
        @intptr_t
        long EVP_aes_256_gcm();

        int EVP_EncryptInit_ex(@intptr_t long ctx, @intptr_t long cipher, @intptr_t long engine, @intptr_t long key,
                @intptr_t long iv);

        int EVP_DecryptInit_ex(@intptr_t long ctx, @intptr_t long cipher, @intptr_t long engine, @intptr_t long key,
                @intptr_t long iv);

        int EVP_CIPHER_CTX_ctrl(@intptr_t long ctx, int type, int arg, @intptr_t long ptr);

        /** {@code out} 0 feeds {@code in} as associated data. {@code outl} is an {@code int *}. */
        int EVP_EncryptUpdate(@intptr_t long ctx, @intptr_t long out, @intptr_t long outl, @intptr_t long in, int inl);

        int EVP_DecryptUpdate(@intptr_t long ctx, @intptr_t long out, @intptr_t long outl, @intptr_t long in, int inl);

        int EVP_EncryptFinal_ex(@intptr_t long ctx, @intptr_t long out, @intptr_t long outl);

        /** 1 when the tag set with {@code EVP_CTRL_GCM_SET_TAG} verifies, 0 otherwise. */
        int EVP_DecryptFinal_ex(@intptr_t long ctx, @intptr_t long out, @intptr_t long outl);

        /** The oldest error of this thread's queue, removed from it; 0 when the queue is empty. */
        @u_int64_t
        long ERR_get_error();

        void ERR_clear_error();

        void ERR_error_string_n(@u_int64_t long e, @intptr_t long buf, @size_t long len);
    }

    /** Null when libcrypto is usable, otherwise why not, in plain words. Probed once per JVM. */
    static String unavailableCause() {
        return UNAVAILABLE_CAUSE;
    }

    /** "OpenSSL 3.0.19 27 Jan 2026", or null when unavailable. */
    static String version() {
        return VERSION;
    }

    /** The loaded libcrypto, or an IllegalStateException carrying the probe's cause. */
    static LibCrypto libcrypto() {
        if (LIBCRYPTO == null) {
            throw new IllegalStateException(UNAVAILABLE_CAUSE);
        }
        return LIBCRYPTO;
    }

    /**
     * What went wrong in the named call, with every error OpenSSL queued on this thread ("error:1C800066:...")
     * and the queue left empty. Failure path only: allocates.
     */
    static String describeFailure(String call) {
        LibCrypto lib = libcrypto();
        StringBuilder sb = new StringBuilder(call).append(" failed");
        long text = MEMORY.allocateMemory(256, true);
        try {
            for (long e = lib.ERR_get_error(); e != 0; e = lib.ERR_get_error()) {
                lib.ERR_error_string_n(e, text, 256);
                sb.append(": ").append(cString(text, 256));
            }
        } finally {
            MEMORY.freeMemory(text);
        }
        return sb.toString();
    }

    private static String cString(long address, int max) {
        byte[] bytes = new byte[max];
        MEMORY.getByteArray(address, bytes, 0, max);
        int n = 0;
        while (n < max && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
    }
}
