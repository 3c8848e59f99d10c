package org.tapbridge.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** {@code promtool check metrics}: Prometheus's own linter of the exposition format (Debian package prometheus). */
public final class Promtool {
    private Promtool() {
    }

    /** Skips outside CI without promtool, fails inside it (as every required tool does). */
    public static void require() {
        Privileges.requireCommand("promtool", "prometheus");
    }

    /** Fails with promtool's complaints unless {@code exposition} passes {@code promtool check metrics}. */
    public static void assertValid(String exposition) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool did not finish in 30 s");
        }
        assertEquals(0, p.exitValue(), "promtool check metrics found problems:\n" + out + "\n--- in:\n" + exposition);
    }
}
