package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * Path MTU discovery between real daemons, where the route is wrong: a path narrower than the gateways'
 * own links with no ICMP to tell (only the probes find it), and links narrowed while the daemons run
 * (the kernel's refusal of a datagram tells). Nothing on the WAN is ever fragmented meanwhile.
 */
class PathMtuDiscoveryTest {
    /** IPv4 and UDP headers, then the sealing (DATA header and tag). */
    private static final int OVERHEAD = 28 + 32;

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
        bed = new Testbed(dir, "pmtud");
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        bed.writeMeshConfigs("udp");
    }

    private void startBoth() throws Exception {
        bed.start("a");
        bed.start("b");
        bed.awaitMeshUp(40);
    }

    @Test
    void probesFindABlackHoleNarrowerThanTheRouteWithinTwentySecondsAndABigTransferThenCrossesUnfragmented()
            throws Exception {
        twoSites();
        // The WAN bridge's port towards b has MTU 1400 while both gateways' own links say 1500: the bridge
        // drops bigger frames silently, in both directions, and no ICMP tells anyone. The kernel lets a
        // VLAN tag's worth more through (is_skb_forwardable), so what the path really carries is measured
        // with DF pings before the daemons start, not assumed.
        bed.wan().run("ip", "link", "set", "wb", "mtu", "1400");
        int trueA = largestDfPacket("a", bed.site("b").wanIp());
        int trueB = largestDfPacket("b", bed.site("a").wanIp());
        Transfers.Payload payload = Transfers.randomFile(dir.resolve("payload.bin"), 20, 42);
        try (WanFragments fragments = WanFragments.start(bed, dir.resolve("fragments.pcap"), 150)) {
            startBoth();
            long upNs = System.nanoTime();
            Map<String, Integer> found = new LinkedHashMap<>();
            for (String site : List.of("a", "b")) {
                long leftSeconds = 20 - TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - upNs);
                int truth = site.equals("a") ? trueA : trueB;
                JsonNode row = awaitPath(site, pmtu -> pmtu >= truth - 8 && pmtu <= truth, Math.max(1, leftSeconds));
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
                assertEquals(found.get(site), pmtu, "site " + site + " moved off the path MTU it found");
            }
            fragments.sendControlPing();
            WanFragments.Count count = fragments.stop();
            assertTrue(count.control() >= 2, "the capture must see the control ping's fragments: " + count);
            assertEquals(0, count.tunnel(), "IP fragments of tunnel traffic on the WAN: " + count);
            System.out.printf("black hole at 1400 (%d/%d by DF ping): path MTU found a=%d b=%d within %d ms of the"
                    + " mesh coming up; 20 MiB in %.2f s (%.1f Mbit/s), 0 WAN fragments (control ping: %d)%n", trueA,
                    trueB, found.get("a"), found.get("b"), convergedMs, outcome.seconds(),
                    payload.bytes() * 8 / outcome.seconds() / 1e6, count.control());
        }
    }

    /**
     * The largest IPv4 packet a DF ping from {@code site}'s gateway gets across to {@code toIp}, by binary
     * search over 1380..1420 (a lost reply only makes the answer smaller, as it would for the daemon).
     */
    private int largestDfPacket(String site, String toIp) {
        int passes = 1380;
        int fails = 1421;
        while (fails - passes > 1) {
            int size = (passes + fails) >>> 1;
            var r = bed.site(site).gateway().exec(5, "ping", "-M", "do", "-c", "2", "-i", "0.2", "-W", "1", "-s",
                    Integer.toString(size - 28), toIp);
            if (r.stdout().contains(" 0% packet loss") || r.stdout().contains(" 50% packet loss")) {
                passes = size;
            } else {
                fails = size;
            }
        }
        assertTrue(passes > 1380 && passes < 1420, "DF pings over the narrowed path: largest " + passes);
        return passes;
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
            // The kernel's refusal is what told each site (a re-probe would wait ten minutes).
            JsonNode refused = drops.get(site).get("send-failed");
            assertTrue(refused != null && refused.asLong() >= 1, "site " + site + " drops: " + drops.get(site));
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
            // The value a search ends on: between its rounds it shows the best size confirmed so far.
            if (row.get("pmtu").isInt() && wanted.test(row.get("pmtu").asInt())
                    && !row.get("pmtu-searching").asBoolean()) {
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
