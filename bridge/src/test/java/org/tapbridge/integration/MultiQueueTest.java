package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * {@code [site] queues = 2}: two data-path loops per site, one per TAP queue, each with its own socket of the
 * shared port and its own sessions with the peer's loop of the same index. Files cross intact whichever loop
 * their flow lands on, the second loop carries a share, and a site of two loops works with a site of one by
 * keeping its second queue detached.
 */
class MultiQueueTest {
    private static final int TIME_LIMIT_SECONDS = 120;
    /**
     * Enough flows that some land on each queue: the kernel picks a queue per flow by its hash (and then
     * keeps it where its replies are written). With 16, none landing on the second queue is a 1-in-65,536 case.
     */
    private static final int FLOWS = 16;

    @TempDir
    Path dir;

    private Testbed bed;

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void twoLoopsPerSiteCarryFlowsIntactAndShareThem() throws Exception {
        startTwoSites(2, 2);
        awaitQueue("a", "attached");
        awaitQueue("b", "attached");

        long bytes = 0;
        double seconds = 0;
        for (int flow = 0; flow < FLOWS; flow++) {
            Transfers.Payload payload = Transfers.randomFile(dir.resolve("payload" + flow + ".bin"), 8, 100 + flow);
            Transfers.Outcome outcome = Transfers.tcp(bed, flow % 2 == 0 ? "a" : "b", flow % 2 == 0 ? "b" : "a",
                    payload, 5001 + flow, TIME_LIMIT_SECONDS);
            assertEquals("", outcome.senderErrors(), "flow " + flow + "\n" + bed.describe());
            assertEquals(payload.sha256(), outcome.receivedSha256(), "flow " + flow);
            bytes += payload.bytes();
            seconds += outcome.seconds();
        }

        JsonNode laneA = lane("a");
        JsonNode laneB = lane("b");
        String figures = FLOWS + " flows, " + bytes / 1_000_000 + " MB in " + String.format("%.1f", seconds) + " s; a: " + laneA
                + "; b: " + laneB + "; a tap: " + bed.stats("a").get("tap");
        System.out.println("multi-queue " + figures);
        long laneReads = laneA.get("frames-read").asLong() + laneB.get("frames-read").asLong();
        long allReads = bed.stats("a").get("tap").get("frames-read").asLong()
                + bed.stats("b").get("tap").get("frames-read").asLong();
        // Half on average; a twentieth is the share of one flow's data and acknowledgements, give or take.
        assertTrue(laneReads * 20 > allReads, "the second loops read flows from their queues (" + laneReads
                + " of " + allReads + " reads): " + figures);
        assertTrue(laneA.get("datagrams-sent").asLong() > 0 && laneB.get("datagrams-sent").asLong() > 0,
                "the second loops sealed and sent on both sites: " + figures);
        assertEquals(0, laneA.get("wrong-lane-drops").asLong() + laneB.get("wrong-lane-drops").asLong(), figures);
        JsonNode statsA = bed.stats("a");
        long tapReadA = statsA.get("tap").get("frames-read").asLong();
        assertTrue(tapReadA > laneA.get("frames-read").asLong(), "stats tap adds up the loops: " + figures);
        // Each loop pair completed its own handshake, initiated by either side: whichever daemon started first
        // lost its first initiation and gave way to the other's, so only both sites together count both.
        JsonNode cryptoB = bed.stats("b").get("crypto");
        assertTrue(statsA.get("crypto").get("handshakes-completed").asLong()
                + cryptoB.get("handshakes-completed").asLong() >= 2, "crypto adds up the loops: a "
                + statsA.get("crypto") + "; b " + cryptoB);
    }

    @Test
    void aSiteOfTwoLoopsKeepsItsSecondQueueDetachedTowardsASiteOfOne() throws Exception {
        startTwoSites(2, 1);
        Transfers.Payload payload = Transfers.randomFile(dir.resolve("payload.bin"), 32, 7);
        for (int flow = 0; flow < 4; flow++) {
            Transfers.Outcome outcome = Transfers.tcp(bed, "a", "b", payload, 5101 + flow, TIME_LIMIT_SECONDS);
            assertEquals("", outcome.senderErrors(), bed.describe());
            assertEquals(payload.sha256(), outcome.receivedSha256(), "flow " + flow);
        }
        JsonNode laneA = lane("a");
        assertEquals("detached", laneA.get("queue").asText(), laneA.toString());
        assertEquals(0, laneA.get("peers-up").asLong(), laneA.toString());
        assertEquals(0, laneA.get("frames-read").asLong(), "a detached queue gets no frames: " + laneA);
        JsonNode drops = bed.stats("b").get("link-drops-unattributed");
        assertTrue(drops.has("wrong-lane") && drops.get("wrong-lane").asLong() > 0,
                "b (one loop) refused a's second loop's handshakes by their lane byte: " + drops);
    }

