package org.tapbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.testing.TestKeys;

/** Exit codes and messages of the command line: 0 ok, 1 failed, 2 usage or configuration. */
class CliTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** A site file with a valid key file beside it, plus {@code extra} lines. */
    private Path site(String name, String extra) throws Exception {
        Path key = TestKeys.generate().writePrivate(dir.resolve(name + ".key"));
        Path file = dir.resolve(name + ".toml");
        Files.writeString(file, "[site]\nname = \"" + name + "\"\ntap = \"tap0\"\nprivate-key-file = \"" + key
                + "\"\n" + extra);
        return file;
    }

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void checkExitsZeroForAValidConfig() throws Exception {
        Path file = site("paris", "[[peer]]\nname = \"berlin\"\npublic-key = \""
                + TestKeys.generate().publicBase64() + "\"\n");
        assertEquals(0, run("check", "--config", file.toString()), err.toString());
        assertTrue(out.toString().contains("ok: site paris"), out.toString());
    }

    @Test
    void checkExitsTwoAndNamesFileLineAndKeyForABadConfig() throws Exception {
        Path file = site("paris", "[switch]\nmac-table-limit = 0\n");
        assertEquals(2, run("check", "--config", file.toString()));
        assertTrue(err.toString().contains(file + ":6: switch.mac-table-limit: mac-table-limit=0 < 1"),
                err.toString());
    }

    @Test
    void runExitsTwoForABadConfigBeforeTouchingAnyDevice() throws Exception {
        Path file = dir.resolve("bad.toml");
        Files.writeString(file, "[site]\nname = \"paris\"\n");
        assertEquals(2, run("run", "--config", file.toString()));
        assertTrue(err.toString().contains("site.tap: required key is missing"), err.toString());
    }

    @Test
    void anUnknownSubcommandIsAUsageError() {
        assertEquals(2, run("frobnicate"));
        assertTrue(err.toString().contains("frobnicate"), err.toString());
    }

    @Test
    void checkWithoutConfigIsAUsageError() {
        assertEquals(2, run("check"));
        assertTrue(err.toString().contains("--config"), err.toString());
    }

    @Test
    void queryingASocketWithNoDaemonFailsWithAHint() {
        Path socket = dir.resolve("none.sock");
        assertEquals(1, run("macs", "--socket", socket.toString()));
        assertTrue(err.toString().contains("no control socket at " + socket), err.toString());
        assertTrue(err.toString().contains("is the daemon running?"), err.toString());
    }

    @Test
    void reloadOfAnInvalidFileExitsTwoWithFileLineAndKeyAndSendsNothing() throws Exception {
        Path file = site("paris", "[switch]\nmac-table-limit = 0\n");
        assertEquals(2, run("reload", "--config", file.toString()));
        assertTrue(err.toString().contains(file + ":6: switch.mac-table-limit: mac-table-limit=0 < 1"),
                err.toString());
        assertTrue(err.toString().contains("nothing was sent; the running configuration stays"), err.toString());
    }

    @Test
    void reloadWithNoDaemonFailsWithAHint() throws Exception {
        Path file = site("paris", "control-socket = \"" + dir.resolve("none.sock") + "\"\n");
        assertEquals(1, run("reload", "--config", file.toString()));
        assertTrue(err.toString().contains("no control socket at " + dir.resolve("none.sock")), err.toString());
    }

    @Test
    void socketAndConfigCannotBeGivenTogether() {
        assertEquals(2, run("peers", "--socket", "/x.sock", "--config", "/x.toml"));
    }
    @Test
    void checkRefusesAKeyFileThatOthersCanRead() throws Exception {
        Path file = site("paris", "");
        Path key = dir.resolve("paris.key");
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(2, run("check", "--config", file.toString()));
        assertTrue(err.toString().contains("site.private-key-file"), err.toString());
        assertTrue(err.toString().contains("chmod 600 " + key), err.toString());
    }

    @Test
    void genkeyThenPubkeyPrintsTheMatchingPublicKey() throws Exception {
        assertEquals(0, run("genkey"));
        String privateKey = out.toString().strip();
        assertEquals(44, privateKey.length(), privateKey);
        PubKeyCommand pubkey = new PubKeyCommand();
        pubkey.in = new java.io.ByteArrayInputStream((privateKey + "\n").getBytes());
        StringWriter pubOut = new StringWriter();
        int status = new picocli.CommandLine(pubkey).setOut(new PrintWriter(pubOut, true)).execute();
        assertEquals(0, status);
        byte[] expected = org.tapbridge.crypto.Keys.publicFromPrivate(
                org.tapbridge.crypto.Keys.parsePrivate(privateKey, "test"));
        assertEquals(org.tapbridge.crypto.Keys.encode(expected), pubOut.toString().strip());
    }

    @Test
    void pubkeyRejectsGarbageOnStdin() {
        PubKeyCommand pubkey = new PubKeyCommand();
        pubkey.in = new java.io.ByteArrayInputStream("not a key".getBytes());
        StringWriter pubErr = new StringWriter();
        int status = new picocli.CommandLine(pubkey).setErr(new PrintWriter(pubErr, true)).execute();
        assertEquals(2, status);
        assertTrue(pubErr.toString().contains("the private key on stdin"), pubErr.toString());
    }
}
