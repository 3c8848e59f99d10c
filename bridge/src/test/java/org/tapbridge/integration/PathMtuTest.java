package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * Path MTU towards UDP peers, between real daemons, where the route tells the truth: taken from the route
 * or the configuration and confirmed by a probe, shown by {@code peers} as {@code pmtu} and
 * {@code max-frame} (pmtu - 28 - 32 over IPv4, pmtu - 48 - 32 over IPv6), and exactly what the tunnel
 * carries. {@link PathMtuDiscoveryTest} covers paths the route is wrong about.
 */
class PathMtuTest {
    /** IPv4 and UDP headers, then the sealing (DATA header and tag). */
    private static final int OVERHEAD = 28 + 32;
    private static final Pattern ANNOUNCED_MTU = Pattern.compile("mtu ?= ?(\\d+)");

    @TempDir
    Path dir;

    private Testbed bed;

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    private void twoSites() throws Exception {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("tcpdump", "tcpdump");
        Privileges.requireCommand("nc", "netcat-openbsd");
        bed = new Testbed(dir, "mtu");
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        bed.writeMeshConfigs("udp");
    }

    private void startBoth() throws Exception {
        bed.start("a");
        bed.start("b");
        bed.awaitMeshUp(40);
    }

    private void stopBoth() throws Exception {
        for (String site : List.of("a", "b")) {
            assertTrue(List.of(0, 143).contains(bed.daemon(site).stop()), "daemon " + site + " did not stop cleanly");
        }
    }

    @Test
    void bothSitesShowPathMtu1500AndMaxFrame1440SoonAfterComingUp() throws Exception {
        twoSites();
        startBoth();
        long upNs = System.nanoTime();
        for (String site : List.of("a", "b")) {
            JsonNode row = awaitPath(site, pmtu -> pmtu == 1500, 5);
            assertEquals(1440, row.get("max-frame").asInt(), "site " + site + ": " + row);
        }
        System.out.println("path MTU 1500 shown on both sites " + (System.nanoTime() - upNs) / 1_000_000
                + " ms after the mesh came up");
        Shell.Result table = bed.cli("peers", "--socket", bed.site("a").socket().toString());
        assertEquals(0, table.exitCode(), table.stderr());
        String[] lines = table.stdout().split("\n");
        // Left-aligned columns: the cell starts where its heading does (cells before it hold spaces: "0s ago").
        int pmtuColumn = lines[0].indexOf("PMTU");
        assertTrue(pmtuColumn >= 0 && lines.length == 2, "no PMTU column, or not one peer: " + table.stdout());
        assertEquals("1500", lines[1].substring(pmtuColumn).split("\\s+")[0], "PMTU cell of peer b: "
                + table.stdout());
    }

    @Test
    void pathMtuFollowsANarrowerWanLinkOnceTheDaemonsRestartAndTheTunnelCarriesExactlyMaxFrame() throws Exception {
        twoSites();
        startBoth();
        for (String site : List.of("a", "b")) {
            awaitPath(site, pmtu -> pmtu == 1500, 5);
        }
        stopBoth();
        for (String site : List.of("a", "b")) {
            bed.site(site).gateway().run("ip", "link", "set", "wan0", "mtu", "1400");
        }
        startBoth();
        for (String site : List.of("a", "b")) {
            JsonNode row = awaitPath(site, pmtu -> pmtu == 1400, 10);
            assertEquals(1400 - OVERHEAD, row.get("max-frame").asInt(), "site " + site + ": " + row);
        }
        // The largest frame that fits, 1340 = 14 + 20 + 8 + 1298, crosses with DF set; one byte more is refused
        // with the IP MTU that fits, 1340 - 14.
        Testbed.Site a = bed.site("a");
        Testbed.Site b = bed.site("b");
        Shell.Result fits = a.host().exec(20, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", "-M", "do", "-s",
                "1298", b.hostIp());
        assertEquals(0, fits.exitCode(), "a 1340-byte frame must cross a 1400-byte path: " + fits.stdout()
                + fits.stderr() + "\n" + bed.describe());
        Shell.Result tooBig = a.host().exec(20, "ping", "-n", "-c", "2", "-i", "0.5", "-W", "2", "-M", "do", "-s",
                "1299", b.hostIp());
        assertFalse(tooBig.ok(), "a 1341-byte frame with DF cannot cross: " + tooBig.stdout());
        Matcher m = ANNOUNCED_MTU.matcher(tooBig.stdout() + tooBig.stderr());
        assertTrue(m.find(), "ping must be told the MTU: " + tooBig.stdout() + tooBig.stderr());
        assertEquals(1326, Integer.parseInt(m.group(1)), tooBig.stdout() + tooBig.stderr());
    }

