package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.control.ControlClient;
import org.tapbridge.control.ControlRequest;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * {@code [switch] arp-suppression = true} between two sites with real hosts: once bindings are learned, ARP
 * requests and neighbour solicitations stop crossing the WAN (counted in tcpdump captures of what the far
 * daemon writes into its TAP), hosts still resolve each other, and an address that moves to another MAC is
 * re-learned.
 */
class NeighborSuppressionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROUNDS = 5;

    @TempDir
    Path dir;

    private Testbed bed;

    private Testbed twoSitesWithSuppression() throws Exception {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("tcpdump", "tcpdump");
        Privileges.requireCommand("arping", "iputils-arping");
        bed = new Testbed(dir, "tbnd");
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        // The [switch] table goes after the [site] lines and before the [[peer]] tables.
        for (String site : List.of("a", "b")) {
            bed.siteOption(site, "\n[switch]\narp-suppression = true");
        }
        bed.writeMeshConfigs("udp");
        bed.start("a");
        bed.start("b");
        bed.awaitMeshUp(60);
        return bed;
    }

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void requestsStopCrossingTheWanOnceLearnedWhileHostsStillResolveEachOther() throws Exception {
        twoSitesWithSuppression();
        Testbed.Site a = bed.site("a");
        Testbed.Site b = bed.site("b");
        String macA = TwoSiteBridgeTest.macOf(a.host());
        String linkLocalA = linkLocal(a.host());
        String linkLocalB = linkLocal(b.host());

        // First contact: nothing is known, so the requests cross the WAN (and the capture sees them).
        List<byte[]> first;
        try (PcapCapture capture = PcapCapture.start(b.gateway(), "tap0", dir.resolve("first.pcap"), 60,
                "arp or icmp6")) {
            assertEquals(2, bed.ping("a", "b", 2, 0.2), bed.describe());
            assertTrue(ping6(a.host(), linkLocalB), "ping6 a -> b\n" + bed.describe());
            capture.stop();
            first = capture.frames();
        }
        assertTrue(arpQuestions(first, macA) >= 1, "the first ARP request did not cross: " + first.size() + " frames");
        assertTrue(solicitations(first, macA) >= 1, "the first solicitation did not cross");
        // B answered A's NS with an NA, which is what a site may answer from.
        awaitNeighbor("a", n -> n.get("ip").asText().equals(linkLocalB) && n.get("state").asText().equals("reachable"));

        long crossedBefore = neighborStats("b").get("requests-from-peers").asLong();
        List<byte[]> later;
        try (PcapCapture capture = PcapCapture.start(b.gateway(), "tap0", dir.resolve("later.pcap"), 60,
                "arp or icmp6")) {
            for (int i = 0; i < ROUNDS; i++) {
                a.host().run("ip", "-4", "neigh", "flush", "dev", "eth0");
                a.host().run("ip", "-6", "neigh", "flush", "dev", "eth0");
                b.host().run("ip", "-4", "neigh", "flush", "dev", "eth0");
                assertEquals(1, bed.ping("a", "b", 1, 0.2), "round " + i + "\n" + bed.describe());
                assertTrue(ping6(a.host(), linkLocalB), "ping6 round " + i + "\n" + bed.describe());
                Shell.Result arping = a.host().exec(20, "arping", "-c", "1", "-w", "5", "-I", "eth0", b.hostIp());
                assertEquals(0, arping.exitCode(), "arping round " + i + ": " + arping.stdout() + arping.stderr());
            }
            Thread.sleep(300);
            capture.stop();
            later = capture.frames();
        }
        assertEquals(0, arpQuestions(later, macA), "broadcast ARP requests from host a that crossed the WAN");
        assertEquals(0, solicitations(later, macA), "multicast solicitations from host a that crossed the WAN");
        assertEquals(crossedBefore, neighborStats("b").get("requests-from-peers").asLong(),
                "site b's count of questions that came from site a");
        System.out.printf("first contact: %d ARP requests and %d solicitations from host a crossed; %d rounds of"
                + " flush+ping+ping6+arping: %d and %d (%d frames captured)%n", arpQuestions(first, macA),
                solicitations(first, macA), ROUNDS, arpQuestions(later, macA), solicitations(later, macA), later.size());
        // Host b's own questions were answered by its own site too: the reverse direction works.
        assertTrue(ping6(b.host(), linkLocalA), "ping6 b -> a\n" + bed.describe());

        JsonNode statsA = neighborStats("a");
        assertTrue(statsA.get("arp-answered").asLong() >= 2L * ROUNDS, statsA.toString());
        // Not one per round: a host that hears the other's unicast NS (with its link-layer option) knows it again
        // without asking.
        assertTrue(statsA.get("nd-answered").asLong() >= 1, statsA.toString());
        assertEquals(0, statsA.get("dropped").asLong(), statsA.toString());
        JsonNode b11 = neighbor("a", b.hostIp());
        assertEquals(TwoSiteBridgeTest.macOf(b.host()), b11.get("mac").asText());
        assertEquals("b", b11.get("port").asText());
        // The command operators type, as a table and as JSON.
        Shell.Result table = bed.cli("neighbors", "--socket", a.socket().toString());
        assertEquals(0, table.exitCode(), table.stderr());
        assertTrue(table.stdout().startsWith("VLAN") && table.stdout().contains(b.hostIp()), table.stdout());
        Shell.Result json = bed.cli("neighbors", "--socket", a.socket().toString(), "--json");
        assertEquals(0, json.exitCode(), json.stderr());
        assertEquals(neighbors("a").size(), JSON.readTree(json.stdout()).size(), json.stdout());
    }

    @Test
    void anAddressThatMovesToAnotherMacIsRelearnedAndAnsweredWithTheNewMac() throws Exception {
        twoSitesWithSuppression();
        Testbed.Site a = bed.site("a");
        Testbed.Site b = bed.site("b");
        assertEquals(2, bed.ping("a", "b", 2, 0.2), bed.describe());
        String oldMac = TwoSiteBridgeTest.macOf(b.host());
        assertEquals(oldMac, neighbor("a", b.hostIp()).get("mac").asText());

        // Host b's address now belongs to another NIC, which announces itself as a fail-over would.
        String newMac = "02:7b:6e:64:00:02";
        b.host().run("ip", "link", "set", "dev", "eth0", "address", newMac);
        Shell.Result announce = b.host().exec(20, "arping", "-U", "-c", "2", "-I", "eth0", b.hostIp());
        assertTrue(announce.stdout().contains("2 packets transmitted") || announce.exitCode() == 0,
                announce.stdout() + announce.stderr());
        awaitNeighbor("a", n -> n.get("ip").asText().equals(b.hostIp()) && n.get("mac").asText().equals(newMac));
        JsonNode conflicts = neighborStats("a");
        assertTrue(conflicts.get("conflicts").asLong() >= 1 && conflicts.get("moved").asLong() >= 1,
                conflicts.toString());

        // While the conflict is held, requests flood and the host itself answers.
        a.host().run("ip", "-4", "neigh", "flush", "dev", "eth0");
        assertEquals(1, bed.ping("a", "b", 1, 0.2), bed.describe());
        assertEquals(newMac, hostNeighborMac(a.host(), b.hostIp()));

        // Then the site answers again, with the new MAC.
        awaitNeighbor("a", n -> n.get("ip").asText().equals(b.hostIp()) && n.get("state").asText().equals("reachable"));
        long answered = neighborStats("a").get("arp-answered").asLong();
        a.host().run("ip", "-4", "neigh", "flush", "dev", "eth0");
        assertEquals(1, bed.ping("a", "b", 1, 0.2), bed.describe());
        assertEquals(newMac, hostNeighborMac(a.host(), b.hostIp()));
        assertTrue(neighborStats("a").get("arp-answered").asLong() > answered);
    }

    /** Broadcast ARP requests from {@code mac} asking for another address: what suppression keeps local. */
    private static int arpQuestions(List<byte[]> frames, String mac) {
        int n = 0;
        for (byte[] f : frames) {
            if (f.length >= 42 && u16(f, 12) == 0x0806 && u16(f, 20) == 1 && isBroadcast(f) && mac(f, 6).equals(mac)
                    && u32(f, 28) != 0 && u32(f, 28) != u32(f, 38)) {
                n++;
            }
        }
        return n;
    }

    /** Multicast neighbour solicitations from {@code mac} with a source address (not DAD). */
    private static int solicitations(List<byte[]> frames, String mac) {
        int n = 0;
        for (byte[] f : frames) {
            if (f.length >= 78 && u16(f, 12) == 0x86DD && (f[20] & 0xFF) == 58 && (f[54] & 0xFF) == 135
                    && (f[0] & 1) == 1 && mac(f, 6).equals(mac) && !isZero(f, 22, 16)) {
                n++;
            }
        }
        return n;
    }

    private static boolean isBroadcast(byte[] f) {
        for (int i = 0; i < 6; i++) {
            if (f[i] != (byte) 0xFF) {
                return false;
            }
        }
        return true;
    }

    private static boolean isZero(byte[] f, int from, int length) {
        for (int i = from; i < from + length; i++) {
            if (f[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static int u16(byte[] f, int at) {
        return (f[at] & 0xFF) << 8 | (f[at + 1] & 0xFF);
    }

    private static long u32(byte[] f, int at) {
        return (long) u16(f, at) << 16 | u16(f, at + 2);
    }

    private static String mac(byte[] f, int at) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            sb.append(i == 0 ? "" : ":").append(String.format("%02x", f[at + i] & 0xFF));
        }
        return sb.toString();
    }

    /** The host's link-local address on eth0 once DAD has finished with it. */
    private static String linkLocal(Netns host) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            JsonNode links = JSON.readTree(host.run("ip", "-j", "-6", "addr", "show", "dev", "eth0", "scope", "link"));
            for (JsonNode info : links.path(0).path("addr_info")) {
                if (!info.path("tentative").asBoolean(false) && info.path("local").asText().startsWith("fe80:")) {
                    return info.get("local").asText();
                }
            }
            assertTrue(System.nanoTime() < deadline, "no usable link-local address on eth0: " + links);
            Thread.sleep(200);
        }
    }

    private static boolean ping6(Netns host, String address) {
        return host.exec(30, "ping", "-6", "-n", "-q", "-c", "1", "-W", "3", address + "%eth0").ok();
    }

    private static String hostNeighborMac(Netns host, String address) throws IOException {
        JsonNode rows = JSON.readTree(host.run("ip", "-j", "-4", "neigh", "show", address, "dev", "eth0"));
        return rows.path(0).path("lladdr").asText();
    }

    /** Asked on the control socket from this JVM: polling through a CLI JVM per look is slow on a busy machine. */
    private JsonNode neighbors(String site) throws IOException {
        return query(site, ControlRequest.Command.NEIGHBORS);
    }

    private JsonNode neighborStats(String site) throws IOException {
        return query(site, ControlRequest.Command.STATS).get("neighbors");
    }

    private JsonNode query(String site, ControlRequest.Command command) throws IOException {
        String reply = ControlClient.query(bed.site(site).socket(), new ControlRequest(command, true));
        assertTrue(reply.startsWith("[") || reply.startsWith("{"), reply);
        return JSON.readTree(reply);
    }

    private JsonNode neighbor(String site, String ip) throws IOException {
        for (JsonNode n : neighbors(site)) {
            if (n.get("ip").asText().equals(ip)) {
                return n;
            }
        }
        throw new AssertionError(ip + " missing from site " + site + "'s neighbours: " + neighbors(site));
    }

    private void awaitNeighbor(String site, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JsonNode all;
        do {
            all = neighbors(site);
            for (JsonNode n : all) {
                if (condition.test(n)) {
                    return;
                }
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("site " + site + "'s neighbours never matched: " + all + "\n" + bed.describe());
    }
}
