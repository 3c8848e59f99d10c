package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/** Two sites in namespaces joined by two real daemons, over UDP and over TCP. */
class TwoSiteBridgeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Testbed bed;

    private Testbed twoSites(String transport) throws Exception {
        Privileges.requireNetworkAdmin();
        bed = new Testbed(dir);
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        bed.writeMeshConfigs(transport);
        bed.start("a");
        bed.start("b");
        bed.awaitMeshUp(30);
        return bed;
    }

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp"})
    void hostsOnBothSitesPingEachOther(String transport) throws Exception {
        twoSites(transport);
        assertEquals(5, bed.ping("a", "b", 5, 0.2), bed.describe());
        assertEquals(5, bed.ping("b", "a", 5, 0.2), bed.describe());
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp"})
    void aFiftyMegabyteTcpTransferArrivesIntact(String transport) throws Exception {
        Privileges.requireCommand("nc", "netcat-openbsd");
        twoSites(transport);
        Path file = dir.resolve("payload.bin");
        byte[] chunk = new byte[1 << 20];
        Random random = new Random(42);
        try (var out = Files.newOutputStream(file)) {
            for (int i = 0; i < 50; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        String expected = Shell.run("sha256sum", file.toString()).split(" ")[0];
        Path received = dir.resolve("received.sha256");
        var b = bed.site("b");
        var a = bed.site("a");
        ProcessBuilder listener = new ProcessBuilder(b.host().inside("sh", "-c",
                "timeout 90 nc -l -p 5001 | sha256sum > " + received));
        Process sink = listener.start();
        try {
            Thread.sleep(500);
            Shell.Result send = a.host().exec(90, "sh", "-c", "timeout 80 nc -N " + b.hostIp() + " 5001 < " + file);
            assertEquals(0, send.exitCode(), "sender failed: " + send.stderr() + "\n" + bed.describe());
            assertTrue(sink.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "receiver did not finish");
        } finally {
            sink.destroyForcibly();
        }
        assertEquals(expected, Files.readString(received).split(" ")[0], "sha256 of the received bytes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp"})
    void macsJsonShowsTheRemoteHostBehindItsPeer(String transport) throws Exception {
        twoSites(transport);
        assertEquals(3, bed.ping("a", "b", 3, 0.2), bed.describe());
        String hostBMac = macOf(bed.site("b").host());

        Shell.Result r = bed.cli("macs", "--socket", bed.site("a").socket().toString(), "--json");
        assertEquals(0, r.exitCode(), r.stderr());
        JsonNode rows = JSON.readTree(r.stdout());
        JsonNode row = null;
        for (JsonNode n : rows) {
            if (n.get("mac").asText().equals(hostBMac)) {
                row = n;
            }
        }
        assertTrue(row != null, "host B's MAC " + hostBMac + " missing from site a's table: " + r.stdout());
        assertEquals("b", row.get("port").asText());
        assertEquals(0, row.get("vlan").asInt());
        assertEquals("dynamic", row.get("type").asText());
        assertTrue(row.get("age").asInt() >= 0 && row.get("age").asInt() < 300, row.toString());

        Shell.Result table = bed.cli("macs", "--socket", bed.site("a").socket().toString());
        assertTrue(table.stdout().startsWith("VLAN"), table.stdout());
        assertTrue(table.stdout().contains(hostBMac), table.stdout());
    }

    static String macOf(org.tapbridge.testing.Netns host) {
        String json = host.run("ip", "-j", "link", "show", "eth0");
        try {
            return JSON.readTree(json).get(0).get("address").asText();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
