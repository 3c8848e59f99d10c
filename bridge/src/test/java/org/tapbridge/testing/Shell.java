package org.tapbridge.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short external commands for tests, with a time bound, and reports their output on failure. */
public final class Shell {
    private static final long DEFAULT_TIMEOUT_SECONDS = 60;

    private Shell() {
    }

    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs the command and throws, with its output, unless it exits 0. */
    public static String run(String... command) {
        Result r = exec(DEFAULT_TIMEOUT_SECONDS, command);
        if (!r.ok()) {
            throw new AssertionError("command failed (exit " + r.exitCode() + "): " + String.join(" ", command)
                    + "\nstdout: " + r.stdout() + "\nstderr: " + r.stderr());
        }
        return r.stdout();
    }

    /** Runs the command, ignoring its exit status: for teardown. */
    public static Result quiet(String... command) {
        return exec(DEFAULT_TIMEOUT_SECONDS, command);
    }

    public static Result exec(long timeoutSeconds, String... command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        try {
            File out = File.createTempFile("tb-shell", ".out");
            File err = File.createTempFile("tb-shell", ".err");
            try {
                pb.redirectOutput(out).redirectError(err).redirectInput(ProcessBuilder.Redirect.PIPE);
                Process p = pb.start();
                p.getOutputStream().close();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    return new Result(124, read(out), read(err) + "\n(timed out after " + timeoutSeconds + " s)");
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
            throw new AssertionError("interrupted while running " + String.join(" ", command), e);
        }
    }

    public static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (new File(dir, command).canExecute()) {
                return true;
            }
        }
        for (String dir : List.of("/usr/sbin", "/sbin")) {
            if (new File(dir, command).canExecute()) {
                return true;
            }
        }
        return false;
    }

    static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    private static String read(File f) throws IOException {
        return new String(java.nio.file.Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8);
    }
}
