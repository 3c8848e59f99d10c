package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/** A three-site mesh, hostile input on the WAN, and a peer that crashes and comes back. */
class MeshAndResilienceTest {

    @TempDir
    Path dir;

    private Testbed bed;

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    private void sites(String transport, String... names) throws Exception {
        Privileges.requireNetworkAdmin();
        bed = new Testbed(dir);
        for (int i = 0; i < names.length; i++) {
            bed.addSite(names[i], i + 1);
        }
        bed.writeMeshConfigs(transport);
        for (String n : names) {
            bed.start(n);
        }
        bed.awaitMeshUp(40);
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp"})
    void aBroadcastInAThreeSiteMeshArrivesExactlyOnceAtEverySite(String transport) throws Exception {
        Privileges.requireCommand("tcpdump", "tcpdump");
        Privileges.requireCommand("nc", "netcat-openbsd");
        sites(transport, "a", "b", "c");
        String filter = "udp and dst port 9999";
        try (Capture atA = Capture.start(bed.site("a").host(), "eth0", 5, "-Q", "in", filter);
             Capture atB = Capture.start(bed.site("b").host(), "eth0", 5, "-Q", "in", filter);
             Capture atC = Capture.start(bed.site("c").host(), "eth0", 5, "-Q", "in", filter)) {
            bed.site("a").host().run("sh", "-c", "echo tapbridge-broadcast-marker | nc -u -b -w1 192.0.2.255 9999");
            List<String> seenAtB = atB.finish();
            List<String> seenAtC = atC.finish();
            List<String> seenAtA = atA.finish();
            assertEquals(1, seenAtB.size(), "site b must see the broadcast exactly once: " + seenAtB);
            assertEquals(1, seenAtC.size(), "site c must see the broadcast exactly once: " + seenAtC);
            assertEquals(0, seenAtA.size(), "the broadcast must never come back to its origin: " + seenAtA);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp"})
    void garbageSentToTheListenPortIsCountedWhileTrafficKeepsFlowing(String transport) throws Exception {
        sites(transport, "a", "b");
        Netns stranger = Netns.create("str");
        try {
            stranger.vethTo(bed.wan(), "wan0", "wstr");
            bed.wan().run("ip", "link", "set", "wstr", "master", "br0");
            stranger.run("ip", "addr", "add", "198.18.0.99/24", "dev", "wan0");
            String target = bed.site("a").wanIp();
            // 400 random UDP datagrams of 1..1400 bytes, and 20 TCP connections that send noise.
            String garbage = "for i in $(seq 1 400); do head -c $((RANDOM % 1400 + 1)) /dev/urandom "
                    + "> /dev/udp/" + target + "/" + Testbed.PORT + "; done; "
                    + "for i in $(seq 1 20); do timeout 2 bash -c 'head -c 3000 /dev/urandom > /dev/tcp/" + target
                    + "/" + Testbed.PORT + "' 2>/dev/null; done; true";
            CompletableFuture<Integer> pings = CompletableFuture.supplyAsync(() -> bed.ping("b", "a", 60, 0.05));
            Shell.Result noise = stranger.exec(60, "bash", "-c", garbage);
            assertEquals(0, noise.exitCode(), noise.stderr());
            assertEquals(60, pings.get(), "pings lost while garbage arrived\n" + bed.describe());
            assertTrue(bed.daemon("a").isAlive(), bed.describe());

            JsonNode drops = bed.stats("a").get("link-drops-unattributed");
            long total = 0;
            for (JsonNode n : drops) {
                total += n.asLong();
            }
            assertTrue(total >= 300, "expected most garbage datagrams counted as drops, got " + drops);
            assertEquals(5, bed.ping("a", "b", 5, 0.1), "traffic after the garbage\n" + bed.describe());
        } finally {
            stranger.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp"})
    void aKilledPeerThatRestartsCarriesTrafficAgainWithinFiveSeconds(String transport) throws Exception {
        sites(transport, "a", "b");
        assertEquals(3, bed.ping("a", "b", 3, 0.2), bed.describe());

        bed.daemon("b").kill();
        long restartNs = System.nanoTime();
        bed.start("b");
        boolean resumed = false;
        while (System.nanoTime() - restartNs < 5_000_000_000L) {
            Shell.Result r = bed.site("a").host().exec(5, "ping", "-n", "-c", "1", "-W", "1", bed.site("b").hostIp());
            if (r.ok()) {
                resumed = true;
                break;
            }
        }
        long elapsedMs = (System.nanoTime() - restartNs) / 1_000_000;
        assertTrue(resumed, "no ping answered within 5 s of the restart (" + elapsedMs + " ms)\n" + bed.describe());
    }

    @Test
    void sigtermStopsTheDaemonWithinOneSecondAndRemovesItsSocket() throws Exception {
        sites("udp", "a", "b");
        long start = System.nanoTime();
        int status = bed.daemon("a").stop();
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(elapsedMs < 1500, "SIGTERM took " + elapsedMs + " ms");
        assertTrue(List.of(0, 143).contains(status), "exit status " + status);
        assertTrue(!java.nio.file.Files.exists(bed.site("a").socket()), "control socket left behind");
        assertTrue(bed.site("a").gateway().run("ip", "-o", "link", "show", "tap0").contains("tap0"),
                "a persistent TAP must survive the daemon");
    }
}
