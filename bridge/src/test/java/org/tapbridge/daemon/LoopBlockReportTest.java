package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.SlotDatagramNetwork;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.tap.ScriptedTapDevice;
import org.tapbridge.testing.TestKeys;

/** Issue 11, defect 4c: a port blocked as a loop shows as blocked in {@code stats}, with its counters. */
class LoopBlockReportTest {
    private static final long BROADCAST = 0xFF_FF_FF_FF_FF_FFL;
    private static final long LOOPING = 0x02_00_00_00_10_01L;

    @Test
    void statsShowTheBlockedPortItsTimeLeftAndItsCounters() throws Exception {
        TestKeys own = TestKeys.generate();
        TestKeys peer = TestKeys.generate();
        InetSocketAddress listen = new InetSocketAddress("198.18.0.1", 51820);
        SwitchSettings settings = SwitchSettings.builder().loopFlapsPerSecond(10).loopBlockSeconds(60)
                .loopBlockMaxSeconds(600).build();
        SiteConfig site = new SiteConfig(Path.of("(test)"), "a", "tapa", 0, listen, null, null, settings,
                List.of(new PeerConfig("b", new InetSocketAddress("198.18.0.2", 51820), Transport.UDP,
                        peer.publicBase64(), null, false)), List.of());
        LinkSecurity keys = new LinkSecurity(own.privateKey(), Map.of("b", peer.publicKey()), Map.of(),
                SessionSettings.defaults());
        MemoryPlatform platform = new MemoryPlatform(new ScriptedTapDevice("tapa", 1500, new byte[][] {new byte[60]}),
                new SlotDatagramNetwork(8, 2048));
        try (Daemon daemon = Daemon.start(site, keys, platform, LinkTimers.defaults(), false)) {
            int peerPort = daemon.peers().byName("b").port();
            daemon.onLoop(d -> {
                // A local host's frames come back through peer b, which pulls its MAC over; the local
                // frames that follow are refused by damping and charged to b.
                LearningSwitch sw = d.forwarder().learningSwitch();
                long now = System.nanoTime();
                sw.forward(LearningSwitch.LOCAL_PORT, 0, LOOPING, BROADCAST, now);
                sw.forward(peerPort, 0, LOOPING, BROADCAST, now + 1);
                for (int i = 0; i < 10; i++) {
                    sw.forward(LearningSwitch.LOCAL_PORT, 0, LOOPING, BROADCAST, now + 2 + i);
                }
                sw.forward(peerPort, 0, LOOPING, BROADCAST, now + 20);
                return null;
            });
            SiteReports reports = new SiteReports(daemon);
            JsonNode b = new ObjectMapper().readTree(reports.stats(true)).get("ports").get("b");
            assertEquals("blocked", b.get("state").asText(), b.toString());
            long left = b.get("blocked-seconds").asLong();
            assertTrue(left > 50 && left <= 60, b.toString());
            assertEquals(1, b.get("loop-blocks").asLong());
            assertEquals(1, b.get("dropped").get("loop-blocked").asLong(), b.toString());
            JsonNode local = new ObjectMapper().readTree(reports.stats(true)).get("ports").get("local");
            assertEquals("forwarding", local.get("state").asText());
            assertEquals(10, local.get("flapped").asLong());

            String text = reports.stats(false);
            String header = text.lines().findFirst().orElseThrow();
            assertTrue(header.contains(" STATE ") && header.endsWith("LOOP-BLOCKS"), header);
            String row = text.lines().filter(line -> line.startsWith("b ")).findFirst().orElseThrow();
            assertTrue(row.matches(".*blocked \\d+s\\s+1\\s*$"), row);
        }
    }
}
