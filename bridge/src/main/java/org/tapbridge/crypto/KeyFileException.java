package org.tapbridge.crypto;

/** A private key file cannot be used; the message names the file and says what to do. */
public final class KeyFileException extends Exception {
    public KeyFileException(String message) {
        super(message);
    }

    public KeyFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
