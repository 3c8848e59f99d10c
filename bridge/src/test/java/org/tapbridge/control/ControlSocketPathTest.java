package org.tapbridge.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A mistyped control-socket path must never cost the operator a file: only sockets are replaced. */
class ControlSocketPathTest {
    private static final byte[] PRECIOUS = "tbctl: the operator's real data\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private static IOException refused(Path path) {
        return assertThrows(IOException.class, () -> ControlServer.bind(path, request -> "x\n").close());
    }

    private static void assertExplains(IOException e, Path path, String what) {
        String m = e.getMessage();
        assertTrue(m.contains(path.toString()), m);
        assertTrue(m.contains("control-socket"), m);
        assertTrue(m.contains(what), m);
        assertTrue(m.contains("refusing to replace it"), m);
        assertTrue(m.contains("Set [site] control-socket to a path of its own"), m);
    }

    @Test
    void refusesARegularFileAndLeavesItIntact() throws IOException {
        Path file = dir.resolve("tbctl-notes.txt");
        Files.write(file, PRECIOUS);
        assertExplains(refused(file), file, "is a regular file of " + PRECIOUS.length + " bytes");
        assertArrayEquals(PRECIOUS, Files.readAllBytes(file));
    }

    @Test
    void refusesAnEmptyRegularFile() throws IOException {
        Path file = dir.resolve("tbctl-empty");
        Files.createFile(file);
        assertExplains(refused(file), file, "is a regular file of 0 bytes");
        assertTrue(Files.isRegularFile(file));
    }

    @Test
    void refusesADirectoryAndLeavesItIntact() throws IOException {
        Path empty = dir.resolve("tbctl-dir");
        Files.createDirectory(empty);
        assertExplains(refused(empty), empty, "is a directory");
        assertTrue(Files.isDirectory(empty));
    }

    @Test
    void refusesASymbolicLinkToAFileAndLeavesBoth() throws IOException {
        Path target = dir.resolve("tbctl-target.conf");
        Files.write(target, PRECIOUS);
        Path link = dir.resolve("tbctl-link.sock");
        Files.createSymbolicLink(link, target);
        assertExplains(refused(link), link, "is a symbolic link (to " + target + ")");
        assertTrue(Files.isSymbolicLink(link));
        assertArrayEquals(PRECIOUS, Files.readAllBytes(target));
    }

    @Test
    void refusesADanglingSymbolicLink() throws IOException {
        Path link = dir.resolve("tbctl-dangling.sock");
        Files.createSymbolicLink(link, dir.resolve("tbctl-nowhere"));
        assertExplains(refused(link), link, "is a symbolic link");
        assertTrue(Files.isSymbolicLink(link));
        assertTrue(!Files.exists(dir.resolve("tbctl-nowhere")), "nothing created through the link");
    }

    @Test
    void closingDoesNotDeleteWhatReplacedTheSocket() throws IOException {
        Path path = dir.resolve("tbctl-replaced.sock");
        ControlServer server = ControlServer.bind(path, request -> "x\n");
        server.start();
        Files.delete(path);
        Files.write(path, PRECIOUS);
        server.close();
        assertArrayEquals(PRECIOUS, Files.readAllBytes(path));
    }

    @Test
    void bindsAFreshPathAsASocket() throws IOException {
        Path path = dir.resolve("sub").resolve("tbctl-fresh.sock");
        ControlServer server = ControlServer.bind(path, request -> "x\n");
        try {
            assertEquals(null, ControlServer.notASocket(path));
            assertTrue(Files.exists(path, LinkOption.NOFOLLOW_LINKS));
        } finally {
            server.close();
        }
    }
}
