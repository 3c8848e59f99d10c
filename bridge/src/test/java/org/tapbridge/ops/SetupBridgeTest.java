package org.tapbridge.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tapbridge.tap.LinuxTapDevice;
import org.tapbridge.tap.TapOptions;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * setup-bridge.sh in a gateway namespace whose "LAN NIC" is a veth to a second namespace (the LAN).
 * A veth rather than the dummy the issue suggests: this kernel has no dummy module, and a veth does
 * ARP and IPv6 DAD like a real NIC, so the LAN side can check that the gateway stays reachable.
 *
 * <p>IPv6 uses only the link-local addresses the kernel generates on every interface: our address
 * rules allow no IPv6 range, so no global IPv6 address is configured. Still covered: the NIC's
 * link-local stays on the NIC, the bridge gets the same one (same MAC) and answers ping across the
 * bridge once DAD is over, an IPv6 default route via the LAN host's link-local moves to the bridge and
 * back, and --down gives back the IPv6 view byte for byte. No longer covered: moving global IPv6
 * addresses (their order, nodad on the bridge, IPv6-only flags such as mngtmpaddr) and restoring them,
 * and reaching a moved IPv6 address; the address flag test uses IPv4 noprefixroute instead.
 */
class SetupBridgeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NIC = "lan0";
    private static final String BRIDGE = "br0";
    private static final String TAP = "tbtap0";
    /** The name an operator gives the bridge after it was set up under {@link #BRIDGE}. */
    private static final String RENAMED_BRIDGE = "br1";
    /** The views of the namespace that --down must give back byte for byte. */
    private static final List<List<String>> SNAPSHOT_VIEWS = List.of(
            List.of("ip", "-j", "addr"),
            List.of("ip", "-j", "route"),
            List.of("ip", "-j", "-6", "route"),
            List.of("ip", "-j", "route", "show", "table", "all"),
            List.of("ip", "-j", "-6", "route", "show", "table", "all"));

    private Netns gw;
    private Netns lan;
    private Path stateDir;

    @BeforeEach
    void gatewayWithAConfiguredLanNic() throws IOException {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("jq", "jq");
        stateDir = Files.createTempDirectory("tb-setup-state");
        gw = Netns.createWithPrefix("tbsu", "gw");
        lan = Netns.createWithPrefix("tbsu", "lan");
        gw.vethTo(lan, NIC, "lanhost");
        lan.run("ip", "addr", "add", "192.0.2.254/24", "dev", "lanhost");
        gw.run("ip", "addr", "add", "192.0.2.10/24", "dev", NIC);
        gw.run("ip", "addr", "add", "192.0.2.11/24", "dev", NIC); // a secondary
        gw.run("ip", "addr", "add", "198.51.100.5/24", "brd", "+", "dev", NIC);
        waitForDad(gw, NIC);
        waitForDad(lan, "lanhost");
        gw.run("ip", "route", "add", "default", "via", "192.0.2.254");
        gw.run("ip", "route", "add", "203.0.113.0/24", "via", "192.0.2.1", "proto", "static", "metric", "50");
        // Routers are often reached through their link-local address; the kernel made this one.
        gw.run("ip", "-6", "route", "add", "default", "via", linkLocal(lan, "lanhost"), "dev", NIC);
    }

    /** The kernel-generated IPv6 link-local address of {@code dev}. */
    private static String linkLocal(Netns ns, String dev) throws IOException {
        for (JsonNode a : JSON.readTree(ns.run("ip", "-j", "-6", "addr", "show", "dev", dev, "scope", "link"))
                .get(0).get("addr_info")) {
            return a.get("local").asText();
        }
        throw new AssertionError("no IPv6 link-local address on " + dev);
    }

    @AfterEach
    void removeNamespaces() throws IOException {
        // Deleting a namespace deletes the bridge, veth and TAP inside it.
        if (gw != null) {
            gw.close();
        }
        if (lan != null) {
            lan.close();
        }
        if (stateDir != null) {
            try (var files = Files.list(stateDir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(stateDir);
        }
    }

    private Shell.Result setup(String... args) {
        return runScript(List.of(), args);
    }

    private Shell.Result runScript(List<String> prefix, String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Repo.path("scripts/setup-bridge.sh"));
        cmd.add("--state-dir");
        cmd.add(stateDir.toString());
        cmd.addAll(List.of(args));
        return gw.exec(60, cmd.toArray(new String[0]));
    }

    private static String[] standardArgs(String... more) {
        List<String> all = new ArrayList<>(List.of("--lan-if", NIC, "--bridge", BRIDGE, "--tap", TAP, "--user", "nobody"));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    private static Shell.Result ok(Shell.Result r) {
        if (!r.ok()) {
            fail("setup-bridge.sh exited " + r.exitCode() + "\nstdout: " + r.stdout() + "\nstderr: " + r.stderr());
        }
        return r;
    }

    private String snapshot() {
        StringBuilder all = new StringBuilder();
        for (List<String> view : SNAPSHOT_VIEWS) {
            all.append(String.join(" ", view)).append('\n').append(gw.run(view.toArray(new String[0]))).append('\n');
        }
        return all.toString();
    }

    private JsonNode json(String... command) throws IOException {
        return JSON.readTree(gw.run(command));
    }

    private JsonNode link(String dev) throws IOException {
        return json("ip", "-d", "-j", "link", "show", "dev", dev).get(0);
    }

    private List<String> addresses(String dev) throws IOException {
        List<String> out = new ArrayList<>();
        for (JsonNode a : json("ip", "-j", "addr", "show", "dev", dev).get(0).get("addr_info")) {
            out.add(a.get("local").asText() + "/" + a.get("prefixlen").asInt());
        }
        return out;
    }

    private static void waitForDad(Netns ns, String dev) {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ns.run("ip", "-6", "addr", "show", "dev", dev).contains("tentative")) {
            if (System.nanoTime() > deadlineNs) {
                fail("IPv6 DAD on " + dev + " did not finish within 10 s");
            }
            Shell.quiet("sleep", "0.1");
        }
    }

    @Test
    void movesTheNicOntoTheBridgeAndDownRestoresEveryAddressAndRouteExactly() throws IOException {
        Privileges.requireCommand("brctl", "bridge-utils");
        String before = snapshot();
        List<String> nicAddressesBefore = addresses(NIC);
        String nicMac = link(NIC).get("address").asText();
        String gatewayLinkLocal = linkLocal(gw, NIC);
        String lanRouterLinkLocal = linkLocal(lan, "lanhost");
        Privileges.requireCommand("ping", "iputils-ping");
        lan.run("ping", "-c", "1", "-W", "2", gatewayLinkLocal + "%lanhost");

        ok(setup(standardArgs()));

        assertEquals(BRIDGE, link(NIC).path("master").asText(), "NIC is a port of the bridge");
        assertEquals(BRIDGE, link(TAP).path("master").asText(), "TAP is a port of the bridge");
        JsonNode tap = link(TAP).get("linkinfo");
        assertEquals("tun", tap.get("info_kind").asText());
        assertEquals("tap", tap.get("info_data").get("type").asText());
        assertTrue(tap.get("info_data").get("persist").asBoolean(), "TAP is persistent");
        assertEquals("65534", gw.run("sh", "-c", "ip tuntap show | grep '^" + TAP + ":'").replaceAll(".* user ", "").trim(),
                "TAP owned by nobody (uid 65534)");
        assertEquals("none", link(TAP).get("inet6_addr_gen_mode").asText(),
                "the host's own IPv6 chatter must not leave through the TAP");
        JsonNode br = link(BRIDGE);
        assertEquals(nicMac, br.get("address").asText(), "bridge carries the NIC's MAC, so ARP caches stay valid");
        assertEquals(0, br.get("linkinfo").get("info_data").get("stp_state").asInt(), "STP off by default");
        assertEquals(30000, br.get("linkinfo").get("info_data").get("ageing_time").asInt(),
                "ageing 300 s (in centiseconds), the daemon's mac-aging-seconds default");
        assertEquals(nicAddressesBefore.stream().filter(a -> !a.startsWith("fe80:")).toList(),
                addresses(BRIDGE).stream().filter(a -> !a.startsWith("fe80:")).toList(),
                "every address moved, in the same order");
        assertEquals(List.of(gatewayLinkLocal + "/64"), addresses(NIC),
                "only the kernel's IPv6 link-local stays on the NIC");
        assertEquals(gatewayLinkLocal, linkLocal(gw, BRIDGE),
                "the bridge's link-local comes from the NIC's MAC, so LAN neighbour caches stay valid");
        JsonNode v4 = json("ip", "-j", "route");
        assertTrue(hasRoute(v4, "default", "192.0.2.254", BRIDGE), "default route via the bridge: " + v4);
        assertTrue(hasRoute(v4, "203.0.113.0/24", "192.0.2.1", BRIDGE), "static route via the bridge: " + v4);
        JsonNode v6 = json("ip", "-j", "-6", "route");
        assertTrue(hasRoute(v6, "default", lanRouterLinkLocal, BRIDGE), "IPv6 default via the bridge: " + v6);
        assertFalse(gw.run("ip", "-j", "route").contains("\"dev\":\"" + NIC + "\""), "no IPv4 route left on the NIC");
        lan.run("ping", "-c", "1", "-W", "2", "192.0.2.10");
        // Answered by the bridge now: DAD on its link-local finished before the script returned.
        lan.run("ping", "-c", "1", "-W", "2", gatewayLinkLocal + "%lanhost");

        String afterUp = snapshot();
        // Without -d: the detailed view carries the bridge's running timers (gc_timer, forward_delay_timer).
        String linksAfterUp = gw.run("ip", "-j", "link");
        Shell.Result again = ok(setup(standardArgs()));
        assertTrue(again.stdout().contains("nothing to change"), again.stdout());
        assertEquals(afterUp, snapshot(), "a second run changes no address or route");
        assertEquals(linksAfterUp, gw.run("ip", "-j", "link"), "a second run changes no link");

        Shell.Result down = ok(setup(standardArgs("--down")));
        assertTrue(down.stdout().contains("restored"), down.stdout());
        assertEquals(before, snapshot(), "--down restores ip -j addr/route output exactly");
        assertFalse(gw.exec(10, "ip", "link", "show", "dev", TAP).ok(), "the TAP it created is gone");
        assertTrue(setup(standardArgs("--down")).stdout().contains("nothing to change"), "a second --down is a no-op");
    }

    private static boolean hasRoute(JsonNode routes, String dst, String gateway, String dev) {
        for (JsonNode r : routes) {
            if (dst.equals(r.path("dst").asText()) && gateway.equals(r.path("gateway").asText())
                    && dev.equals(r.path("dev").asText())) {
                return true;
            }
        }
        return false;
    }

    @Test
    void restoresLabelsFlagsAndRemainingLifetimesOfEveryAddress() throws IOException {
        gw.run("ip", "addr", "add", "192.0.2.12/24", "dev", NIC, "label", NIC + ":gw");
        gw.run("ip", "addr", "add", "203.0.113.7/24", "dev", NIC, "valid_lft", "3000", "preferred_lft", "2000");
        gw.run("ip", "addr", "add", "203.0.113.8/24", "dev", NIC, "noprefixroute");
        String before = gw.run("ip", "-j", "addr");
        String routesBefore = gw.run("ip", "-j", "route") + gw.run("ip", "-j", "-6", "route");

        ok(setup(standardArgs()));
        String onBridge = gw.run("ip", "-j", "addr", "show", "dev", BRIDGE);
        assertTrue(onBridge.contains("\"label\":\"" + BRIDGE + ":gw\""), "label follows the address: " + onBridge);
        boolean flagged = false;
        for (JsonNode a : JSON.readTree(onBridge).get(0).get("addr_info")) {
            flagged |= "203.0.113.8".equals(a.path("local").asText()) && a.path("noprefixroute").asBoolean();
        }
        assertTrue(flagged, "the noprefixroute flag follows the address: " + onBridge);
        ok(setup(standardArgs("--down")));

        String after = gw.run("ip", "-j", "addr");
        assertEquals(routesBefore, gw.run("ip", "-j", "route") + gw.run("ip", "-j", "-6", "route"));
        JsonNode dynamicBefore = dynamicAddress(before);
        JsonNode dynamicAfter = dynamicAddress(after);
        long validBefore = dynamicBefore.get("valid_life_time").asLong();
        long validAfter = dynamicAfter.get("valid_life_time").asLong();
        assertTrue(validAfter <= validBefore && validAfter >= validBefore - 60,
                "the address kept its remaining lifetime: " + validBefore + " s then " + validAfter + " s");
        // The one inherently moving value: a dynamic address's remaining lifetime counts down by the
        // second, so it is compared above by range and blanked here; everything else must match.
        assertEquals(withoutDynamicLifetimes(before), withoutDynamicLifetimes(after));
    }

    private static JsonNode dynamicAddress(String ipJsonAddr) throws IOException {
        for (JsonNode link : JSON.readTree(ipJsonAddr)) {
            for (JsonNode a : link.path("addr_info")) {
                if (a.path("dynamic").asBoolean()) {
                    return a;
                }
            }
        }
        throw new AssertionError("no dynamic address in " + ipJsonAddr);
    }

    private static String withoutDynamicLifetimes(String ipJsonAddr) throws IOException {
        JsonNode all = JSON.readTree(ipJsonAddr);
        for (JsonNode link : all) {
            for (JsonNode a : link.path("addr_info")) {
                if (a.path("dynamic").asBoolean()) {
                    ((ObjectNode) a).remove(List.of("valid_life_time", "preferred_life_time"));
                }
            }
        }
        return JSON.writeValueAsString(all);
    }

    @Test
    void restoresANicThatWasDown() {
        gw.run("ip", "link", "set", "dev", NIC, "down");
        String before = snapshot();
        String linkBefore = gw.run("ip", "-j", "link", "show", "dev", NIC);
        ok(setup(standardArgs()));
        assertTrue(gw.run("ip", "-j", "link", "show", "dev", NIC).contains("\"UP\""), "setup brings the NIC up");
        ok(setup(standardArgs("--down")));
        assertEquals(before, snapshot());
        assertEquals(linkBefore, gw.run("ip", "-j", "link", "show", "dev", NIC));
    }

    @Test
    void aTcpSessionOverTheNicSurvivesTheMove() throws Exception {
        Privileges.requireCommand("nc", "netcat-openbsd");
        Path received = Files.createTempFile("tb-session", ".txt");
        Process server = new ProcessBuilder(gw.inside("nc", "-l", "192.0.2.10", "2222"))
                .redirectInput(new java.io.File("/dev/null")).redirectOutput(received.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Process client = null;
        try {
            Shell.quiet("sleep", "0.3");
            // -N: close the connection once stdin ends, so the server sees EOF and exits.
            client = new ProcessBuilder(lan.inside("nc", "-N", "192.0.2.10", "2222"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.PIPE).start();
            OutputStream toServer = client.getOutputStream();
            toServer.write("before\n".getBytes(StandardCharsets.UTF_8));
            toServer.flush();
            waitForContent(received, "before\n");

            ok(setup(standardArgs()));

            toServer.write("after\n".getBytes(StandardCharsets.UTF_8));
            toServer.close();
            assertTrue(server.waitFor(20, TimeUnit.SECONDS), "the session did not finish within 20 s");
            assertEquals("before\nafter\n", Files.readString(received), "the same TCP session carried both lines");
            assertEquals(0, server.exitValue());
        } finally {
            server.destroyForcibly();
            if (client != null) {
                client.destroyForcibly();
            }
            Files.deleteIfExists(received);
        }
    }

    private static void waitForContent(Path file, String expected) throws IOException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.readString(file).equals(expected)) {
            if (System.nanoTime() > deadlineNs) {
                fail("expected '" + expected + "' in " + file + ", got '" + Files.readString(file) + "'");
            }
            Shell.quiet("sleep", "0.05");
        }
    }

    @Test
    void dryRunPrintsTheCommandsAndChangesNothing() {
        String before = snapshot();
        String linksBefore = gw.run("ip", "-j", "link");
        Shell.Result r = ok(setup(standardArgs("--dry-run")));
        assertTrue(r.stdout().contains("ip tuntap add dev " + TAP + " mode tap user 65534"), r.stdout());
        assertTrue(r.stdout().contains("link set dev " + NIC + " master " + BRIDGE), r.stdout());
        assertTrue(r.stdout().contains("address add 192.0.2.10/24 dev " + BRIDGE), r.stdout());
        assertEquals(before, snapshot());
        assertEquals(linksBefore, gw.run("ip", "-j", "link"));
        try (var files = Files.list(stateDir)) {
            assertEquals(0, files.count(), "a dry run records no state");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void fallsBackToIpLinkWithoutBrctlAndSaysSo() {
        String before = snapshot();
        Shell.Result r = ok(runScript(List.of("env", "TAPBRIDGE_NO_BRCTL=1"), standardArgs("--ageing", "120")));
        assertTrue(r.stdout().contains("brctl not found (bridge-utils): falling back to ip link"), r.stdout());
        String br = gw.run("ip", "-d", "-j", "link", "show", "dev", BRIDGE);
        assertTrue(br.contains("\"ageing_time\":12000"), br);
        assertTrue(br.contains("\"stp_state\":0"), br);
        ok(runScript(List.of("env", "TAPBRIDGE_NO_BRCTL=1"), standardArgs("--down")));
        assertEquals(before, snapshot());
    }

    @Test
    void readsABridgeFileWithMtuStpAndAgeingAndRestoresTheMtu() throws IOException {
        Path conf = stateDir.resolve("site.bridge");
        Files.writeString(conf, "# site a\nLAN_IF=" + NIC + "\nBRIDGE=\"" + BRIDGE + "\"\nTAP=" + TAP
                + "   # the daemon's\nUSER=nobody\nMTU=1400\nSTP=on\nAGEING=120\n");
        String before = snapshot();
        ok(setup("--config", conf.toString()));
        assertEquals(1400, link(NIC).get("mtu").asInt());
        assertEquals(1400, link(TAP).get("mtu").asInt());
        assertEquals(1400, link(BRIDGE).get("mtu").asInt());
        assertEquals(1, link(BRIDGE).get("linkinfo").get("info_data").get("stp_state").asInt());
        assertEquals(12000, link(BRIDGE).get("linkinfo").get("info_data").get("ageing_time").asInt());
        ok(setup("--config", conf.toString(), "--down"));
        assertEquals(1500, link(NIC).get("mtu").asInt());
        assertEquals(before, snapshot());
    }

    @Test
    void rejectsABridgeFileLineThatIsNotASetting() throws IOException {
        Path conf = stateDir.resolve("bad.bridge");
        Files.writeString(conf, "LAN_IF=" + NIC + "\nBRIDGE=" + BRIDGE + "\nCOLOUR=blue\n");
        Shell.Result r = setup("--config", conf.toString());
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains(conf + ":3: unknown key 'COLOUR'"), r.stderr());

        Path marker = stateDir.resolve("sourced");
        Files.writeString(conf, "LAN_IF=$(touch " + marker + ")\n");
        r = setup("--config", conf.toString());
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains(conf + ":1: LAN_IF="), r.stderr());
        assertFalse(Files.exists(marker), "the file was executed, not parsed");
    }

    @Test
    void refusesAMissingInterfaceAndNamesIt() {
        Shell.Result r = setup("--lan-if", "nosuch0", "--bridge", BRIDGE, "--tap", TAP, "--user", "nobody");
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains("interface 'nosuch0' does not exist"), r.stderr());
    }

    @Test
    void refusesToRunWithoutRoot() {
        Privileges.requireCommand("setpriv", "util-linux");
        String before = snapshot();
        Shell.Result r = runScript(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"), standardArgs());
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains("must run as root"), r.stderr());
        assertEquals(before, snapshot());
    }

    @Test
    void refusesATapThatExistsInTunMode() {
        gw.run("ip", "tuntap", "add", "dev", TAP, "mode", "tun");
        String before = snapshot();
        Shell.Result r = setup(standardArgs());
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains(TAP + " exists in tun mode"), r.stderr());
        assertEquals(before, snapshot());
    }

    @Test
    void queuesTwoCreatesAMultiQueueTapKeepsItOnRerunsAndDownDeletesIt() throws IOException {
        String before = snapshot();
        ok(setup(standardArgs("--queues", "2")));
        JsonNode tap = link(TAP).get("linkinfo").get("info_data");
        assertEquals("tap", tap.get("type").asText());
        assertTrue(tap.get("multi_queue").asBoolean(), "--queues 2 makes a multi_queue TAP: " + tap);
        assertTrue(tap.get("persist").asBoolean(), "TAP is persistent");
        assertEquals(BRIDGE, link(TAP).path("master").asText());
        assertTrue(ok(setup(standardArgs("--queues", "2"))).stdout().contains("nothing to change"));

        Shell.Result single = setup(standardArgs());
        assertNotEquals(0, single.exitCode(), single.stdout());
        assertTrue(single.stderr().contains(TAP + " is multi_queue, but --queues 1 asks for a single-queue TAP"),
                single.stderr());
        assertTrue(single.stderr().contains("ip tuntap del dev " + TAP + " mode tap multi_queue, then rerun"),
                single.stderr());

        ok(setup(standardArgs("--down")));
        assertFalse(gw.exec(10, "ip", "link", "show", "dev", TAP).ok(), "the multi_queue TAP it created is gone");
        assertEquals(before, snapshot());
    }

    @Test
    void downRefusesToDeleteAMultiQueueTapWhileAQueueIsAttached() throws Exception {
        String before = snapshot();
        ok(setup(standardArgs("--queues", "2")));
        // A queue held as the daemon would hold it: ip would otherwise attach as one more queue and succeed.
        LinuxTapDevice daemon = gw.call(() -> LinuxTapDevice.open(new TapOptions(TAP, 0, false).withQueues(2)));
        try {
            Shell.Result r = setup(standardArgs("--down"));
            assertNotEquals(0, r.exitCode(), r.stdout());
            assertTrue(r.stderr().contains("cannot delete " + TAP + ": a process still has it open"), r.stderr());
            assertEquals(BRIDGE, link(NIC).path("master").asText(), "nothing was changed");
        } finally {
            daemon.close();
        }
        ok(setup(standardArgs("--down")));
        assertEquals(before, snapshot());
    }

    @Test
    void refusesAnExistingSingleQueueTapWhenQueuesAsksForMore() {
        gw.run("ip", "tuntap", "add", "dev", TAP, "mode", "tap", "user", "65534");
        String before = snapshot();
        Shell.Result r = setup(standardArgs("--queues", "2"));
        assertNotEquals(0, r.exitCode(), r.stdout());
        assertTrue(r.stderr().contains(TAP + " is single-queue, but --queues 2 needs a multi_queue TAP"), r.stderr());
        assertTrue(r.stderr().contains("ip tuntap del dev " + TAP + " mode tap, then rerun"), r.stderr());
        assertEquals(before, snapshot());
    }

    @Test
    void refusesQueuesThatAreNotANumberFromOneToSixteen() {
        String before = snapshot();
        for (String bad : List.of("0", "x", "17", "-1")) {
            Shell.Result r = setup(standardArgs("--queues", bad));
            assertEquals(1, r.exitCode(), "--queues " + bad + ": " + r.stdout());
            assertTrue(r.stderr().contains("--queues: QUEUES=" + bad + " must be a number 1..16"), r.stderr());
        }
        assertEquals(before, snapshot(), "nothing was changed");
        assertFalse(gw.exec(10, "ip", "link", "show", "dev", TAP).ok(), "no TAP was made");
    }

    @Test
    void aBridgeFileWithQueuesPlansAMultiQueueTap() throws IOException {
        Path conf = stateDir.resolve("site.bridge");
        Files.writeString(conf, bridgeFile(BRIDGE) + "QUEUES=4\n");
        Shell.Result r = ok(setup("--config", conf.toString(), "--dry-run"));
        assertTrue(r.stdout().contains("ip tuntap add dev " + TAP + " mode tap multi_queue user 65534"), r.stdout());
        assertTrue(ok(setup(standardArgs("--dry-run"))).stdout().contains("ip tuntap add dev " + TAP + " mode tap user 65534"));
        Shell.Result help = ok(setup("--help"));
        assertTrue(help.stdout().contains("--queues N"), help.stdout());
    }

    @Test
    void refusesANicThatIsAlreadyInAnotherBridge() {
        gw.run("ip", "link", "add", "other0", "type", "bridge");
        gw.run("ip", "link", "set", "dev", NIC, "master", "other0");
        String before = snapshot();
        Shell.Result r = setup(standardArgs());
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains("'" + NIC + "' is already a port of 'other0'"), r.stderr());
        assertEquals(before, snapshot());
    }

    /** The state files in the state directory (not the lock, not the test's .bridge files). */
    private List<Path> stateFiles() throws IOException {
        try (var files = Files.list(stateDir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".state")).sorted().toList();
        }
    }

    private Path onlyStateFile() throws IOException {
        List<Path> all = stateFiles();
        assertEquals(1, all.size(), "one state file after setup: " + all);
        return all.get(0);
    }

    private static String bridgeFile(String bridge) {
        return "LAN_IF=" + NIC + "\nBRIDGE=" + bridge + "\nTAP=" + TAP + "\nUSER=nobody\n";
    }

    private void assertNicReleasedAndRecordedBridgeAndTapGone(Shell.Result down, String before) throws IOException {
        String why = "\nstdout: " + down.stdout() + "\nstderr: " + down.stderr();
        assertFalse(link(NIC).has("master"), "the NIC is out of the bridge" + why);
        assertFalse(gw.exec(10, "ip", "link", "show", "dev", BRIDGE).ok(), "the recorded bridge is gone" + why);
        assertFalse(gw.exec(10, "ip", "link", "show", "dev", TAP).ok(), "the recorded TAP is gone" + why);
        assertEquals(before, snapshot(), "--down restores ip -j addr/route output exactly");
        assertEquals(List.of(), stateFiles(), "the record is consumed");
    }

    @Test
    void downAfterTheBridgeWasRenamedInTheBridgeFileReleasesTheNicAndDeletesTheRecordedBridge() throws IOException {
        Path conf = stateDir.resolve("site.bridge");
        Files.writeString(conf, bridgeFile(BRIDGE));
        String before = snapshot();
        ok(setup("--config", conf.toString()));
        assertEquals(BRIDGE, link(NIC).path("master").asText());

        Files.writeString(conf, bridgeFile(RENAMED_BRIDGE));
        Shell.Result down = ok(setup("--config", conf.toString(), "--down"));

        assertTrue(down.stdout().contains("records bridge " + BRIDGE), down.stdout());
        assertNicReleasedAndRecordedBridgeAndTapGone(down, before);
    }

    @Test
    void downFindsAStateFileNamedAfterTheBridgeAsEarlierVersionsWroteIt() throws IOException {
        String before = snapshot();
        ok(setup(standardArgs()));
        // Earlier versions named the record BRIDGE.state; the content is the same.
        Files.move(onlyStateFile(), stateDir.resolve(BRIDGE + ".state"), StandardCopyOption.REPLACE_EXISTING);

        Shell.Result down = ok(setup("--lan-if", NIC, "--bridge", RENAMED_BRIDGE, "--tap", TAP, "--down"));

        assertNicReleasedAndRecordedBridgeAndTapGone(down, before);
    }

    @Test
    void downWithoutARecordRefusesToCallANicInAnotherBridgeNothingToChange() {
        gw.run("ip", "link", "add", "other0", "type", "bridge");
        gw.run("ip", "link", "set", "dev", NIC, "master", "other0");
        String before = snapshot();

        Shell.Result r = setup(standardArgs("--down"));

        assertNotEquals(0, r.exitCode(), r.stdout());
        assertTrue(r.stderr().contains(NIC + " is a port of other0 but " + stateDir.resolve("lan@" + NIC + ".state")
                + " is missing"), r.stderr());
        assertEquals(before, snapshot(), "nothing was changed");
    }

    @Test
    void refusesASymlinkedStateFileAndChangesNothing() throws IOException {
        ok(setup(standardArgs()));
        String afterUp = snapshot();
        Path recorded = onlyStateFile();
        Path elsewhere = Files.createTempFile("tbsu-state", ".json");
        try {
            Files.move(recorded, elsewhere, StandardCopyOption.REPLACE_EXISTING);
            Files.createSymbolicLink(recorded, elsewhere);

            Shell.Result r = setup(standardArgs("--down"));

            assertNotEquals(0, r.exitCode(), r.stdout());
            assertTrue(r.stderr().contains("refusing symbolic links in the state directory: " + recorded + " -> " + elsewhere),
                    r.stderr());
            assertTrue(r.stderr().contains("Remove the link"), r.stderr());
            assertEquals(BRIDGE, link(NIC).path("master").asText(), "the NIC is still in the bridge");
            assertEquals(afterUp, snapshot(), "nothing was changed");
        } finally {
            Files.deleteIfExists(elsewhere);
        }
    }

    @Test
    void refusesASymlinkedLockFileRatherThanTruncatingWhatItPointsTo() throws IOException {
        Path precious = Files.createTempFile("tbsu-precious", ".txt");
        try {
            Files.writeString(precious, "not the script's to truncate\n");
            Path lock = stateDir.resolve(".lock");
            Files.createSymbolicLink(lock, precious);
            String before = snapshot();

            Shell.Result r = setup(standardArgs());

            assertNotEquals(0, r.exitCode(), r.stdout());
            assertTrue(r.stderr().contains(lock + " -> " + precious), r.stderr());
            assertEquals("not the script's to truncate\n", Files.readString(precious));
            assertEquals(before, snapshot(), "nothing was changed");
        } finally {
            Files.deleteIfExists(precious);
        }
    }

    @Test
    void refusesAStateDirectoryNotOwnedByRoot() {
        Shell.run("chown", "65534", stateDir.toString());
        String before = snapshot();

        Shell.Result r = setup(standardArgs());

        assertNotEquals(0, r.exitCode(), r.stdout());
        assertTrue(r.stderr().contains("state directory " + stateDir + " is owned by uid 65534"), r.stderr());
        assertTrue(r.stderr().contains("chown root:root " + stateDir), r.stderr());
        assertEquals(before, snapshot(), "nothing was changed");
    }

    @Test
    void namesTheLockFileAndItsHolderWhenTheLockTimesOut() throws Exception {
        Path lock = stateDir.resolve(".lock");
        // Holds the lock as a run of the script would (flock on an inherited descriptor), then
        // becomes a sleep: the holder to name is that process, not the flock(1) that took the lock.
        Process holder = new ProcessBuilder("bash", "-c", "exec 9>>\"$1\" && flock -x 9 && exec sleep 50", "holder",
                lock.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!holder.info().command().orElse("").endsWith("sleep")) {
                assertTrue(holder.isAlive(), "the lock holder exited");
                assertTrue(System.nanoTime() < deadlineNs, "the holder did not take the lock within 10 s");
                Shell.quiet("sleep", "0.05");
            }
            String before = snapshot();

            Shell.Result r = runScript(List.of("env", "TAPBRIDGE_LOCK_WAIT_SECONDS=1"), standardArgs());

            assertNotEquals(0, r.exitCode(), r.stdout());
            assertTrue(r.stderr().contains("gave up after 1 s waiting for the lock " + lock), r.stderr());
            assertTrue(r.stderr().contains("held by pid " + holder.pid() + " (sleep 50)"), r.stderr());
            assertEquals(before, snapshot(), "nothing was changed");
            assertTrue(holder.isAlive(), "the holder still runs");
        } finally {
            holder.destroyForcibly();
            holder.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
