package org.tapbridge.integration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.tapbridge.control.ControlClient;
import org.tapbridge.control.ControlRequest;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Shell;
import org.tapbridge.testing.TestKeys;

/**
 * Sites in network namespaces, each a LAN host behind a gateway whose bridge joins the LAN veth and a
 * persistent TAP; the gateways share a WAN bridge. Everything is torn down on close, even after a failure.
 *
 * <pre>
 *  host-X (eth0 192.0.2.1N) -- lan0 [br0] tap0 (gw-X) wan0 198.18.0.N -- [wan bridge] -- other gateways
 * </pre>
 */
final class Testbed implements AutoCloseable {
    static final int PORT = 4790;
    private static final ObjectMapper JSON = new ObjectMapper();

    record Site(String name, int index, Netns host, Netns gateway, Path config, Path socket) {
        String hostIp() {
            return "192.0.2." + (10 + index);
        }

        String wanIp() {
            return "198.18.0." + index;
        }
    }

    private final Path dir;
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final Map<String, Site> sites = new LinkedHashMap<>();
    private final Map<String, DaemonProcess> daemons = new LinkedHashMap<>();
    private final Map<String, TestKeys> keys = new LinkedHashMap<>();
    private final Map<String, StringBuilder> siteLines = new LinkedHashMap<>();
    private final Netns wan;
    /** Put in front of every namespace label, so one test class's namespaces are told apart in {@code ip netns}. */
    private final String prefix;
    /** When set, namespace names start with it rather than with this JVM's {@code tbt<pid>-}. */
    private final String namespacePrefix;

    Testbed(Path dir) {
        this(dir, "");
    }

    /** A testbed whose namespaces are labelled {@code <prefix>wan}, {@code <prefix>ha}, {@code <prefix>ga}... */
    Testbed(Path dir, String prefix) {
        this(dir, prefix, false);
    }

    /**
     * With {@code ownedPrefix}, namespace names start with {@code prefix} itself ({@code <prefix><pid>-<n>-wan}),
     * for a suite that owns that prefix, so that its leftovers are told from everyone else's.
     */
    Testbed(Path dir, String prefix, boolean ownedPrefix) {
        this.dir = dir;
        this.prefix = ownedPrefix ? "" : prefix;
        this.namespacePrefix = ownedPrefix ? prefix : null;
        this.wan = register(netns("wan"));
        wan.run("ip", "link", "add", "br0", "type", "bridge");
        wan.run("ip", "link", "set", "br0", "up");
    }

    private Netns netns(String label) {
        return namespacePrefix != null ? Netns.createWithPrefix(namespacePrefix, label) : Netns.create(prefix + label);
    }

    private <T extends AutoCloseable> T register(T resource) {
        cleanup.add(resource);
        return resource;
    }

    Netns wan() {
        return wan;
    }

    /** Adds a site (1-based index) with its host, gateway, TAP and WAN port; starts no daemon. */
    Site addSite(String name, int index) {
        Netns host = register(netns("h" + name));
        Netns gw = register(netns("g" + name));
        host.vethTo(gw, "eth0", "lan0");
        host.run("ip", "addr", "add", "192.0.2." + (10 + index) + "/24", "dev", "eth0");
        gw.run("ip", "link", "add", "br0", "type", "bridge");
        gw.run("ip", "link", "set", "lan0", "master", "br0");
        gw.run("ip", "tuntap", "add", "dev", "tap0", "mode", "tap");
        gw.run("ip", "link", "set", "tap0", "master", "br0", "up");
        gw.run("ip", "link", "set", "br0", "up");
        gw.vethTo(wan, "wan0", "w" + name);
        wan.run("ip", "link", "set", "w" + name, "master", "br0");
        gw.run("ip", "addr", "add", "198.18.0." + index + "/24", "dev", "wan0");
        Site site = new Site(name, index, host, gw, dir.resolve(name + ".toml"), dir.resolve(name + ".sock"));
        sites.put(name, site);
        TestKeys siteKeys = TestKeys.generate();
        siteKeys.writePrivate(dir.resolve(name + ".key"));
        keys.put(name, siteKeys);
        return site;
    }

    Site site(String name) {
        return sites.get(name);
    }

    /** The config text without the {@code [[peer]]} table of {@code peer}. */
    static String withoutPeer(String toml, String peer) {
        StringBuilder out = new StringBuilder();
        for (String block : toml.split("(?=\n\\[\\[peer\\]\\]\n)")) {
            if (!block.startsWith("\n[[peer]]\nname = \"" + peer + "\"\n")) {
                out.append(block);
            }
        }
        return out.toString();
    }

    /** Makes the site's TAP a multi-queue one, as {@code setup-bridge.sh --queues N} does, for {@code queues > 1}. */
    void multiQueueTap(String name) {
        Netns gw = sites.get(name).gateway();
        gw.run("ip", "tuntap", "del", "dev", "tap0", "mode", "tap");
        gw.run("ip", "tuntap", "add", "dev", "tap0", "mode", "tap", "multi_queue");
        gw.run("ip", "link", "set", "tap0", "master", "br0", "up");
    }

