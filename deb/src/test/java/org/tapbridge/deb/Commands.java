package org.tapbridge.deb;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Debian tools the package tests need, with a time bound, and gates on their presence: a
 * missing tool skips a developer's run and fails CI's (CI=true). (This module cannot see bridge's test
 * helpers, which are not published as a test jar.)
 */
final class Commands {
    private static final long TIMEOUT_SECONDS = 120;

    private Commands() {
    }

    record Result(int exitCode, String stdout, String stderr) {
        String both() {
            return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }
    }

    static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips outside CI, fails inside it. */
    static void require(boolean present, String why) {
        if (present) {
            return;
        }
        if (inCi()) {
            fail("CI=true but " + why);
        }
        assumeTrue(false, "skipped: " + why);
    }

    static void requireCommand(String command, String debianPackage) {
        require(onPath(command), "'" + command + "' is not installed (apt-get install " + debianPackage + ")");
    }

    static void requireRoot() {
        require("root".equals(System.getProperty("user.name")),
                "installing into a throwaway root needs root (dpkg sets owners), not " + System.getProperty("user.name"));
    }

    static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", command)) || Files.isExecutable(Path.of("/sbin", command));
    }

    /** Runs the command and returns its output; fails the test, with that output, unless it exits 0. */
    static String run(String... command) {
        Result r = exec(Map.of(), command);
        if (r.exitCode() != 0) {
            fail(String.join(" ", command) + ": " + r.both());
        }
        return r.stdout();
    }

    static Result exec(String... command) {
        return exec(Map.of(), command);
    }

    /** Runs the command with extra environment variables (a null value removes one). */
    static Result exec(Map<String, String> env, String... command) {
        ProcessBuilder pb = new ProcessBuilder(List.of(command));
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        pb.environment().putIfAbsent("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        try {
            File out = File.createTempFile("tbdb-cmd", ".out");
            File err = File.createTempFile("tbdb-cmd", ".err");
            try {
                pb.redirectOutput(out).redirectError(err).redirectInput(ProcessBuilder.Redirect.PIPE);
                Process p = pb.start();
                p.getOutputStream().close();
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    return new Result(124, read(out), read(err) + "\n(timed out after " + TIMEOUT_SECONDS + " s)");
                }
                return new Result(p.exitValue(), read(out), read(err));
            } finally {
                out.delete();
                err.delete();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        }
    }

    private static String read(File f) throws IOException {
        return Files.readString(f.toPath(), StandardCharsets.UTF_8);
    }
}
