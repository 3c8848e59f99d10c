package org.tapbridge.crypto;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.SplittableRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.tapbridge.testing.Privileges;

/** Shared by the AEAD tests: the availability gate for OpenSSL, deterministic bytes, and a reference seal. */
final class AeadFixtures {
    private AeadFixtures() {
    }

    /** Skips a test of OpenSSL where libcrypto cannot load; under CI=true that fails instead. */
    static void requireAvailable(AeadKind kind) {
        String cause = kind == AeadKind.OPENSSL ? Aeads.openSslUnavailableCause() : null;
        if (cause == null) {
            return;
        }
        if (Privileges.inCi()) {
            fail("CI=true but OpenSSL cannot be tested: " + cause);
        }
        assumeTrue(false, "skipped: " + cause);
    }

    static byte[] bytes(SplittableRandom random, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) random.nextInt();
        }
        return b;
    }

    /**
     * AES-256-GCM of the plaintext straight from a JDK Cipher, with the Noise nonce spelled out here rather
     * than taken from our code: 4 zero bytes, then the counter big-endian.
     */
    static byte[] referenceSeal(byte[] key, long counter, byte[] ad, byte[] plaintext) {
        byte[] nonce = ByteBuffer.allocate(12).putInt(0).putLong(counter).array();
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(ad);
            return c.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    static ByteBuffer buffer(boolean direct, int capacity) {
        return direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
    }

    static byte[] read(ByteBuffer b, int offset, int length) {
        byte[] out = new byte[length];
        b.get(offset, out);
        return out;
    }
}
