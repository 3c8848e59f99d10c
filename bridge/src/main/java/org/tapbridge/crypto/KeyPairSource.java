package org.tapbridge.crypto;

import java.security.SecureRandom;

/**
 * Where a handshake gets its ephemeral private keys. Production uses {@link #random}; the Noise vector
 * test injects the fixed keys of the vectors, which is why this seam is package-private.
 */
@FunctionalInterface
interface KeyPairSource {
    byte[] nextPrivateKey();

    static KeyPairSource random(SecureRandom random) {
        return () -> X25519.generatePrivate(random);
    }
}
