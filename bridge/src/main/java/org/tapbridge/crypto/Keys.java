package org.tapbridge.crypto;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * Static keys as people handle them: 32 bytes in standard base64 (44 characters), as {@code tapbridge
 * genkey}/{@code pubkey} print and the config holds. Errors name where the key came from. Any thread.
 */
public final class Keys {
    public static final int KEY_LENGTH = X25519.KEY_LENGTH;

    private Keys() {
    }

    /** A new clamped X25519 private key. */
    public static byte[] generatePrivate(SecureRandom random) {
        return X25519.generatePrivate(random);
    }

    public static byte[] publicFromPrivate(byte[] privateKey) {
        return X25519.publicKey(checkPrivate(privateKey));
    }

    public static String encode(byte[] key) {
        return Base64.getEncoder().encodeToString(key);
    }

    /** A public key, e.g. {@code parsePublic(text, "peer berlin public-key")}. */
    public static byte[] parsePublic(String base64, String context) {
        return checkPublic(decode(base64, context), context);
    }

    /** A private key; clamped, since any 32 bytes are one once clamped (RFC 7748). */
    public static byte[] parsePrivate(String base64, String context) {
        byte[] key = decode(base64, context);
        X25519.clamp(key);
        return key;
    }

    /** A pre-shared key: 32 bytes, used as they are. */
    public static byte[] parsePresharedKey(String base64, String context) {
        return decode(base64, context);
    }

    /**
     * As {@link #parsePrivate(String, String)}, from a key file's ASCII bytes: no String holds the key's
     * text, and the copies made here are wiped. The caller wipes {@code base64Ascii}.
     */
    public static byte[] parsePrivate(byte[] base64Ascii, String context) {
        byte[] key = decode(base64Ascii, context);
        X25519.clamp(key);
        return key;
    }

    /** As {@link #parsePresharedKey(String, String)}, from a key file's ASCII bytes. */
    public static byte[] parsePresharedKey(byte[] base64Ascii, String context) {
        return decode(base64Ascii, context);
    }

    static byte[] checkPrivate(byte[] key) {
        if (key == null || key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("private key has " + (key == null ? "no" : key.length)
                    + " bytes, expected " + KEY_LENGTH);
        }
        return key;
    }

    static byte[] checkPublic(byte[] key, String context) {
        if (key == null || key.length != KEY_LENGTH) {
            throw new IllegalArgumentException(context + " has " + (key == null ? "no" : key.length)
                    + " bytes, expected " + KEY_LENGTH);
        }
        boolean allZero = true;
        for (byte b : key) {
            allZero &= b == 0;
        }
        if (allZero) {
            throw new IllegalArgumentException(context + " is all zero, which is no public key");
        }
        return key.clone();
    }

    private static byte[] decode(byte[] ascii, String context) {
        int from = 0;
        int to = ascii.length;
        while (from < to && isSpace(ascii[from])) {
            from++;
        }
        while (to > from && isSpace(ascii[to - 1])) {
            to--;
        }
        byte[] text = Arrays.copyOfRange(ascii, from, to);
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(context + " is not valid base64 (" + e.getMessage()
                    + "); expected 44 characters as printed by 'tapbridge genkey' or 'tapbridge pubkey'");
        } finally {
            Secrets.wipe(text);
        }
        if (key.length != KEY_LENGTH) {
            Secrets.wipe(key);
            throw new IllegalArgumentException(context + " decodes to " + key.length + " bytes, expected "
                    + KEY_LENGTH + " (44 base64 characters)");
        }
        return key;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == 0x0b;
    }

    private static byte[] decode(String base64, String context) {
        if (base64 == null) {
            throw new IllegalArgumentException(context + " is missing");
        }
        String text = base64.strip();
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(context + " is not valid base64 (" + e.getMessage()
                    + "); expected 44 characters as printed by 'tapbridge genkey' or 'tapbridge pubkey'");
        }
        if (key.length != KEY_LENGTH) {
            throw new IllegalArgumentException(context + " decodes to " + key.length + " bytes, expected "
                    + KEY_LENGTH + " (44 base64 characters)");
        }
        return key;
    }
}
