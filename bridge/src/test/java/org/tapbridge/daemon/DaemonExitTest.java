package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.TestKeys;

/**
 * Issue 11, defects 3 and 6, on the real daemon: {@code tapbridge run} in its own JVM inside a network namespace
 * ({@code tbrb*}) with a TAP of its own, faults injected through {@link FaultyRun}. Whatever dies (the data
 * path, the control thread, the TAP), the process must exit non-zero within a bound, for systemd to restart
 * it; a site that cannot fit its direct memory must exit 2 with the settings to change.
 */
class DaemonExitTest {
    private static final Pattern INJECTED = Pattern.compile("FAULT-INJECTED-AT-MS (\\d+)");
    /** The main thread looks every 250 ms; the rest is the shutdown hook closing the site. */
    private static final long EXIT_BOUND_MS = 3_000;

    @TempDir
    Path dir;

    private Netns ns;
    private String tap;
    private Process daemon;
    private Path log;
    private String test;

    @BeforeEach
    void name(TestInfo info) {
        test = info.getDisplayName();
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroyForcibly();
            daemon.waitFor(10, TimeUnit.SECONDS);
        }
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void exitsNonZeroSoonAfterAnErrorKillsTheDataPathThread() throws Exception {
        start("datapath-error", List.of(), "");
        long injectedMs = awaitInjection();
        int status = awaitExit(injectedMs + EXIT_BOUND_MS);
        assertEquals(1, status, log());
        assertTrue(log().contains("NoSuchMethodError: injected by FaultyRun"), log());
    }

    @Test
    void exitsNonZeroSoonAfterAnErrorKillsTheControlThread() throws Exception {
        start("control-error", List.of(), "");
        awaitStarted();
        try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            client.connect(UnixDomainSocketAddress.of(dir.resolve("exit.sock")));
            client.write(ByteBuffer.wrap("stats\n".getBytes(StandardCharsets.US_ASCII)));
            long injectedMs = awaitInjection();
            int status = awaitExit(injectedMs + EXIT_BOUND_MS);
            assertEquals(1, status, log());
            assertTrue(log().contains("thread 'control' died: java.lang.StackOverflowError: injected by FaultyRun"),
                    log());
        }
    }

    @Test
    void exitsNonZeroWhenTheDataPathStaysStuck() throws Exception {
        start("datapath-stall", List.of(), "");
        long injectedMs = awaitInjection();
        int status = awaitExit(injectedMs + Daemon.STALL_FAILURE_NS / 1_000_000 + EXIT_BOUND_MS + 1_000);
        long exitedAfterMs = System.currentTimeMillis() - injectedMs;
        assertEquals(1, status, log());
        assertTrue(exitedAfterMs >= Daemon.STALL_FAILURE_NS / 1_000_000, exitedAfterMs + " ms\n" + log());
        assertTrue(log().contains("the data-path loop has not turned for"), log());
    }

    @Test
    void exitsNonZeroWithinSecondsOfItsTapBeingDeleted() throws Exception {
        start("none", List.of(), "");
        awaitStarted();
        ns.run("ip", "link", "del", tap);
        long deletedMs = System.currentTimeMillis();
        int status = awaitExit(deletedMs + EXIT_BOUND_MS);
        assertEquals(1, status, log());
        assertTrue(log().contains("the kernel reports an error on TAP " + tap), log());
    }

    @Test
    void refusesToStartWithExit2WhenItsDirectMemoryExceedsTheJvmLimit() throws Exception {
        // MTU 65000: 16 MB of ring and 16 MB of send batch, whatever offloads the kernel grants.
        start("none", List.of("-XX:MaxDirectMemorySize=8m"), "mtu = 65000\noffloads = false\n");
        int status = awaitExit(System.currentTimeMillis() + 60_000);
        assertEquals(2, status, log());
        System.out.println(log());
        assertTrue(log().contains("of direct memory (frame ring (256 slots of 65088 B) 15.9 MiB, UDP send batch"),
                log());
        assertTrue(log().contains("more than the JVM's limit of 8.0 MiB (-XX:MaxDirectMemorySize)"), log());
        assertTrue(log().contains("TAPBRIDGE_DIRECT_MEMORY="), log());
        assertTrue(!log().contains("OutOfMemoryError"), log());
    }

    private void start(String fault, List<String> jvmOptions, String siteLines) throws IOException {
        ns = Netns.createWithPrefix("tbrb", "exit");
        tap = Netns.deviceName("tbrb", "t");
        ns.run("ip", "tuntap", "add", "dev", tap, "mode", "tap");
        ns.run("ip", "link", "set", tap, "up");
        TestKeys own = TestKeys.generate();
        own.writePrivate(dir.resolve("exit.key"));
        Path config = dir.resolve("exit.toml");
        Files.writeString(config, "[site]\nname = \"exit\"\ntap = \"" + tap + "\"\nlisten = \"127.0.0.1:4790\"\n"
                + "control-socket = \"" + dir.resolve("exit.sock") + "\"\n"
                + "private-key-file = \"" + dir.resolve("exit.key") + "\"\n" + siteLines
                // Never reached: the namespace has no route there, so nothing leaves it.
                + "\n[[peer]]\nname = \"far\"\nendpoint = \"198.18.0.2:4790\"\ntransport = \"udp\"\n"
                + "public-key = \"" + TestKeys.generate().publicBase64() + "\"\n");
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(ns.inside()));
        cmd.addAll(List.of(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-Dtapbridge.warm-up=false", "-cp", classpath, FaultyRun.class.getName(), fault,
                "run", "--config", config.toString()));
        log = dir.resolve("exit.log");
        daemon = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    /** Until the site's threads run: its last start-up line is logged after they started. */
    private void awaitStarted() throws InterruptedException {
        long deadlineMs = System.currentTimeMillis() + 30_000;
        while (!log().contains("offloads:")) {
            if (!daemon.isAlive() || System.currentTimeMillis() > deadlineMs) {
                fail("the daemon did not start (alive=" + daemon.isAlive() + "):\n" + log());
            }
            Thread.sleep(50);
        }
    }

    private long awaitInjection() throws InterruptedException {
        long deadlineMs = System.currentTimeMillis() + 30_000;
        while (true) {
            Matcher m = INJECTED.matcher(log());
            if (m.find()) {
                return Long.parseLong(m.group(1));
            }
            if (System.currentTimeMillis() > deadlineMs) {
                fail("the fault was not injected within 30 s (alive=" + daemon.isAlive() + "):\n" + log());
            }
            Thread.sleep(20);
        }
    }

    /** The exit status, failing if the process is still alive at {@code deadlineMs} (epoch). */
    private int awaitExit(long deadlineMs) throws InterruptedException {
        long leftMs = Math.max(0, deadlineMs - System.currentTimeMillis());
        if (!daemon.waitFor(leftMs, TimeUnit.MILLISECONDS)) {
            fail("still running " + leftMs + " ms later; log:\n" + log());
        }
        System.out.printf("%s: exit %d, %d ms before the deadline%n", test, daemon.exitValue(),
                deadlineMs - System.currentTimeMillis());
        return daemon.exitValue();
    }

    private String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
