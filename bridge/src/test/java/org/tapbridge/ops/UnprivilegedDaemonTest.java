package org.tapbridge.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.tapbridge.systemd.NotifyListener;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;
import org.tapbridge.testing.TestKeys;

/**
 * Issue 4: two sites whose gateways were prepared by setup-bridge.sh, each daemon running as nobody
 * with no capabilities (as tapbridge@.service runs it), carry a LAN ping both ways, and talk sd_notify
 * to a real notify socket. The tests share one testbed and run in order: the last one stops site a.
 *
 * <pre>
 *  host-a eth0 192.0.2.11 -- lan0 [br0] tap0 (gw-a) wan0 198.18.0.1 ---- wan0 198.18.0.2 (gw-b) tap0 [br0] lan0 -- eth0 192.0.2.12 host-b
 * </pre>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UnprivilegedDaemonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PORT = 4790;
    /** Generous: two shared cores, a JVM start and a handshake each. */
    private static final long START_TIMEOUT_SECONDS = 120;
    private static final long WATCHDOG_USEC = 2_000_000;

    private record Site(String name, int index, Netns host, Netns gateway, Path config, Path socket) {
        String hostIp() {
            return "192.0.2." + (10 + index);
        }

        String wanIp() {
            return "198.18.0." + index;
        }
    }

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final Map<String, Site> sites = new LinkedHashMap<>();
    private final Map<String, NobodyDaemon> daemons = new LinkedHashMap<>();
    private final Map<String, NotifyListener> notifies = new LinkedHashMap<>();
    private Path dir;
    private String classpath;
    private String hostTunModeBefore;

    /** What was true the moment site a's READY=1 arrived. */
    private String udpListenersAtReady;
    private boolean controlSocketExistedAtReady;
    private String readyMessage;

    @BeforeAll
    void twoSitesPreparedBySetupBridgeWithDaemonsRunningAsNobody() throws Exception {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("jq", "jq");
        Privileges.requireCommand("setpriv", "util-linux");
        Privileges.requireCommand("unshare", "util-linux");
        Privileges.requireCommand("ss", "iproute2");
        Privileges.requireCommand("ping", "iputils-ping");
        hostTunModeBefore = Shell.run("stat", "-c", "%a %u %g", "/dev/net/tun");
        dir = Files.createTempDirectory("tb-nobody");
        NobodyDaemon.openUp(dir);
        // No try/catch: @AfterAll runs even when this fails half-way, and removes what exists by then.
        classpath = NobodyDaemon.readableClasspath(dir.resolve("lib"));
        Map<String, TestKeys> keys = new LinkedHashMap<>();
        for (String name : List.of("a", "b")) {
            Site s = addSite(name, sites.size() + 1);
            sites.put(name, s);
            keys.put(name, TestKeys.generate());
        }
        sites.get("a").gateway().vethTo(sites.get("b").gateway(), "wan0", "wan0");
        for (Site s : sites.values()) {
            s.gateway().run("ip", "addr", "add", s.wanIp() + "/24", "dev", "wan0");
            writeConfig(s, keys);
        }
        // Site a alone first, so that nothing but its own start-up can be behind its READY=1.
        start("a");
        NotifyListener.Message ready = awaitMessage("a", m -> m.startsWith("READY=1"), START_TIMEOUT_SECONDS);
        udpListenersAtReady = sites.get("a").gateway().run("ss", "-H", "-u", "-l", "-n");
        controlSocketExistedAtReady = Files.exists(sites.get("a").socket());
        readyMessage = ready.text();
        start("b");
        awaitMessage("b", m -> m.startsWith("READY=1"), START_TIMEOUT_SECONDS);
    }

    private Site addSite(String name, int index) throws IOException {
        Netns host = register(Netns.create("h" + name));
        Netns gw = register(Netns.create("g" + name));
        host.vethTo(gw, "eth0", "lan0");
        host.run("ip", "addr", "add", "192.0.2." + (10 + index) + "/24", "dev", "eth0");
        Path stateDir = Files.createDirectories(dir.resolve(name + "-setup-state"));
        Shell.Result setup = gw.exec(60, Repo.path("scripts/setup-bridge.sh"), "--lan-if", "lan0", "--bridge", "br0",
                "--tap", "tap0", "--user", "nobody", "--state-dir", stateDir.toString());
        if (!setup.ok()) {
            fail("setup-bridge.sh in gateway " + name + " exited " + setup.exitCode() + "\n" + setup.stdout()
                    + setup.stderr());
        }
        Path run = Files.createDirectories(dir.resolve(name + "-run"));
        NobodyDaemon.openUp(run);
        // The daemon creates its control socket here, as in /run/tapbridge (owned by the service user).
        Shell.run("chown", NobodyDaemon.NOBODY + ":" + NobodyDaemon.NOBODY, run.toString());
        return new Site(name, index, host, gw, dir.resolve(name + ".toml"), run.resolve(name + ".sock"));
    }

    private void writeConfig(Site s, Map<String, TestKeys> keys) throws IOException {
        Path key = keys.get(s.name()).writePrivate(dir.resolve(s.name() + ".key"));
        Shell.run("chown", NobodyDaemon.NOBODY + ":" + NobodyDaemon.NOBODY, key.toString());
        StringBuilder toml = new StringBuilder("[site]\nname = \"" + s.name() + "\"\ntap = \"tap0\"\n"
                + "listen = \"" + s.wanIp() + ":" + PORT + "\"\ncontrol-socket = \"" + s.socket() + "\"\n"
                + "private-key-file = \"" + key + "\"\n");
        for (Site p : sites.values()) {
            if (p != s) {
                toml.append("\n[[peer]]\nname = \"").append(p.name()).append("\"\nendpoint = \"").append(p.wanIp())
                        .append(':').append(PORT).append("\"\ntransport = \"udp\"\npublic-key = \"")
                        .append(keys.get(p.name()).publicBase64()).append("\"\n");
            }
        }
        Files.writeString(s.config(), toml);
        NobodyDaemon.openUp(s.config());
    }

    private void start(String name) throws IOException {
        Site s = sites.get(name);
        NotifyListener notify = NotifyListener.onPath();
        notifies.put(name, notify);
        Path tunMount = Files.createDirectories(dir.resolve(name + "-tun"));
        daemons.put(name, NobodyDaemon.start(s.gateway(), classpath, s.config(), tunMount,
                dir.resolve(name + ".log"), Map.of("NOTIFY_SOCKET", notify.notifySocket(),
                        "WATCHDOG_USEC", Long.toString(WATCHDOG_USEC))));
    }

    private NotifyListener.Message awaitMessage(String name, java.util.function.Predicate<String> wanted,
                                                long timeoutSeconds) throws IOException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadlineNs) {
            NotifyListener.Message m = notifies.get(name).receive(200);
            if (m != null) {
                if (wanted.test(m.text())) {
                    return m;
                }
                seen.add(m.text());
            } else if (!daemons.get(name).isAlive()) {
                fail("daemon " + name + " exited; notify messages " + seen + "\n" + daemons.get(name).log());
            }
        }
        throw new AssertionError("daemon " + name + ": no wanted notify message within " + timeoutSeconds
                + " s; got " + seen + "\n" + daemons.get(name).log());
    }

    private <T extends AutoCloseable> T register(T resource) {
        cleanup.add(resource);
        return resource;
    }

    @AfterAll
    void tearDown() throws IOException {
        // Daemons first (by PID): a process inside a namespace keeps its devices alive.
        for (NobodyDaemon d : daemons.values()) {
            d.close();
        }
        for (NotifyListener n : notifies.values()) {
            n.close();
        }
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            try {
                cleanup.get(i).close();
            } catch (Exception ignored) {
                // Keep tearing down the rest.
            }
        }
        if (dir != null && Files.exists(dir)) {
            try (Stream<Path> tree = Files.walk(dir)) {
                for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        if (hostTunModeBefore != null) {
            assertEquals(hostTunModeBefore, Shell.run("stat", "-c", "%a %u %g", "/dev/net/tun"),
                    "the host's /dev/net/tun was left as it was");
        }
    }

    @Test
    @Order(1)
    void readySaysSoOnlyOnceTheUdpPortIsBoundAndTheControlSocketExists() {
        assertTrue(boundUdp(udpListenersAtReady, sites.get("a").wanIp(), PORT),
                "UDP " + sites.get("a").wanIp() + ":" + PORT + " bound when READY=1 arrived: " + udpListenersAtReady);
        assertTrue(controlSocketExistedAtReady, "control socket existed when READY=1 arrived");
        assertTrue(readyMessage.contains("STATUS=peers up 0/1"), "READY carries the first status: " + readyMessage);
    }

    /** Whether {@code ss -H -u -l -n} lists a socket bound to ip:port (the JVM binds an IPv6 socket, v4-mapped). */
    private static boolean boundUdp(String ssOutput, String ip, int port) {
        for (String line : ssOutput.split("\n")) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length >= 5) {
                String local = columns[3];
                if (local.equals(ip + ":" + port) || local.equals("[::ffff:" + ip + "]:" + port)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    @Order(2)
    void theDaemonRunsAsNobodyWithNoCapabilities() throws IOException {
        for (Map.Entry<String, NobodyDaemon> e : daemons.entrySet()) {
            long pid = e.getValue().pid();
            // The PID we hold must be the JVM itself, or the status below would describe a wrapper.
            assertEquals("java", Files.readString(Path.of("/proc/" + pid + "/comm")).trim(), "site " + e.getKey());
            Map<String, String> status = procStatus(pid);
            String nobody = NobodyDaemon.NOBODY + "\t" + NobodyDaemon.NOBODY + "\t" + NobodyDaemon.NOBODY + "\t"
                    + NobodyDaemon.NOBODY;
            assertEquals(nobody, status.get("Uid"), "real, effective, saved and fs uid of site " + e.getKey());
            assertEquals(nobody, status.get("Gid"), "gids of site " + e.getKey());
            assertEquals("", status.get("Groups"), "no supplementary groups, site " + e.getKey());
            for (String set : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
                assertEquals(0L, Long.parseLong(status.get(set), 16), set + " of site " + e.getKey());
            }
        }
    }

    private static Map<String, String> procStatus(long pid) throws IOException {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }

    @Test
    @Order(3)
    void peersShowsTheOtherSiteUpOnBothSides() throws Exception {
        for (Site s : sites.values()) {
            String other = s.name().equals("a") ? "b" : "a";
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
            String last = "";
            while (true) {
                Shell.Result r = cli("peers", "--socket", s.socket().toString(), "--json");
                last = r.stdout() + r.stderr();
                JsonNode peer = r.ok() ? findPeer(JSON.readTree(r.stdout()), other) : null;
                if (peer != null && "up".equals(peer.path("state").asText())) {
                    assertEquals("established", peer.path("session").asText(), last);
                    break;
                }
                if (System.nanoTime() > deadlineNs) {
                    fail("site " + s.name() + ": peer " + other + " not up within " + START_TIMEOUT_SECONDS + " s: "
                            + last + "\n" + logs());
                }
                Thread.sleep(300);
            }
        }
    }

    /** The object describing peer {@code name}, wherever the report nests it. */
    private static JsonNode findPeer(JsonNode node, String name) {
        if (node.isObject() && name.equals(node.path("name").asText()) && node.has("state")) {
            return node;
        }
        for (JsonNode child : node) {
            JsonNode found = findPeer(child, name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    @Test
    @Order(4)
    void lanHostsPingEachOtherBothWays() throws Exception {
        Site a = sites.get("a");
        Site b = sites.get("b");
        awaitPing(a, b);
        awaitPing(b, a);
    }

    private void awaitPing(Site from, Site to) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        Shell.Result r;
        do {
            r = from.host().exec(30, "ping", "-n", "-c", "1", "-W", "2", to.hostIp());
            if (r.ok()) {
                return;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadlineNs);
        fail("host " + from.name() + " cannot ping " + to.hostIp() + ": " + r.stdout() + r.stderr() + "\n" + logs());
    }

    @Test
    @Order(5)
    void watchdogPingsArriveAtHalfTheInterval() throws IOException {
        NotifyListener notify = notifies.get("a");
        // Queued messages carry the time they are read, not sent: drop them and time fresh ones only.
        while (notify.receive(0) != null) {
            // drained
        }
        List<Long> arrivalsNs = new ArrayList<>();
        long windowNs = TimeUnit.SECONDS.toNanos(8);
        long endNs = System.nanoTime() + windowNs;
        while (System.nanoTime() < endNs) {
            NotifyListener.Message m = notify.receive(Math.max(1, TimeUnit.NANOSECONDS.toMillis(endNs - System.nanoTime())));
            if (m != null && m.text().equals("WATCHDOG=1")) {
                arrivalsNs.add(m.arrivedNs());
            }
        }
        assertTrue(arrivalsNs.size() >= 5, "WATCHDOG=1 at least every second for 8 s: " + arrivalsNs.size()
                + " arrived\n" + logs());
        long periodNs = WATCHDOG_USEC * 1000 / 2;
        double meanGapNs = (double) (arrivalsNs.get(arrivalsNs.size() - 1) - arrivalsNs.get(0)) / (arrivalsNs.size() - 1);
        // A fixed-rate schedule catches up after a stall, so the mean holds even on a loaded machine.
        assertTrue(Math.abs(meanGapNs - periodNs) < periodNs / 5,
                "mean gap " + meanGapNs / 1e6 + " ms, expected about " + periodNs / 1e6 + " ms (WATCHDOG_USEC/2)");
        for (int i = 1; i < arrivalsNs.size(); i++) {
            long gapNs = arrivalsNs.get(i) - arrivalsNs.get(i - 1);
            assertTrue(gapNs < WATCHDOG_USEC * 1000, "gap " + gapNs / 1e6 + " ms: systemd would have killed the daemon");
        }
    }

    @Test
    @Order(6)
    void sigtermSendsStoppingAndExitsAsSystemdExpects() throws Exception {
        NobodyDaemon a = daemons.get("a");
        a.terminate();
        NotifyListener.Message stopping = awaitMessage("a", m -> m.equals("STOPPING=1"), 60);
        assertNotNull(stopping);
        // 143 = 128 + SIGTERM: tapbridge@.service lists it in SuccessExitStatus.
        assertEquals(143, a.awaitExit(60), "exit status after SIGTERM\n" + a.log());
    }

    @Test
    @Order(7)
    void refusesATapSetupBridgeDidNotCreateAndSaysWhatToDo() throws Exception {
        // Gateway b's namespace: setup-bridge.sh made tap0 there, not this name.
        Netns gw = sites.get("b").gateway();
        String tap = "tbnotap0";
        try (NobodyDaemon d = startAlone(gw, "notap", tap, NobodyDaemon.TUN_MODE_UDEV)) {
            int exit = d.awaitExit(START_TIMEOUT_SECONDS);
            String log = d.log();
            assertEquals(1, exit, "exit status 1 (failed) when the TAP cannot be opened\n" + log);
            assertTrue(log.contains("ioctl(TUNSETIFF) on " + tap + ": Operation not permitted"), log);
            assertTrue(log.contains("creating TAP " + tap + " needs CAP_NET_ADMIN"), log);
            assertTrue(log.contains("ip tuntap add dev " + tap + " mode tap user nobody"), log);
            assertTrue(log.contains("scripts/setup-bridge.sh"), log);
        }
        assertFalse(gw.exec(10, "ip", "link", "show", "dev", tap).ok(), "no TAP was created");
    }

    @Test
    @Order(8)
    void refusesATunNodeOnlyRootMayOpenAndSaysToCheckItsMode() throws Exception {
        // Gateway b's own tap0 this time, so that only the node's mode can stand in the way.
        try (NobodyDaemon d = startAlone(sites.get("b").gateway(), "closedtun", "tap0", "0600")) {
            int exit = d.awaitExit(START_TIMEOUT_SECONDS);
            String log = d.log();
            assertEquals(1, exit, "exit status 1 (failed) when /dev/net/tun cannot be opened\n" + log);
            assertTrue(log.contains("open(/dev/net/tun) on tap0: Permission denied"), log);
            assertTrue(log.contains("may not open /dev/net/tun (uid " + NobodyDaemon.NOBODY + ")"), log);
            assertTrue(log.contains("ls -l /dev/net/tun"), log);
        }
    }

    /** A daemon as nobody whose start is expected to fail; its only peer is never reached. */
    private NobodyDaemon startAlone(Netns gw, String name, String tap, String tunMode) throws IOException {
        Path config = dir.resolve(name + ".toml");
        Path key = TestKeys.generate().writePrivate(dir.resolve(name + ".key"));
        Shell.run("chown", NobodyDaemon.NOBODY + ":" + NobodyDaemon.NOBODY, key.toString());
        Path run = Files.createDirectories(dir.resolve(name + "-run"));
        Shell.run("chown", NobodyDaemon.NOBODY + ":" + NobodyDaemon.NOBODY, run.toString());
        Files.writeString(config, "[site]\nname = \"" + name + "\"\ntap = \"" + tap + "\"\nlisten = \"198.18.0.2:"
                + (PORT + 1) + "\"\ncontrol-socket = \"" + run.resolve(name + ".sock") + "\"\nprivate-key-file = \""
                + key + "\"\n\n[[peer]]\nname = \"a\"\nendpoint = \"198.18.0.1:" + PORT + "\"\ntransport = \"udp\"\n"
                + "public-key = \"" + TestKeys.generate().publicBase64() + "\"\n");
        NobodyDaemon.openUp(config);
        Path tunMount = Files.createDirectories(dir.resolve(name + "-tun"));
        return NobodyDaemon.start(gw, classpath, config, tunMount, tunMode, dir.resolve(name + ".log"), Map.of());
    }

    private static Shell.Result cli(String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-cp", cp, "org.tapbridge.cli.Main"));
        cmd.addAll(List.of(args));
        return Shell.exec(60, cmd.toArray(new String[0]));
    }

    private String logs() {
        StringBuilder sb = new StringBuilder();
        daemons.forEach((name, d) -> sb.append("--- daemon ").append(name).append(" (alive=").append(d.isAlive())
                .append(")\n").append(d.log()));
        return sb.toString();
    }
}
