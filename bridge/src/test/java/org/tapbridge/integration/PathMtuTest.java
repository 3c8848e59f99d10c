package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * Path MTU towards UDP peers, between real daemons: taken from the route or the configuration, confirmed
 * or found by probing, shown by {@code peers} as {@code pmtu} and {@code max-frame} (pmtu - 28 - 32 over
 * IPv4), and honoured, so that nothing on the WAN is ever fragmented.
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
    void probesFindABlackHoleNarrowerThanTheRouteWithinTwentySecondsAndABigTransferThenCrossesUnfragmented()
            throws Exception {
        twoSites();
        // The WAN bridge's port towards b carries 1400 bytes while both gateways' own links say 1500: the
        // bridge drops bigger frames silently, in both directions, and no ICMP tells anyone.
        bed.wan().run("ip", "link", "set", "wb", "mtu", "1400");
        Transfers.Payload payload = Transfers.randomFile(dir.resolve("payload.bin"), 20, 42);
        try (WanFragments fragments = WanFragments.start(bed, dir.resolve("fragments.pcap"), 150)) {
            startBoth();
            long upNs = System.nanoTime();
            Map<String, Integer> found = new LinkedHashMap<>();
            for (String site : List.of("a", "b")) {
                long leftSeconds = 20 - TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - upNs);
                JsonNode row = awaitPath(site, pmtu -> pmtu >= 1392 && pmtu <= 1400, Math.max(1, leftSeconds));
                assertEquals(row.get("pmtu").asInt() - OVERHEAD, row.get("max-frame").asInt(), row.toString());
                found.put(site, row.get("pmtu").asInt());
            }
            long convergedMs = (System.nanoTime() - upNs) / 1_000_000;

            Transfers.Outcome outcome = Transfers.tcp(bed, "a", "b", payload, 5001, 60);
            assertEquals("", outcome.senderErrors(), bed.describe());
            assertEquals(payload.sha256(), outcome.receivedSha256(), "sha256 of what host b received\n"
                    + bed.describe());
            for (String site : List.of("a", "b")) {
                int pmtu = bed.peers(site).get(0).get("pmtu").asInt();
                assertTrue(pmtu >= 1392 && pmtu <= 1400, "site " + site + " moved off the path MTU it found: " + pmtu);
            }
            fragments.sendControlPing();
            WanFragments.Count count = fragments.stop();
            assertTrue(count.control() >= 2, "the capture must see the control ping's fragments: " + count);
            assertEquals(0, count.tunnel(), "IP fragments of tunnel traffic on the WAN: " + count);
            System.out.printf("black hole at 1400: path MTU found a=%d b=%d within %d ms of the mesh coming up; "
                    + "20 MiB in %.2f s (%.1f Mbit/s), 0 WAN fragments (control ping: %d)%n", found.get("a"),
                    found.get("b"), convergedMs, outcome.seconds(), payload.bytes() * 8 / outcome.seconds() / 1e6,
                    count.control());
        }
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

    @Test
    void wanLinksNarrowedWhileRunningLowerThePathMtuAtTheFirstDatagramTheKernelRefuses() throws Exception {
        twoSites();
        startBoth();
        for (String site : List.of("a", "b")) {
            awaitPath(site, pmtu -> pmtu == 1500, 5);
        }
        for (String site : List.of("a", "b")) {
            bed.site(site).gateway().run("ip", "link", "set", "wan0", "mtu", "1400");
        }
        Testbed.Site a = bed.site("a");
        Testbed.Site b = bed.site("b");
        // 1414-byte frames: under the old max-frame (1440), over the new one (1340). Both gateways send one:
        // host a's requests and host b's replies.
        Shell.Result first = a.host().exec(30, "ping", "-n", "-c", "6", "-i", "0.5", "-W", "2", "-s", "1372",
                b.hostIp());
        long changedNs = System.nanoTime();
        for (String site : List.of("a", "b")) {
            JsonNode row = awaitPath(site, pmtu -> pmtu == 1400, 10);
            assertEquals(1400 - OVERHEAD, row.get("max-frame").asInt(), "site " + site + ": " + row);
        }
        Map<String, JsonNode> drops = new LinkedHashMap<>();
        for (String site : List.of("a", "b")) {
            drops.put(site, bed.peers(site).get(0).get("drops"));
        }
        Shell.Result after = a.host().exec(30, "ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", "-s", "1372",
                b.hostIp());
        assertEquals(0, after.exitCode(), "once the path MTU is known, every ping is answered: " + after.stdout()
                + "\n" + bed.describe());
        System.out.println("WAN narrowed to 1400 while running: path MTU 1400 on both sites "
                + (System.nanoTime() - changedNs) / 1_000_000 + " ms after the first pings ("
                + first.stdout().lines().filter(l -> l.contains("received")).findFirst().orElse("?")
                + "); peer drops " + drops);
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
