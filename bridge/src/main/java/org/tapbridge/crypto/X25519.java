package org.tapbridge.crypto;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;

/**
 * X25519 (RFC 7748) on the JDK's XDH provider, with keys as raw 32-byte little-endian strings as Noise
 * and WireGuard write them. Stateless; any thread.
 */
public final class X25519 {
    public static final int KEY_LENGTH = 32;

    /** The u-coordinate 9 of the base point: DH with it yields the public key of a private scalar. */
    private static final byte[] BASE_POINT = basePoint();

    private X25519() {
    }

    /** A new private key from the random source, clamped as RFC 7748 section 5 prescribes. */
    public static byte[] generatePrivate(SecureRandom random) {
        byte[] key = new byte[KEY_LENGTH];
        random.nextBytes(key);
        clamp(key);
        return key;
    }

    /** Clamps in place: the JDK clamps when it multiplies anyway, but stored keys should be canonical. */
    public static void clamp(byte[] privateKey) {
        privateKey[0] &= (byte) 248;
        privateKey[31] &= 127;
        privateKey[31] |= 64;
    }

    public static byte[] publicKey(byte[] privateKey) {
        try {
            return dh(privateKey, BASE_POINT);
        } catch (CryptoException e) {
            throw new IllegalStateException("X25519 of the base point cannot be of small order", e);
        }
    }

    /**
     * The shared secret, a new array the caller wipes after use; fails on a low-order public key, whose
     * all-zero result Noise must not use.
     */
    public static byte[] dh(byte[] privateKey, byte[] publicKey) throws CryptoException {
        checkLength(privateKey, "private");
        checkLength(publicKey, "public");
        byte[] scalar = privateKey.clone();
        try {
            KeyFactory factory = KeyFactory.getInstance("XDH");
            // The spec and the key object keep copies of their own, beyond our reach (docs/reliability.md).
            PrivateKey priv = factory.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
            PublicKey pub = factory.generatePublic(
                    new XECPublicKeySpec(NamedParameterSpec.X25519, decodeU(publicKey)));
            KeyAgreement agreement = KeyAgreement.getInstance("XDH");
            agreement.init(priv);
            agreement.doPhase(pub, true);
            return agreement.generateSecret();
        } catch (InvalidKeyException e) {
            throw new CryptoException("X25519 rejected the public key: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's XDH provider is unusable", e);
        } finally {
            Secrets.wipe(scalar);
        }
    }

    /** RFC 7748 section 5: little-endian, and the top bit is ignored on input. */
    static BigInteger decodeU(byte[] publicKey) {
        byte[] bigEndian = new byte[KEY_LENGTH];
        for (int i = 0; i < KEY_LENGTH; i++) {
            bigEndian[i] = publicKey[KEY_LENGTH - 1 - i];
        }
        bigEndian[0] &= 127;
        return new BigInteger(1, bigEndian);
    }

    private static void checkLength(byte[] key, String which) {
        if (key.length != KEY_LENGTH) {
            throw new IllegalArgumentException(
                    "X25519 " + which + " key has " + key.length + " bytes, expected " + KEY_LENGTH);
        }
    }

    private static byte[] basePoint() {
        byte[] u = new byte[KEY_LENGTH];
        u[0] = 9;
        return u;
    }
}
