package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.control.ControlClient;
import org.tapbridge.control.ControlRequest;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * Live reload of real daemons in namespaces: three sites, of which a knows only b at first. c joins a by
 * {@code tapbridge reload} while pings from a to b run, and b leaves a by SIGHUP.
 */
class ReloadTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PINGS = 160;

    @TempDir
    Path dir;

    private Testbed bed;

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    /** a, b and c, each configured with the others, except that a's running file leaves c out. */
    private String startWithoutC() throws Exception {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("ping", "iputils-ping");
        bed = new Testbed(dir, "tbrl", true);
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        bed.addSite("c", 3);
        bed.writeMeshConfigs("udp");
        String full = Files.readString(bed.site("a").config());
        Files.writeString(bed.site("a").config(), Testbed.withoutPeer(full, "c"));
        bed.start("a");
        bed.start("b");
        bed.start("c");
        awaitPeer("a", "b", true);
        // ARP resolved and the MACs learned before anything is measured.
        assertEquals(3, bed.ping("a", "b", 3, 0.2), "a reaches b before the reload\n" + bed.describe());
        return full;
    }

    /** A query straight on the control socket: no CLI JVM to start for each look while waiting. */
    private JsonNode query(String site, ControlRequest.Command command) throws IOException {
        String reply = ControlClient.query(bed.site(site).socket(), new ControlRequest(command, true));
        if (reply.startsWith("error: ")) {
            throw new AssertionError(command + " on site " + site + ": " + reply);
        }
        return JSON.readTree(reply);
    }

    private JsonNode peer(String site, String name) throws IOException {
        for (JsonNode p : query(site, ControlRequest.Command.PEERS)) {
            if (p.get("name").asText().equals(name)) {
                return p;
            }
        }
        return null;
    }

    /** Waits until {@code site} shows {@code name} up ({@code present}), or no longer lists it. */
    private void awaitPeer(String site, String name, boolean present) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (true) {
            if (!bed.daemon(site).isAlive()) {
                throw new AssertionError("daemon " + site + " exited\n" + bed.describe());
            }
            if (Files.exists(bed.site(site).socket())) {
                JsonNode p = null;
                boolean answered = true;
                try {
                    p = peer(site, name);
                } catch (IOException e) {
                    // Not answering yet (still starting): look again.
                    answered = false;
                }
                if (answered && (present ? p != null && p.get("state").asText().equals("up") : p == null)) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("site " + site + ": peer " + name + (present ? " not up" : " still listed")
                        + " within 40 s\n" + bed.describe());
            }
            Thread.sleep(200);
        }
    }

    @Test
    void aReloadWhilePingsRunLosesNoneAndTheAddedPeerComesUpAndABadFileIsRefused() throws Exception {
        String full = startWithoutC();
        Path next = dir.resolve("a-with-c.toml");
        Files.writeString(next, full);
        JsonNode bBefore = peer("a", "b");

        // 160 pings 50 ms apart, about 8 s; the reload lands in their middle.
        CompletableFuture<Integer> pings = CompletableFuture.supplyAsync(() -> bed.ping("a", "b", PINGS, 0.05));
        Thread.sleep(1500);
        Shell.Result reload = bed.cli("reload", "--config", next.toString(), "--json");
        boolean reloadDuringPings = !pings.isDone();
        int received = pings.get(60, TimeUnit.SECONDS);

        assertEquals(0, reload.exitCode(), reload.stderr() + "\n" + bed.describe());
        JsonNode answer = JSON.readTree(reload.stdout());
        assertEquals("[\"c\"]", answer.get("peers-added").toString(), reload.stdout());
        assertEquals(0, answer.get("peers-removed").size(), reload.stdout());
        assertTrue(reloadDuringPings, "the reload must finish while the pings still run");
        assertEquals(PINGS, received, "pings to the untouched peer lost across the reload\n" + bed.describe());
        JsonNode bAfter = peer("a", "b");
        assertEquals("up", bAfter.get("state").asText());
        assertTrue(bAfter.get("rx-frames").asLong() > bBefore.get("rx-frames").asLong(), "b's counters went on");
        assertTrue(bed.daemon("a").log().contains("reloaded " + next + ": peers added [c]"), bed.describe());

        awaitPeer("a", "c", true);
        assertEquals(3, bed.ping("a", "c", 3, 0.2), "traffic passes to the added peer\n" + bed.describe());

        // An invalid file is refused, located, and the running configuration keeps working.
        Path bad = dir.resolve("bad.toml");
        Files.writeString(bad, full + "\n[switch]\nmac-table-limit = 0\n");
        int badLine = (int) full.lines().count() + 3;
        Shell.Result refused = bed.cli("reload", "--config", bad.toString(), "--socket",
                bed.site("a").socket().toString());
        assertEquals(2, refused.exitCode(), refused.stdout() + refused.stderr());
        assertTrue(refused.stderr().contains(bad + ":" + badLine + ": switch.mac-table-limit: "), refused.stderr());
        assertTrue(refused.stderr().contains("the running configuration stays"), refused.stderr());
        assertEquals(3, bed.ping("a", "b", 3, 0.2), "b still reachable\n" + bed.describe());
        assertEquals(3, bed.ping("a", "c", 3, 0.2), "c still reachable\n" + bed.describe());
    }

    @Test
    void sighupReloadsTheStartFileAndARemovedPeersMacsAreFlushed() throws Exception {
        String full = startWithoutC();
        String bMac = hostMac("b");
        assertTrue(macPorts("a").contains(bMac + "=b"), "a learned host b's MAC on port b: " + macPorts("a"));

        // The start file now has c and no longer b.
        Files.writeString(bed.site("a").config(), Testbed.withoutPeer(full, "b"));
        Shell.run("kill", "-HUP", String.valueOf(bed.daemon("a").pid()));
        awaitPeer("a", "b", false);

        assertTrue(bed.daemon("a").isAlive(), "SIGHUP reloads; it does not stop the daemon");
        assertTrue(!macPorts("a").contains(bMac), "host b's MAC is flushed with its peer: " + macPorts("a"));
        awaitPeer("a", "c", true);
        assertEquals(3, bed.ping("a", "c", 3, 0.2), "traffic passes to the added peer\n" + bed.describe());
        assertEquals(0, bed.ping("a", "b", 2, 0.2), "b is no longer bridged");
        assertTrue(bed.daemon("a").log().contains("peers removed [b]"), bed.describe());
    }

    @Test
    void aTcpPeerAddedByAReloadComesUpOverTheListenerTheReloadOpens() throws Exception {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("ping", "iputils-ping");
        bed = new Testbed(dir, "tbrl", true);
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        bed.addSite("c", 3);
        bed.writeMeshConfigs("udp");
        // a-c over TCP on both sides; a starts without c, so with no TCP peer and no TCP listener.
        String full = overTcp(Files.readString(bed.site("a").config()), "c");
        Files.writeString(bed.site("c").config(), overTcp(Files.readString(bed.site("c").config()), "a"));
        Files.writeString(bed.site("a").config(), Testbed.withoutPeer(full, "c"));
        bed.start("a");
        bed.start("b");
        bed.start("c");
        awaitPeer("a", "b", true);
        String listening = bed.site("a").gateway().run("ss", "-Htln");
        assertTrue(!listening.contains(":" + Testbed.PORT), "no TCP peer yet, no listener: " + listening);

        Path next = dir.resolve("a-with-tcp-c.toml");
        Files.writeString(next, full);
        Shell.Result reload = bed.cli("reload", "--config", next.toString(), "--json");
        assertEquals(0, reload.exitCode(), reload.stderr() + "\n" + bed.describe());
        assertEquals("[\"c\"]", JSON.readTree(reload.stdout()).get("peers-added").toString(), reload.stdout());

        awaitPeer("a", "c", true);
        assertEquals("tcp", peer("a", "c").get("transport").asText());
        // Both sides dial, so the link alone does not show it: c can now reach a's listener too.
        listening = bed.site("a").gateway().run("ss", "-Htln");
        assertTrue(listening.contains(bed.site("a").wanIp() + ":" + Testbed.PORT), "the reload opens the listener: "
                + listening);
        assertEquals(3, bed.ping("a", "c", 3, 0.2), "traffic passes to the added TCP peer\n" + bed.describe());
        assertEquals(3, bed.ping("a", "b", 3, 0.2), "b is untouched\n" + bed.describe());
    }

    /** The file with {@code peer}'s transport set to tcp. */
    private static String overTcp(String toml, String peer) {
        StringBuilder out = new StringBuilder();
        for (String block : toml.split("(?=\n\\[\\[peer\\]\\]\n)")) {
            out.append(block.startsWith("\n[[peer]]\nname = \"" + peer + "\"\n")
                    ? block.replace("transport = \"udp\"", "transport = \"tcp\"") : block);
        }
        return out.toString();
    }

    /** The MAC of a site's LAN host, as {@code macs} prints it. */
    private String hostMac(String site) {
        String link = bed.site(site).host().run("ip", "-o", "link", "show", "eth0");
        Matcher m = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(link);
        assertTrue(m.find(), link);
        return m.group(1);
    }

    /** {@code MAC=PORT} of every entry in a site's table. */
    private String macPorts(String site) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (JsonNode e : query(site, ControlRequest.Command.MACS)) {
            sb.append(e.get("mac").asText()).append('=').append(e.get("port").asText()).append(' ');
        }
        return sb.toString();
    }
}
