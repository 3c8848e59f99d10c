package org.tapbridge.crypto;

import java.util.Arrays;

/**
 * Erasing key material, best effort: Java arrays we own are zeroed in place. What the JDK copies (a
 * {@code SecretKeySpec}, the AES key schedule inside a {@code Cipher}, an HMAC's padded keys, a
 * {@code String}) cannot be reached and waits for the garbage collector; see docs/reliability.md. Any thread,
 * on arrays it owns.
 */
public final class Secrets {
    private Secrets() {
    }

    /** Zeroes each array; nulls are skipped. */
    public static void wipe(byte[]... arrays) {
        for (byte[] a : arrays) {
            if (a != null) {
                Arrays.fill(a, (byte) 0);
            }
        }
    }

    /** Whether every byte is zero: for tests, and for asserting that a wipe happened. */
    public static boolean isWiped(byte[] array) {
        int any = 0;
        for (byte b : array) {
            any |= b;
        }
        return any == 0;
    }
}