    /** Adds a line (e.g. {@code offloads = false}) to the {@code [site]} table of one site's config. */
    void siteOption(String name, String line) {
        siteLines.computeIfAbsent(name, n -> new StringBuilder()).append(line).append('\n');
    }

    /** Writes a full-mesh config for every site: each dials every other, over {@code transport}. */
    void writeMeshConfigs(String transport) throws IOException {
        for (Site s : sites.values()) {
            StringBuilder toml = new StringBuilder();
            toml.append("[site]\nname = \"").append(s.name()).append("\"\ntap = \"tap0\"\n")
                    .append("listen = \"").append(s.wanIp()).append(':').append(PORT).append("\"\n")
                    .append("control-socket = \"").append(s.socket()).append("\"\n")
                    .append("private-key-file = \"").append(dir.resolve(s.name() + ".key")).append("\"\n")
                    .append(siteLines.getOrDefault(s.name(), new StringBuilder()));
            for (Site p : sites.values()) {
                if (p != s) {
                    toml.append("\n[[peer]]\nname = \"").append(p.name()).append("\"\nendpoint = \"")
                            .append(p.wanIp()).append(':').append(PORT).append("\"\ntransport = \"")
                            .append(transport).append("\"\npublic-key = \"")
                            .append(keys.get(p.name()).publicBase64()).append("\"\n");
                }
            }
            Files.writeString(s.config(), toml.toString());
        }
    }

    DaemonProcess start(String name) throws IOException {
        Site s = sites.get(name);
        DaemonProcess d = DaemonProcess.start(s.gateway(), s.config(), dir.resolve(name + ".log"));
        daemons.put(name, d);
        return d;
    }

    DaemonProcess daemon(String name) {
        return daemons.get(name);
    }

    /** Runs a tapbridge CLI command in a separate JVM, e.g. {@code macs --socket S --json}. */
    Shell.Result cli(String... args) {
        return Shell.exec(60, DaemonProcess.javaCommand(args).toArray(new String[0]));
    }

    /** {@code peers --json} of a running site: one object per peer. */
    JsonNode peers(String site) {
        return query(site, "peers");
    }

    /** {@code stats --json} of a running site. */
    JsonNode stats(String site) {
        return query(site, "stats");
    }

    /**
     * A control request answered as JSON, sent from this JVM: polling through the CLI would start a JVM per
     * poll, which is most of what a mesh waiting to come up costs. Tests of the CLI itself use {@link #cli}.
     */
    JsonNode query(String site, String command) {
        String reply;
        try {
            reply = ControlClient.query(sites.get(site).socket(), ControlRequest.parse(command + " json"));
        } catch (IOException e) {
            throw new AssertionError(command + " on site " + site + " failed: " + e.getMessage() + "\n" + describe(), e);
        }
        if (reply.startsWith("error: ")) {
            throw new AssertionError(command + " on site " + site + " failed: " + reply + "\n" + describe());
        }
        try {
            return JSON.readTree(reply);
        } catch (IOException e) {
            throw new AssertionError(command + " on site " + site + " answered no JSON: " + reply, e);
        }
    }

    /** Waits until every peer of every running daemon is up; fails with the daemons' logs otherwise. */
    void awaitMeshUp(long timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        for (Map.Entry<String, DaemonProcess> e : daemons.entrySet()) {
            Site s = sites.get(e.getKey());
            while (true) {
                if (!e.getValue().isAlive()) {
                    throw new AssertionError("daemon " + e.getKey() + " exited:\n" + e.getValue().log());
                }
                if (Files.exists(s.socket())) {
                    String reply = peersReply(s);
                    if (!reply.startsWith("error: ") && !reply.contains("\"down\"") && reply.contains("\"up\"")) {
                        break;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("site " + e.getKey() + ": peers not up within " + timeoutSeconds
                            + " s\n" + describe());
                }
                Thread.sleep(200);
            }
        }
    }

    private static String peersReply(Site s) {
        try {
            return ControlClient.query(s.socket(), new ControlRequest(ControlRequest.Command.PEERS, true));
        } catch (IOException e) {
            return "error: " + e.getMessage();   // not listening yet: keep waiting
        }
    }

    /** Every daemon's log, for failure messages. */
    String describe() {
        StringBuilder sb = new StringBuilder();
        daemons.forEach((name, d) -> sb.append("--- daemon ").append(name).append(" (alive=").append(d.isAlive())
                .append(")\n").append(d.log()));
        return sb.toString();
    }

    /** Pings from one site's host to another's; returns the number of replies. */
    int ping(String from, String to, int count, double intervalSeconds) {
        Site a = sites.get(from);
        Site b = sites.get(to);
        Shell.Result r = a.host().exec(30, "ping", "-n", "-q", "-c", String.valueOf(count), "-i",
                String.valueOf(intervalSeconds), "-W", "2", b.hostIp());
        for (String line : r.stdout().split("\n")) {
            if (line.contains("received")) {
                String[] parts = line.split(",");
                return Integer.parseInt(parts[1].trim().split(" ")[0]);
            }
        }
        return 0;
    }

    @Override
    public void close() {
        for (DaemonProcess d : daemons.values()) {
            d.close();
        }
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            try {
                cleanup.get(i).close();
            } catch (Exception ignored) {
                // Keep tearing down the rest.
            }
        }
    }
}