    @Test
    void aPeerRestartedWithFewerLoopsStopsBeingCarriedByTheSecondQueueWithinSeconds() throws Exception {
        startTwoSites(2, 2);
        awaitQueue("a", "attached");
        Transfers.Payload payload = Transfers.randomFile(dir.resolve("payload.bin"), 8, 11);
        Transfers.Outcome before = Transfers.tcp(bed, "a", "b", payload, 5201, TIME_LIMIT_SECONDS);
        assertEquals(payload.sha256(), before.receivedSha256(), bed.describe());

        // b comes back with one loop: a's second loop still holds keys for a loop b no longer runs.
        bed.daemon("b").stop();
        Path configB = bed.site("b").config();
        Files.writeString(configB, Files.readString(configB).replace("queues = 2\n", ""));
        bed.start("b");
        long restartedNs = System.nanoTime();
        bed.awaitMeshUp(40);

        // Without the check, a's second loop would carry b until its dead-peer time (30 s) and lose the
        // flows the kernel hashed onto its queue; with it, b's silence on lane 1 detaches the queue.
        long deadline = restartedNs + 15_000_000_000L;
        JsonNode lane = lane("a");
        while (!"detached".equals(lane.get("queue").asText()) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            lane = lane("a");
        }
        double seconds = (System.nanoTime() - restartedNs) / 1e9;
        System.out.printf("multi-queue: a's second queue detached %.1f s after b restarted with one loop: %s%n",
                seconds, lane);
        assertEquals("detached", lane.get("queue").asText(), "within 15 s of b's restart: " + lane);
        assertEquals(1, lane.get("peers-unconfirmed").asLong(), lane.toString());

        long readsBefore = lane.get("frames-read").asLong();
        for (int flow = 0; flow < 4; flow++) {
            Transfers.Outcome outcome = Transfers.tcp(bed, "a", "b", payload, 5211 + flow, TIME_LIMIT_SECONDS);
            assertEquals("", outcome.senderErrors(), bed.describe());
            assertEquals(payload.sha256(), outcome.receivedSha256(), "flow " + flow);
        }
        assertEquals(readsBefore, lane("a").get("frames-read").asLong(), "the detached queue got no frames");
    }

    @Test
    void aReloadReachesEveryLoopWithPeersAddedAndTheSwitchRebuilt() throws Exception {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("nc", "netcat-openbsd");
        Privileges.requireCommand("ping", "iputils-ping");
        bed = new Testbed(dir, "tbmq");
        for (String site : new String[] {"a", "b", "c"}) {
            bed.addSite(site, site.charAt(0) - 'a' + 1);
            bed.multiQueueTap(site);
            bed.siteOption(site, "queues = 2");
        }
        bed.writeMeshConfigs("udp");
        String full = Files.readString(bed.site("a").config());
        Files.writeString(bed.site("a").config(), Testbed.withoutPeer(full, "c"));
        bed.start("a");
        bed.start("b");
        bed.start("c");
        long started = System.nanoTime() + 30_000_000_000L;
        // Until a answers, not only until its socket file exists: the file appears at bind(), a moment
        // before listen(), and a connect in between is refused (one CI run met it).
        while (!answers("a") && System.nanoTime() < started) {
            Thread.sleep(100);
        }
        awaitQueue("a", "attached");
        assertEquals(1, lane("a").get("peers-up").asLong(), "loop 1 of a knows b only");

        // Peer c added, and a switch limit changed: the first loop rebuilds its switch, loop 1 needs a new lane.
        Path next = dir.resolve("a-with-c.toml");
        Files.writeString(next, full + "\n[switch]\nmac-aging-seconds = 200\n");
        Shell.Result reload = bed.cli("reload", "--config", next.toString(), "--socket",
                bed.site("a").socket().toString());
        assertEquals(0, reload.exitCode(), reload.stdout() + reload.stderr() + "\n" + bed.describe());

        long deadline = System.nanoTime() + 40_000_000_000L;
        while (lane("a").get("peers-up").asLong() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(2, lane("a").get("peers-up").asLong(), "loop 1 of a took c on: " + lane("a"));
        awaitQueue("a", "attached");
        assertEquals(3, bed.ping("a", "c", 3, 0.2), "a reaches c\n" + bed.describe());
        long before = lane("a").get("frames-read").asLong() + lane("a").get("frames-written").asLong();
        for (int flow = 0; flow < FLOWS; flow++) {
            Transfers.Payload payload = Transfers.randomFile(dir.resolve("after" + flow + ".bin"), 4, 300 + flow);
            Transfers.Outcome outcome = Transfers.tcp(bed, "a", flow % 2 == 0 ? "b" : "c", payload, 5201 + flow,
                    TIME_LIMIT_SECONDS);
            assertEquals(payload.sha256(), outcome.receivedSha256(), "flow " + flow + " after the reload");
        }
        long after = lane("a").get("frames-read").asLong() + lane("a").get("frames-written").asLong();
        assertTrue(after > before, "loop 1 of a still carries flows after the reload: " + lane("a"));
    }

    private void startTwoSites(int queuesA, int queuesB) throws Exception {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("nc", "netcat-openbsd");
        bed = new Testbed(dir, "tbmq");
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        if (queuesA > 1) {
            bed.multiQueueTap("a");
            bed.siteOption("a", "queues = " + queuesA);
        }
        if (queuesB > 1) {
            bed.multiQueueTap("b");
            bed.siteOption("b", "queues = " + queuesB);
        }
        bed.writeMeshConfigs("udp");
        bed.start("a");
        bed.start("b");
        bed.awaitMeshUp(40);
    }

    private boolean answers(String site) {
        try {
            bed.stats(site);
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }

    private JsonNode lane(String site) throws Exception {
        JsonNode lanes = bed.stats(site).get("lanes");
        assertTrue(lanes != null && lanes.size() == 1, "one further loop in stats --json of " + site + ": " + lanes);
        return lanes.get(0);
    }

    private void awaitQueue(String site, String state) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        JsonNode lane = lane(site);
        while (!state.equals(lane.get("queue").asText()) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            lane = lane(site);
        }
        assertEquals(state, lane.get("queue").asText(), site + ": " + lane);
    }
}
