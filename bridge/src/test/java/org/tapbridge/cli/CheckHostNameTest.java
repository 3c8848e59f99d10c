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

/**
 * Issue 11, defect 5: `check` (and `run`, which loads the same way) exited 2 when a peer's host name did
 * not resolve at that moment. The name here ends in {@code .invalid} (RFC 6761): no resolver answers it.
 */
class CheckHostNameTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private Path site(String endpoint) throws Exception {
        Path key = TestKeys.generate().writePrivate(dir.resolve("paris.key"));
        Path file = dir.resolve("paris.toml");
        Files.writeString(file, "[site]\nname = \"paris\"\ntap = \"tap0\"\nprivate-key-file = \"" + key + "\"\n"
                + "[[peer]]\nname = \"berlin\"\npublic-key = \"" + TestKeys.generate().publicBase64() + "\"\n"
                + "endpoint = \"" + endpoint + "\"\n");
        return file;
    }

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void checkAcceptsAPeerHostNameThatDoesNotResolveNow() throws Exception {
        Path file = site("gw.berlin.invalid:4790");
        assertEquals(0, run("check", "--config", file.toString()), err.toString());
        assertTrue(out.toString().contains("ok: site paris"), out.toString());
    }

    @Test
    void checkRejectsAMalformedHostNameWithFileAndLine() throws Exception {
        Path file = site("gw_berlin.invalid:4790");
        assertEquals(2, run("check", "--config", file.toString()));
        assertTrue(err.toString().contains(file + ":8: peer[1].endpoint: 'gw_berlin.invalid' in "
                + "'gw_berlin.invalid:4790' is not a host name"), err.toString());
    }
}
