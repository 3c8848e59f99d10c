package org.tapbridge.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 in the form Noise section 4.3 defines (two or three 32-byte outputs). Any thread.
 * Its own temporaries are wiped; the outputs are the caller's to wipe, and the copies the JDK's Mac makes
 * of a key cannot be.
 */
final class Hkdf {
    static final int HASH_LENGTH = 32;

    private Hkdf() {
    }

    /** Returns {@code outputs} keys of 32 bytes derived from the chaining key and the input key material. */
    static byte[][] derive(byte[] chainingKey, byte[] inputKeyMaterial, int outputs) {
        if (outputs < 2 || outputs > 3) {
            throw new IllegalArgumentException("Noise HKDF yields 2 or 3 outputs, not " + outputs);
        }
        byte[] tempKey = hmac(chainingKey, inputKeyMaterial);
        byte[][] out = new byte[outputs][];
        byte[] previous = new byte[0];
        for (int i = 0; i < outputs; i++) {
            byte[] input = new byte[previous.length + 1];
            System.arraycopy(previous, 0, input, 0, previous.length);
            input[previous.length] = (byte) (i + 1);
            out[i] = hmac(tempKey, input);
            // The input holds the previous output, a key the caller is about to use.
            Secrets.wipe(input);
            previous = out[i];
        }
        Secrets.wipe(tempKey);
        return out;
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's HmacSHA256 is unusable", e);
        }
    }
}
