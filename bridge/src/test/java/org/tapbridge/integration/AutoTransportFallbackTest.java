package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * {@code transport = "auto"} between two real daemons: with UDP dropped on the WAN (nftables on its
 * bridge) the link comes up over TCP; with UDP let through again it moves back to UDP while pings run,
 * keeping its MAC entries on the same switch port.
 */
class AutoTransportFallbackTest {
    /** The shortest allowed: the move back comes within 10 s of UDP working. */
    private static final int PROBE_SECONDS = 10;
    private static final String TABLE = "tbau";

    @TempDir
    Path dir;

    private Testbed bed;
    private Netns wan;

    @AfterEach
    void tearDown() {
        if (wan != null) {
            // Gone already when the test unblocked UDP; removed here whatever happened before.
            wan.exec(10, "nft", "delete", "table", "bridge", TABLE);
        }
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void aLinkBehindAUdpBlockComesUpOverTcpAndMovesBackToUdpKeepingItsMacs() throws Exception {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("nft", "nftables");
        bed = new Testbed(dir, "tbau");
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        bed.writeMeshConfigs("auto");
        for (String site : List.of("a", "b")) {
            // Each config ends with its one [[peer]] table: this line belongs to it.
            Files.writeString(bed.site(site).config(), "udp-probe-seconds = " + PROBE_SECONDS + "\n",
                    StandardOpenOption.APPEND);
        }
        wan = bed.wan();
        Path rules = dir.resolve("block-udp.nft");
        // On the WAN bridge: every tunnel datagram, either way (both sites send from and to port 4790).
        Files.writeString(rules, "table bridge " + TABLE + " {\n"
                + "  chain forward {\n"
                + "    type filter hook forward priority 0; policy accept;\n"
                + "    udp dport " + Testbed.PORT + " counter drop\n"
                + "  }\n"
                + "}\n");
        wan.run("nft", "-f", rules.toString());

        long startNs = System.nanoTime();
        bed.start("a");
        bed.start("b");
        bed.awaitMeshUp(60);
        long upSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNs);
        for (String site : List.of("a", "b")) {
            JsonNode peer = bed.peers(site).get(0);
            assertEquals("auto", peer.get("transport").asText(), peer.toString());
            assertEquals("tcp", peer.get("transport-in-use").asText(), peer + "\n" + bed.describe());
            assertTrue(peer.get("transport-reason").asText().startsWith("tcp ("), peer.toString());
            assertTrue(peer.get("transport-fallbacks").asLong() >= 1, peer.toString());
        }
        String why = bed.peers("a").get(0).get("transport-reason").asText();
        assertTrue(droppedDatagrams() > 0, "the block must have dropped the UDP handshakes");
        assertEquals(5, bed.ping("a", "b", 5, 0.2), "frames must pass over TCP\n" + bed.describe());
        String macB = mac(bed.site("b").host());
        assertEquals("b", macPort("a", macB), "host b's MAC must be learned on site a's port for peer b");
        int portBefore = bed.peers("a").get(0).get("port").asInt();
        long droppedWhileBlocked = droppedDatagrams();

        // Pings for 30 s while UDP is let through again after 2 s; the move back must happen meanwhile.
        int count = 300;
        CompletableFuture<Shell.Result> pings = CompletableFuture.supplyAsync(() -> bed.site("a").host().exec(60,
                "ping", "-n", "-q", "-c", String.valueOf(count), "-i", "0.1", "-W", "2", bed.site("b").hostIp()));
        Thread.sleep(2_000);
        wan.run("nft", "delete", "table", "bridge", TABLE);
        long unblockedNs = System.nanoTime();
        long movedNs = 0;
        boolean alwaysUp = true;
        while (System.nanoTime() - unblockedNs < TimeUnit.SECONDS.toNanos(25)) {
            JsonNode a = bed.peers("a").get(0);
            JsonNode b = bed.peers("b").get(0);
            alwaysUp &= a.get("state").asText().equals("up") && b.get("state").asText().equals("up");
            if (a.get("transport-in-use").asText().equals("udp") && b.get("transport-in-use").asText().equals("udp")) {
                movedNs = System.nanoTime();
                break;
            }
            Thread.sleep(250);
        }
        assertTrue(movedNs != 0, "both sides must be back on udp within 25 s of the unblock\n" + bed.peers("a")
                + "\n" + bed.peers("b") + "\n" + bed.describe());
        Shell.Result ping = pings.get(90, TimeUnit.SECONDS);
        String summary = ping.stdout().lines().filter(l -> l.contains("received")).findFirst().orElse(ping.stdout());
        double moveSeconds = (movedNs - unblockedNs) / 1e9;
        System.out.printf("auto transport: up over tcp after %d s (%s); back on udp %.1f s after the unblock; "
                + "pings during the move: %s%n", upSeconds, why, moveSeconds, summary);

        assertTrue(alwaysUp, "the peer must stay up through the move\n" + bed.describe());
        assertTrue(summary.contains(count + " packets transmitted, " + count + " received"),
                "no ping may be lost while the link moves: " + summary + "\n" + bed.describe());
        assertFalse(summary.contains("duplicates"), "nothing may arrive twice: " + summary);
        for (String site : List.of("a", "b")) {
            JsonNode peer = bed.peers(site).get(0);
            assertEquals(1, peer.get("transport-moves-back").asLong(), peer.toString());
            assertTrue(peer.get("transport-reason").asText().startsWith("udp (back"), peer.toString());
            JsonNode transport = bed.stats(site).get("transport");
            assertEquals(1, transport.get("moves-back-to-udp").asLong(), transport.toString());
            assertEquals(0, transport.get("auto-peers-on-tcp").asLong(), transport.toString());
            // Neither site took the peer down, which is what flushes a peer's MACs.
            String log = bed.daemon(site).log();
            assertFalse(log.contains("is down; forgetting its MACs"), site + "'s log:\n" + log);
        }
        assertEquals(portBefore, bed.peers("a").get(0).get("port").asInt());
        assertEquals("b", macPort("a", macB), "host b's MAC must still be on port b");
        assertEquals(0, bed.stats("a").get("ports").get("b").get("moved").asLong(),
                "no MAC may have moved ports");
        // Traffic now really leaves over UDP: the datagram counter grows with a few more pings.
        long sentBefore = bed.stats("a").get("udp").get("datagrams-sent").asLong();
        assertEquals(5, bed.ping("a", "b", 5, 0.2));
        assertTrue(bed.stats("a").get("udp").get("datagrams-sent").asLong() >= sentBefore + 5);
        assertTrue(droppedWhileBlocked > 0);

        // The idle TCP connection closes within 30 s of its last message (plus a tick), and that is not the
        // peer going down.
        long closeDeadlineNs = movedNs + TimeUnit.SECONDS.toNanos(45);
        while (tcpConnections(bed.site("a").gateway()) > 0 && System.nanoTime() < closeDeadlineNs) {
            Thread.sleep(500);
        }
        assertEquals(0, tcpConnections(bed.site("a").gateway()), "the idle TCP connection must close\n"
                + bed.describe());
        assertEquals(5, bed.ping("a", "b", 5, 0.2));
        for (String site : List.of("a", "b")) {
            assertEquals("up", bed.peers(site).get(0).get("state").asText());
            assertEquals("udp", bed.peers(site).get(0).get("transport-in-use").asText());
            assertFalse(bed.daemon(site).log().contains("is down; forgetting its MACs"), bed.describe());
        }
        assertEquals("b", macPort("a", macB));
    }

