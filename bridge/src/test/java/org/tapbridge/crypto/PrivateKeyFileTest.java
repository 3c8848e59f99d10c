package org.tapbridge.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateKeyFileTest {
    @TempDir
    Path dir;

    @Test
    void loadsAKeyFileOnlyItsOwnerCanRead() throws Exception {
        byte[] key = Keys.generatePrivate(BackToBack.seeded(5));
        Path file = write("site.key", Keys.encode(key) + "\n", "rw-------");
        assertArrayEquals(key, PrivateKeyFile.load(file));
    }

    @Test
    void refusesAKeyFileReadableByOthersAndSaysHowToFixIt() throws Exception {
        Path file = write("loose.key", Keys.encode(Keys.generatePrivate(BackToBack.seeded(5))), "rw-r--r--");
        KeyFileException e = assertThrows(KeyFileException.class, () -> PrivateKeyFile.load(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("0644"), e.getMessage());
        assertTrue(e.getMessage().contains("chmod 600 " + file), e.getMessage());
    }

    @Test
    void refusesAKeyFileWritableByTheGroup() throws Exception {
        Path file = write("group.key", Keys.encode(Keys.generatePrivate(BackToBack.seeded(5))), "rw--w----");
        KeyFileException e = assertThrows(KeyFileException.class, () -> PrivateKeyFile.load(file));
        assertTrue(e.getMessage().contains("0620"), e.getMessage());
    }

    @Test
    void namesAMissingFileAndHowToCreateIt() {
        Path file = dir.resolve("absent.key");
        KeyFileException e = assertThrows(KeyFileException.class, () -> PrivateKeyFile.load(file));
        assertTrue(e.getMessage().contains(file + " does not exist"), e.getMessage());
        assertTrue(e.getMessage().contains("tapbridge genkey"), e.getMessage());
    }

    @Test
    void namesTheFileWhenItIsNotBase64() throws Exception {
        Path file = write("bad.key", "not base64 at all!", "rw-------");
        KeyFileException e = assertThrows(KeyFileException.class, () -> PrivateKeyFile.load(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("base64"), e.getMessage());
    }

    @Test
    void namesTheFileWhenTheKeyHasTheWrongLength() throws Exception {
        Path file = write("short.key", "AAAA", "rw-------");
        KeyFileException e = assertThrows(KeyFileException.class, () -> PrivateKeyFile.load(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("3 bytes, expected 32"),
                e.getMessage());
    }

    @Test
    void formatsModesAsChmodTakesThem() {
        assertEquals("0600", PrivateKeyFile.octal(PosixFilePermissions.fromString("rw-------")));
        assertEquals("0755", PrivateKeyFile.octal(PosixFilePermissions.fromString("rwxr-xr-x")));
        assertEquals("0007", PrivateKeyFile.octal(PosixFilePermissions.fromString("------rwx")));
    }

    private Path write(String name, String content, String mode) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }
}
