package org.tapbridge.integration;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.tapbridge.testing.Netns;

/** A tapbridge daemon run as its own JVM inside a gateway namespace; stopped by PID on close. */
final class DaemonProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private DaemonProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** The JVM and classpath of this test run, so the daemon runs exactly the code under test. */
    static List<String> javaCommand(String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        // C1 only, for quick starts of many short-lived daemons; the warm-up, which exists to get C2's code
        // in place, would only slow them down here (WarmUpTest covers it; docs/benchmarks measures its effect).
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dtapbridge.warm-up=false", "-cp", classpath, "org.tapbridge.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static DaemonProcess start(Netns ns, Path config, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ns.inside()));
        // SIGHUP as a service manager would leave it, even when the suite runs under nohup (which would
        // leave it ignored, and the daemon would then warn and not reload on kill -HUP).
        cmd.addAll(List.of("env", "--default-signal=HUP"));
        cmd.addAll(javaCommand("run", "--config", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        return new DaemonProcess(pb.start(), log);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGKILL: the daemon gets no chance to say goodbye, as in a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    /** SIGTERM, then SIGKILL if it does not stop within 5 s; returns the exit status. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
