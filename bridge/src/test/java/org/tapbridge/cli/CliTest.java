package org.tapbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes and messages of the command line: 0 ok, 1 failed, 2 usage or configuration. */
class CliTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void checkExitsZeroForAValidConfig() throws Exception {
        Path file = dir.resolve("paris.toml");
        Files.writeString(file, "[site]\nname = \"paris\"\ntap = \"tap0\"\n[[peer]]\nname = \"berlin\"\n");
        assertEquals(0, run("check", "--config", file.toString()), err.toString());
        assertTrue(out.toString().contains("ok: site paris"), out.toString());
    }

    @Test
    void checkExitsTwoAndNamesFileLineAndKeyForABadConfig() throws Exception {
        Path file = dir.resolve("paris.toml");
        Files.writeString(file, "[site]\nname = \"paris\"\ntap = \"tap0\"\n[switch]\nmac-table-limit = 0\n");
        assertEquals(2, run("check", "--config", file.toString()));
        assertTrue(err.toString().contains(file + ":5: switch.mac-table-limit: mac-table-limit=0 < 1"),
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
    void socketAndConfigCannotBeGivenTogether() {
        assertEquals(2, run("peers", "--socket", "/x.sock", "--config", "/x.toml"));
    }
}
