package org.tapbridge.crypto;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/** Loads the site's private key ({@code private-key-file} in {@code [site]}), refusing files others can read. Any thread. */
public final class PrivateKeyFile {
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    /** A key line is 44 characters; anything much longer is not a key file and is not read whole. */
    private static final long MAX_FILE_BYTES = 4096;

    private PrivateKeyFile() {
    }

    /** The clamped 32-byte private key in the file, which holds its base64 on one line. */
    public static byte[] load(Path file) throws KeyFileException {
        byte[] text = readProtected(file, "private key file");
        try {
            return Keys.parsePrivate(text, "private key file " + file);
        } catch (IllegalArgumentException e) {
            throw new KeyFileException(e.getMessage(), e);
        } finally {
            Secrets.wipe(text);
        }
    }

    /** A peer's 32-byte pre-shared key ({@code preshared-key-file}), guarded like the private key. */
    public static byte[] loadPresharedKey(Path file) throws KeyFileException {
        byte[] text = readProtected(file, "pre-shared key file");
        try {
            return Keys.parsePresharedKey(text, "pre-shared key file " + file);
        } catch (IllegalArgumentException e) {
            throw new KeyFileException(e.getMessage(), e);
        } finally {
            Secrets.wipe(text);
        }
    }

    /** The file's bytes, never a String: the caller wipes them once parsed. */
    private static byte[] readProtected(Path file, String what) throws KeyFileException {
        Set<PosixFilePermission> permissions;
        long size;
        try {
            permissions = Files.getPosixFilePermissions(file);
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new KeyFileException(what + " " + file + " does not exist;"
                    + (what.startsWith("private") ? " create one with: (umask 077; tapbridge genkey > " + file + ")"
                            : " create one with: (umask 077; head -c 32 /dev/urandom | base64 > " + file + ")"), e);
        } catch (UnsupportedOperationException e) {
            throw new KeyFileException(what + " " + file + " is on a file system without POSIX"
                    + " permissions, so its protection cannot be checked; move it to one that has them", e);
        } catch (IOException e) {
            throw new KeyFileException(what + " " + file + " cannot be read: " + e, e);
        }
        Set<PosixFilePermission> loose = EnumSet.noneOf(PosixFilePermission.class);
        loose.addAll(permissions);
        loose.retainAll(GROUP_OR_OTHERS);
        if (!loose.isEmpty()) {
            throw new KeyFileException(what + " " + file + " has mode " + octal(permissions)
                    + " (" + PosixFilePermissions.toString(permissions) + "): group or others may access it;"
                    + " fix with: chmod 600 " + file);
        }
        if (size > MAX_FILE_BYTES) {
            throw new KeyFileException(what + " " + file + " has " + size
                    + " bytes; a key file holds one base64 line of 44 characters");
        }
        byte[] text;
        try {
            text = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new KeyFileException(what + " " + file + " cannot be read: " + e, e);
        }
        return text;
    }

    /** The mode as chmod takes it, e.g. 0644. */
    static String octal(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("0%03o", mode);
    }
}