    /** Established TCP connections to or from the tunnel port in a gateway. */
    private static int tcpConnections(Netns gateway) {
        String out = gateway.exec(10, "ss", "-Htn", "state", "established", "( sport = :" + Testbed.PORT
                + " or dport = :" + Testbed.PORT + " )").stdout();
        return (int) out.lines().filter(l -> !l.isBlank()).count();
    }

    @Test
    void anAutoSiteFollowsAPeerFixedOnTcpAndThatPeerDropsTheUdpTries() throws Exception {
        Privileges.requireNetworkAdmin();
        bed = new Testbed(dir, "tbau");
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        bed.writeMeshConfigs("auto");
        Path configB = bed.site("b").config();
        Files.writeString(configB, Files.readString(configB).replace("transport = \"auto\"", "transport = \"tcp\""));
        bed.start("a");
        bed.start("b");
        bed.awaitMeshUp(60);
        JsonNode a = bed.peers("a").get(0);
        assertEquals("tcp", a.get("transport-in-use").asText(), a + "\n" + bed.describe());
        JsonNode b = bed.peers("b").get(0);
        assertEquals("tcp", b.get("transport").asText());
        assertEquals("tcp", b.get("transport-in-use").asText());
        assertTrue(b.get("transport-reason").isNull(), b.toString());
        assertEquals(5, bed.ping("a", "b", 5, 0.2), bed.describe());
        // Site a tried UDP first (b dialled it within a second or two, or a fell back after 10 s): b refused
        // those datagrams as the wrong transport, and answered none of them.
        JsonNode wrong = bed.peers("b").get(0).get("drops").get("wrong-transport");
        assertTrue(wrong != null && wrong.asLong() >= 1, bed.peers("b").toString());
        System.out.println("auto against tcp: " + a.get("transport-reason").asText() + "; b dropped "
                + wrong.asLong() + " UDP message(s) as wrong-transport");
    }

    private long droppedDatagrams() {
        Shell.Result r = wan.exec(10, "nft", "list", "table", "bridge", TABLE);
        for (String line : r.stdout().split("\n")) {
            int at = line.indexOf("packets ");
            if (line.contains("drop") && at >= 0) {
                return Long.parseLong(line.substring(at + 8).trim().split(" ")[0]);
            }
        }
        return 0;
    }

    private static String mac(Netns host) {
        String out = host.run("cat", "/sys/class/net/eth0/address");
        return out.trim();
    }

    /** The port name {@code macs --json} of {@code site} shows for {@code mac}, or null. */
    private String macPort(String site, String mac) throws Exception {
        Shell.Result r = bed.cli("macs", "--socket", bed.site(site).socket().toString(), "--json");
        assertTrue(r.ok(), r.stderr());
        JsonNode rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.stdout());
        for (JsonNode row : rows) {
            if (row.get("mac").asText().equalsIgnoreCase(mac)) {
                return row.get("port").asText();
            }
        }
        return null;
    }
}
