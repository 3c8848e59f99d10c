package org.tapbridge.ops;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.tapbridge.testing.Netns;

/**
 * A tapbridge JVM run in a gateway namespace as uid/gid 65534 (nobody) with no capabilities, the way
 * tapbridge@.service runs it; stopped by PID on close. Owned by the test thread.
 */
final class NobodyDaemon implements AutoCloseable {
    static final int NOBODY = 65534;

    /** The mode udev gives /dev/net/tun on a normal system; the host's is 0600 here. */
    static final String TUN_MODE_UDEV = "0666";

    /**
     * Runs in the namespace: a private mount namespace whose /dev/net/tun is our own node with mode $2
     * (the host's node is never touched), then setpriv drops to nobody, clears every capability set and
     * execs the JVM, so that the JVM is the process we started and hold the PID of.
     */
    private static final String PRIVATE_TUN_THEN_DROP = "set -e; mount -t tmpfs -o mode=0755,size=64k tbtun \"$1\";"
            + " mknod -m \"$2\" \"$1/tun\" c 10 200; mount --bind \"$1/tun\" /dev/net/tun; shift 2;"
            + " exec setpriv --reuid=" + NOBODY + " --regid=" + NOBODY + " --clear-groups --inh-caps=-all"
            + " --bounding-set=-all --no-new-privs \"$@\"";

    private final Process process;
    private final Path log;

    private NobodyDaemon(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Copies this test run's classpath (surefire's, under /root where nobody may not look) into
     * {@code libDir} with modes 0755/0644, and returns the classpath over the copies.
     */
    static String readableClasspath(Path libDir) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> copies = new ArrayList<>();
        int n = 0;
        try {
            Files.createDirectories(libDir);
            openUp(libDir);
            for (String entry : classpath.split(File.pathSeparator)) {
                Path source = Path.of(entry);
                if (!Files.exists(source)) {
                    continue;
                }
                Path target = libDir.resolve(String.format("%03d-%s", n++, source.getFileName()));
                copyReadable(source, target);
                copies.add(target.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the classpath into " + libDir, e);
        }
        return String.join(File.pathSeparator, copies);
    }

    private static void copyReadable(Path source, Path target) throws IOException {
        if (!Files.isDirectory(source)) {
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
            openUp(target);
            return;
        }
        try (Stream<Path> tree = Files.walk(source)) {
            for (Path p : (Iterable<Path>) tree::iterator) {
                Path t = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
                openUp(t);
            }
        }
    }

    /** 0755 for directories, 0644 for files: readable by nobody, writable by root only. */
    static void openUp(Path p) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
    }

    /**
     * Starts {@code tapbridge run --config config} as nobody in {@code ns}. {@code tunMount} is an empty
     * directory the private /dev/net/tun node is made in (a tmpfs over it, visible only to the daemon).
     */
    static NobodyDaemon start(Netns ns, String classpath, Path config, Path tunMount, Path log,
                              Map<String, String> environment) throws IOException {
        return start(ns, classpath, config, tunMount, TUN_MODE_UDEV, log, environment);
    }

    /** As above, with the private /dev/net/tun node made with {@code tunMode} (octal, as for chmod). */
    static NobodyDaemon start(Netns ns, String classpath, Path config, Path tunMount, String tunMode, Path log,
                              Map<String, String> environment) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(ns.inside("unshare", "--mount", "--propagation", "private",
                "sh", "-c", PRIVATE_TUN_THEN_DROP, "sh", tunMount.toString(), tunMode)));
        cmd.addAll(List.of(java, "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                "-cp", classpath, "org.tapbridge.cli.Main", "run", "--config", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(environment);
        return new NobodyDaemon(pb.start(), log);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the exit; returns the status, or -1 if still running after the timeout. */
    int awaitExit(long timeoutSeconds) throws InterruptedException {
        return process.waitFor(timeoutSeconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    /** SIGTERM to the JVM (the PID we started: every wrapper exec'd into it). */
    void terminate() {
        process.destroy();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, then SIGKILL after a generous 20 s (two shared cores: JVM shutdown can be slow). */
    @Override
    public void close() {
        try {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
