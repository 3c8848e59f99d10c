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

/** {@code tapbridge check} with a {@code [metrics]} table: where it will be served, or the located error (exit 2). */
class MetricsCheckTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private Path site(String metrics) throws Exception {
        Path key = TestKeys.generate().writePrivate(dir.resolve("paris.key"));
        Path file = dir.resolve("paris.toml");
        Files.writeString(file, "[site]\nname = \"paris\"\ntap = \"tap0\"\nprivate-key-file = \"" + key + "\"\n"
                + metrics);
        return file;
    }

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void checkShowsWhereMetricsWillBeServed() throws Exception {
        Path file = site("\n[metrics]\nlisten = \"[::1]:9477\"\n");
        assertEquals(0, run("check", "--config", file.toString()), err.toString());
        assertTrue(out.toString().contains(
                "ok: site paris, tap tap0, 0 peer(s), metrics at http://[0:0:0:0:0:0:0:1]:9477/metrics"),
                out.toString());
    }

    @Test
    void checkSaysNothingOfMetricsWithoutTheTable() throws Exception {
        Path file = site("");
        assertEquals(0, run("check", "--config", file.toString()), err.toString());
        assertTrue(!out.toString().contains("metrics"), out.toString());
    }

    @Test
    void checkExitsTwoAndLocatesABadMetricsAddress() throws Exception {
        Path file = site("\n[metrics]\nlisten = \"127.0.0.1:0\"\n");
        assertEquals(2, run("check", "--config", file.toString()));
        assertTrue(err.toString().contains(file + ":7: metrics.listen: port 0 in '127.0.0.1:0' is outside 1..65535"),
                err.toString());
    }
}