    @Test
    void configuredWanMtuAndPeerMtuAreTheCeilingsOfThePath() throws Exception {
        twoSites();
        // Site a: the whole site's WAN is said to be 1420. Site b: 1450 for the site, but 1380 for peer a.
        Path configA = bed.site("a").config();
        Files.writeString(configA, Files.readString(configA).replace("[site]\n", "[site]\nwan-mtu = 1420\n"));
        Path configB = bed.site("b").config();
        String peerA = "[[peer]]\nname = \"a\"\n";
        String b = Files.readString(configB);
        assertTrue(b.contains(peerA), b);
        Files.writeString(configB, b.replace("[site]\n", "[site]\nwan-mtu = 1450\n")
                .replace(peerA, peerA + "mtu = 1380\n"));
        startBoth();
        JsonNode fromA = awaitPath("a", pmtu -> pmtu == 1420, 10);
        assertEquals(1420 - OVERHEAD, fromA.get("max-frame").asInt(), fromA.toString());
        JsonNode fromB = awaitPath("b", pmtu -> pmtu == 1380, 10);
        assertEquals(1380 - OVERHEAD, fromB.get("max-frame").asInt(), fromB.toString());
    }

    @Test
    void overAnIpv6WanMaxFrameIsPathMtuLessEightyAndTheTunnelCarriesExactlyThat() throws Exception {
        twoSites();
        // The gateways talk over IPv6 link-local addresses: 40 + 8 bytes of outer headers instead of 28.
        for (String site : List.of("a", "b")) {
            Testbed.Site s = bed.site(site);
            s.gateway().run("ip", "addr", "add", "fe80::" + s.index() + "/64", "dev", "wan0", "nodad");
        }
        for (String site : List.of("a", "b")) {
            Path config = bed.site(site).config();
            String text = Files.readString(config);
            for (String other : List.of("a", "b")) {
                Testbed.Site o = bed.site(other);
                text = text.replace("\"" + o.wanIp() + ":" + Testbed.PORT + "\"",
                        "\"[fe80::" + o.index() + "%wan0]:" + Testbed.PORT + "\"");
            }
            assertFalse(text.contains("198.18."), text);
            Files.writeString(config, text);
        }
        startBoth();
        for (String site : List.of("a", "b")) {
            JsonNode row = awaitPath(site, pmtu -> pmtu == 1500, 10);
            assertTrue(row.get("endpoint").asText().matches("\\[fe80:[0:]*:" + (site.equals("a") ? 2 : 1)
                    + "%wan0]:" + Testbed.PORT), row.toString());
            assertEquals(1500 - 48 - 32, row.get("max-frame").asInt(), "site " + site + ": " + row);
        }
        // 1420 = 14 + 20 + 8 + 1378 crosses with DF; one byte more is refused with 1420 - 14.
        Testbed.Site a = bed.site("a");
        Testbed.Site b = bed.site("b");
        Shell.Result fits = a.host().exec(20, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", "-M", "do", "-s",
                "1378", b.hostIp());
        assertEquals(0, fits.exitCode(), "a 1420-byte frame must cross a 1500-byte IPv6 path: " + fits.stdout()
                + fits.stderr() + "\n" + bed.describe());
        Shell.Result tooBig = a.host().exec(20, "ping", "-n", "-c", "2", "-i", "0.5", "-W", "2", "-M", "do", "-s",
                "1379", b.hostIp());
        assertFalse(tooBig.ok(), "a 1421-byte frame with DF cannot cross: " + tooBig.stdout());
        Matcher m = ANNOUNCED_MTU.matcher(tooBig.stdout() + tooBig.stderr());
        assertTrue(m.find(), "ping must be told the MTU: " + tooBig.stdout() + tooBig.stderr());
        assertEquals(1406, Integer.parseInt(m.group(1)), tooBig.stdout() + tooBig.stderr());
    }

    /** Polls {@code peers --json} of a site until its only peer's pmtu satisfies {@code wanted}. */
    private JsonNode awaitPath(String site, IntPredicate wanted, long timeoutSeconds) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        JsonNode row;
        while (true) {
            JsonNode rows = bed.peers(site);
            assertEquals(1, rows.size(), rows.toString());
            row = rows.get(0);
            if (row.get("pmtu").isInt() && wanted.test(row.get("pmtu").asInt())) {
                return row;
            }
            if (System.nanoTime() > deadlineNs) {
                throw new AssertionError("site " + site + ": path MTU not as expected within " + timeoutSeconds
                        + " s: " + row + "\n" + bed.describe());
            }
            Thread.sleep(300);
        }
    }
}
