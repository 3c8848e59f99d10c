package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tapbridge.testing.Privileges;

/**
 * TAP offloads end to end: the sending gateway reads TSO super-frames and cuts them per peer, the receiving
 * one joins the segments back into super-frames for its TAP; files arrive intact over both transports, and a
 * gateway without offloads takes what one with offloads sends, and the reverse.
 */
class OffloadTransferTest {
    private static final int TIME_LIMIT_SECONDS = 120;

    @TempDir
    Path dir;

    private Testbed bed;

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp"})
    void twoHundredMegabytesCrossIntactAsSuperFramesCutPerPeerAndJoinedAgain(String transport) throws Exception {
        startTwoSites(transport, false);
        Transfers.Payload payload = Transfers.randomFile(dir.resolve("payload.bin"), 200, 42);
        JsonNode beforeA = offloads("a");
        JsonNode beforeB = offloads("b");

        Transfers.Outcome outcome = Transfers.tcp(bed, "a", "b", payload, 5001, TIME_LIMIT_SECONDS);

        JsonNode a = offloads("a");
        JsonNode b = offloads("b");
        String figures = String.format("%s: 200 MiB in %.1f s (%.0f Mbit/s); a: %s; b: %s", transport,
                outcome.seconds(), payload.bytes() * 8 / outcome.seconds() / 1e6, a, b);
        System.out.println("offloads " + figures);
        assertEquals("", outcome.senderErrors(), figures + "\n" + bed.describe());
        assertEquals(payload.sha256(), outcome.receivedSha256(), "sha256 at host b; " + figures);
        assertTrue(a.get("enabled").asText().contains("tso4"), "site a asked for TSO: " + figures);
        long superFrames = delta(beforeA, a, "gso-tcp-super-frames");
        long segments = delta(beforeA, a, "gso-tcp-segments");
        // Host a's kernel handed over super-frames, each cut into several segments no longer than the link.
        assertTrue(superFrames > 0 && segments > 2 * superFrames, figures);
        assertTrue(segments >= payload.bytes() / 1500, "every payload byte travelled in a segment: " + figures);
        assertEquals(0, delta(beforeA, a, "gso-refused"), figures);
        if (transport.equals("udp")) {
            // Datagrams land in the ring and are joined; a TCP stream's buffer moves on, so it is written plainly.
            assertTrue(delta(beforeB, b, "gro-super-frames-written") > 0
                    && delta(beforeB, b, "gro-segments-coalesced") > 2 * delta(beforeB, b, "gro-super-frames-written"),
                    figures);
        }
    }

    @Test
    void aGatewayWithoutOffloadsAndOneWithThemCarryFilesBothWays() throws Exception {
        startTwoSites("udp", true);
        Transfers.Payload payload = Transfers.randomFile(dir.resolve("payload.bin"), 50, 7);

        Transfers.Outcome toPlain = Transfers.tcp(bed, "a", "b", payload, 5001, TIME_LIMIT_SECONDS);
        Transfers.Outcome fromPlain = Transfers.tcp(bed, "b", "a", payload, 5002, TIME_LIMIT_SECONDS);

        JsonNode a = offloads("a");
        JsonNode b = offloads("b");
        String figures = "a (offloads): " + a + "; b (offloads = false): " + b;
        assertEquals(payload.sha256(), toPlain.receivedSha256(), "a to b; " + figures);
        assertEquals(payload.sha256(), fromPlain.receivedSha256(), "b to a; " + figures);
        assertEquals("none", b.get("enabled").asText(), figures);
        assertEquals(0, b.get("vnet-header").asLong(), figures);
        assertTrue(a.get("gso-tcp-segments").asLong() > 0, "a cut super-frames for b: " + figures);
        assertTrue(a.get("gro-super-frames-written").asLong() > 0, "a joined b's plain segments: " + figures);
    }

    /** Sites a and b over {@code transport}; b with {@code offloads = false} when {@code plainB}. */
    private void startTwoSites(String transport, boolean plainB) throws Exception {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("nc", "netcat-openbsd");
        bed = new Testbed(dir, "tbof");
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        if (plainB) {
            bed.siteOption("b", "offloads = false");
        }
        bed.writeMeshConfigs(transport);
        bed.start("a");
        bed.start("b");
        bed.awaitMeshUp(40);
    }

    private JsonNode offloads(String site) throws Exception {
        JsonNode offloads = bed.stats(site).get("offloads");
        assertTrue(offloads != null, "no offloads in stats --json of " + site);
        return offloads;
    }

    private static long delta(JsonNode before, JsonNode after, String counter) {
        JsonNode n = after.get(counter);
        assertTrue(n != null && n.isNumber(), "no offloads." + counter + " in " + after);
        return n.asLong() - before.get(counter).asLong();
    }
}
