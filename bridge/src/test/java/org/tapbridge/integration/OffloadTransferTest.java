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
        // Segments are joined again before the TAP, from the ring (UDP) or copied from the stream buffer (TCP).
        assertTrue(delta(beforeB, b, "gro-super-frames-written") > 0
                && delta(beforeB, b, "gro-segments-coalesced") > 2 * delta(beforeB, b, "gro-super-frames-written"),
                figures);
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

    @Test
    void udpBurstsArriveAsTheDatagramsSentWhileJoinedIntoUsoSuperFramesOnTheWay() throws Exception {
        startTwoSites("udp", false);
        JsonNode beforeB = offloads("b");
        int count = 20_000;
        int port = 5003;
        Process sink = new ProcessBuilder(NumberedDatagrams.command(bed.site("b").host(), "receive",
                String.valueOf(port), String.valueOf(count), "3000", "60")).redirectErrorStream(true).start();
        String received;
        String sent;
        try {
            Transfers.awaitListening(bed.site("b").host(), "-u", port, 20);
            Process sender = new ProcessBuilder(NumberedDatagrams.command(bed.site("a").host(), "send",
                    bed.site("b").hostIp(), String.valueOf(port), String.valueOf(count), "32"))
                    .redirectErrorStream(true).start();
            assertTrue(sender.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the sender still runs after 60 s");
            sent = new String(sender.getInputStream().readAllBytes());
            assertTrue(sink.waitFor(70, java.util.concurrent.TimeUnit.SECONDS), "the receiver still runs after 70 s");
            received = new String(sink.getInputStream().readAllBytes());
        } finally {
            sink.destroyForcibly();
        }
        JsonNode b = offloads("b");
        long superFrames = delta(beforeB, b, "gro-udp-super-frames-written");
        long joined = delta(beforeB, b, "gro-udp-datagrams-coalesced");
        String figures = sent.trim() + "; " + received.replace("listening", "").trim() + "; b wrote " + superFrames + " UDP super-frames of "
                + joined + " datagrams";
        System.out.println("udp coalescing: " + figures);
        assertEquals(count, NumberedDatagrams.figure(sent, "sent"), figures);
        // Whatever arrives is exactly a datagram host a sent: no datagram cut elsewhere, merged, altered or
        // repeated by the super-frames it travelled in between b's gateway and host b.
        assertEquals(0, NumberedDatagrams.figure(received, "bad"), figures);
        assertEquals(0, NumberedDatagrams.figure(received, "duplicate"), figures);
        assertTrue(b.get("enabled").asText().contains("uso4"), "b's TAP took USO: " + figures);
        assertTrue(superFrames > 0 && joined > 2 * superFrames, figures);
        // UDP may lose on a loaded 2-core machine, but not most of a paced burst.
        assertTrue(NumberedDatagrams.figure(received, "good") >= count * 9L / 10, figures);
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
