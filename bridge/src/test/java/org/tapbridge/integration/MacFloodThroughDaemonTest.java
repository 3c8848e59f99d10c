package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * Issue 11's MAC flood through a running daemon: a third host on LAN a sends 1,000,000 broadcast frames,
 * each from a new random source MAC, as fast as one AF_PACKET socket goes, while host a pings host b at
 * site b across the tunnel. The gateway's kernel bridge does not learn on the flooder's port (a real
 * switch would hold the same million entries; the daemon's table is what is under test), so every frame
 * reaches the TAP.
 *
 * <pre>
 *  flooder (tbmf..fl) --lanf--+
 *  host a  192.0.2.11 --lan0--[br0 gw a] tap0 == daemon a ==(UDP)== daemon b -- host b 192.0.2.12
 * </pre>
 */
class MacFloodThroughDaemonTest {
    private static final int FLOOD_FRAMES = 1_000_000;
    /** Bounds the flood on a very slow machine; a normal run sends all frames in a few seconds. */
    private static final int FLOOD_MAX_SECONDS = 90;
    private static final double PING_INTERVAL_SECONDS = 0.05;
    /** The defaults under test: a 16384-entry table, of which one port may fill half. */
    private static final int MAC_TABLE_LIMIT = 16_384;
    private static final int PER_PORT_LIMIT = MAC_TABLE_LIMIT / 2;
    /** The soak's tolerance for heap after a full GC: a growing table would be hundreds of MB. */
    private static final long HEAP_GROWTH_LIMIT_KB = 8 * 1024;

    /**
     * One AF_PACKET socket, frames prebuilt but for the source MAC, which is random with the locally
     * administered bit set and the group bit clear (a unicast source, as the switch learns it). Prints
     * "SENT ELAPSED_S".
     */
    private static final String FLOODER = String.join("\n",
            "import random, socket, sys, time",
            "n, limit = int(sys.argv[1]), float(sys.argv[2])",
            "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)",
            "s.bind(('eth0', 0))",
            "rng = random.Random(20261130)",
            "macs = rng.randbytes(6 * n)",
            "frame = bytearray(b'\\xff' * 6 + bytes(6) + b'\\x88\\xb5' + b'tapbridge-mac-flood'.ljust(46, b'\\0'))",
            "sent, start = 0, time.monotonic()",
            "end = start + limit",
            "while sent < n:",
            "    if sent % 4096 == 0 and time.monotonic() > end: break",
            "    frame[6:12] = macs[6 * sent:6 * sent + 6]",
            "    frame[6] = (frame[6] & 0xfe) | 0x02",
            "    try:",
            "        s.send(frame)",
            "    except OSError:",
            "        continue",
            "    sent += 1",
            "print(sent, round(time.monotonic() - start, 2))");

    @TempDir
    Path dir;

    private Testbed bed;
    private Netns flooder;
    private Process pingDuringFlood;

    @AfterEach
    void tearDown() {
        if (pingDuringFlood != null) {
            pingDuringFlood.destroyForcibly();
        }
        if (flooder != null) {
            flooder.close();
        }
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void aMillionRandomSourceMacsLeaveTheTableCappedTheHeapFlatAndOtherHostsTalking() throws Exception {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("python3", "python3");
        bed = new Testbed(dir, "tbmf");
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        bed.writeMeshConfigs("udp");
        DaemonProcess daemonA = bed.start("a");
        bed.start("b");
        bed.awaitMeshUp(60);
        Netns gatewayA = bed.site("a").gateway();
        flooder = Netns.create("tbmffl");
        flooder.vethTo(gatewayA, "eth0", "lanf");
        gatewayA.run("ip", "link", "set", "lanf", "master", "br0");
        gatewayA.run("ip", "link", "set", "dev", "lanf", "type", "bridge_slave", "learning", "off");
        assertEquals(5, bed.ping("a", "b", 5, 0.2), "before the flood\n" + bed.describe());
        long heapBeforeKb = heapAfterGcKb(daemonA.pid());

        Path pingLog = dir.resolve("ping.txt");
        // ip netns exec execs ping, so this PID is ping's own: SIGINT makes it print its summary.
        pingDuringFlood = new ProcessBuilder(bed.site("a").host().inside("ping", "-n", "-q", "-i",
                String.valueOf(PING_INTERVAL_SECONDS), "-W", "1", "-w", String.valueOf(FLOOD_MAX_SECONDS + 5),
                bed.site("b").hostIp())).redirectErrorStream(true).redirectOutput(pingLog.toFile()).start();
        Thread.sleep(1000);   // pings in flight before the flood starts
        Shell.Result flood = flooder.exec(FLOOD_MAX_SECONDS + 30, "python3", "-c", FLOODER,
                String.valueOf(FLOOD_FRAMES), String.valueOf(FLOOD_MAX_SECONDS));
        assertEquals(0, flood.exitCode(), "flooder failed: " + flood.stderr());
        String[] sentAndSeconds = flood.stdout().trim().split(" ");
        int sent = Integer.parseInt(sentAndSeconds[0]);
        double floodSeconds = Double.parseDouble(sentAndSeconds[1]);
        // Stop the pings now: what they measure is the flood's time.
        Shell.run("kill", "-INT", String.valueOf(pingDuringFlood.pid()));
        assertTrue(pingDuringFlood.waitFor(10, TimeUnit.SECONDS), "ping did not stop");
        int[] sentAndReceived = pingCounts(Files.readString(pingLog));

        assertTrue(daemonA.isAlive(), "daemon a died in the flood\n" + bed.describe());
        JsonNode local = bed.stats("a").get("ports").get("local");
        long learned = local.get("learned").asLong();
        long limitHits = local.get("limit-hit").asLong();
        JsonNode macs = bed.query("a", "macs");
        int localEntries = 0;
        for (JsonNode e : macs) {
            if (e.get("port").asText().equals("local")) {
                localEntries++;
            }
        }
        long heapAfterKb = heapAfterGcKb(daemonA.pid());
        int after = bed.ping("a", "b", 5, 0.2);
        System.out.printf("mac flood: %d frames in %.1f s (%.0f/s); local port learned %d, limit hit %d, %d local "
                        + "entries of %d in the table; heap after GC %d -> %d KB; pings during the flood %d/%d%n",
                sent, floodSeconds, sent / floodSeconds, learned, limitHits, localEntries, macs.size(),
                heapBeforeKb, heapAfterKb, sentAndReceived[1], sentAndReceived[0]);

        assertEquals(FLOOD_FRAMES, sent, "the flooder ran out of time: " + flood.stdout());
        assertTrue(localEntries <= PER_PORT_LIMIT, localEntries + " local entries, limit " + PER_PORT_LIMIT);
        assertTrue(macs.size() <= MAC_TABLE_LIMIT, macs.size() + " entries, limit " + MAC_TABLE_LIMIT);
        assertTrue(localEntries >= PER_PORT_LIMIT - 2,
                "the flood should fill the local port's share: " + localEntries + " entries");
        assertTrue(limitHits > 0, "the per-port limit was never hit: " + local);
        assertTrue(heapAfterKb <= heapBeforeKb + HEAP_GROWTH_LIMIT_KB,
                "heap after GC grew from " + heapBeforeKb + " KB to " + heapAfterKb + " KB");
        assertTrue(sentAndReceived[0] > 0 && sentAndReceived[1] * 10 >= sentAndReceived[0] * 9,
                "host a's pings to host b during the flood: " + sentAndReceived[1] + " of " + sentAndReceived[0]
                        + " answered\n" + bed.describe());
        assertEquals(5, after, "host a and host b after the flood\n" + bed.describe());
    }

    /** Heap in use after a full GC, through jcmd next to the java running this test. */
    private static long heapAfterGcKb(long pid) {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String jcmd = Path.of(java).resolveSibling("jcmd").toString();
        Shell.Result gc = Shell.exec(60, jcmd, String.valueOf(pid), "GC.run");
        assertEquals(0, gc.exitCode(), "jcmd GC.run: " + gc.stdout() + gc.stderr());
        Shell.Result info = Shell.exec(60, jcmd, String.valueOf(pid), "GC.heap_info");
        // "... total 196608K, used 12345K [0x..." on the heap's first line, whatever the collector.
        for (String line : info.stdout().split("\n")) {
            int used = line.indexOf(" used ");
            if (line.contains("total") && used > 0) {
                String figure = line.substring(used + 6).split("[K ,]")[0];
                return Long.parseLong(figure);
            }
        }
        throw new AssertionError("no heap figure from jcmd GC.heap_info: " + info.stdout() + info.stderr());
    }

    /** {transmitted, received} from ping's summary line. */
    private static int[] pingCounts(String out) {
        for (String line : out.split("\n")) {
            if (line.contains("packets transmitted")) {
                String[] words = line.trim().split("[ ,]+");
                return new int[] {Integer.parseInt(words[0]), Integer.parseInt(words[3])};
            }
        }
        throw new AssertionError("no ping summary: " + out);
    }
}
