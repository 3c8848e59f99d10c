package org.tapbridge.crypto;

/** A handshake or key operation failed: bad authentication, a low-order point, an exhausted nonce. */
public class CryptoException extends Exception {
    public CryptoException(String message) {
        super(message);
    }

    public CryptoException(String message, Throwable cause) {
        super(message, cause);
    }
}
