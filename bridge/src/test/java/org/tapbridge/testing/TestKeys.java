package org.tapbridge.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.tapbridge.crypto.Keys;

/** Key pairs for test sites, and key files written with the permissions the daemon insists on. */
public final class TestKeys {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] privateKey;
    private final byte[] publicKey;

    private TestKeys(byte[] privateKey) {
        this.privateKey = privateKey;
        this.publicKey = Keys.publicFromPrivate(privateKey);
    }

    public static TestKeys generate() {
        return new TestKeys(Keys.generatePrivate(RANDOM));
    }

    public byte[] privateKey() {
        return privateKey.clone();
    }

    public byte[] publicKey() {
        return publicKey.clone();
    }

    public String publicBase64() {
        return Keys.encode(publicKey);
    }

    /** Writes the private key to {@code file} with mode 0600. */
    public Path writePrivate(Path file) {
        try {
            Files.writeString(file, Keys.encode(privateKey) + "\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
