package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.SlotDatagramNetwork;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.tap.ScriptedTapDevice;
import org.tapbridge.testing.Promtool;
import org.tapbridge.testing.TestKeys;

/** A whole daemon in this JVM serving /metrics on loopback: the series show what its data path counted. */
class DaemonMetricsTest {
    private static final int FRAMES = 3;

    private static SiteConfig site(TestKeys peer, InetSocketAddress metrics) {
        return new SiteConfig(Path.of("(test)"), "a", "tapa", 0, new InetSocketAddress("198.18.0.1", 51820), null,
                null, SwitchSettings.defaults(), List.of(new PeerConfig("b", new InetSocketAddress("198.18.0.2", 51820),
                Transport.UDP, peer.publicBase64(), null, false)), List.of()).withMetricsListen(metrics);
    }

    /** A broadcast from a LAN host: learned on local, flooded towards b, which is down. */
    private static byte[] broadcast() {
        byte[] frame = new byte[60];
        for (int i = 0; i < 6; i++) {
            frame[i] = (byte) 0xff;
        }
        frame[6] = 0x02;
        frame[11] = 0x01;
        frame[12] = 0x08;
        return frame;
    }

    @Test
    void theScrapeShowsTheFramesTheTapGaveAndAgreesWithStats() throws Exception {
        Promtool.require();
        TestKeys own = TestKeys.generate();
        TestKeys peer = TestKeys.generate();
        LinkSecurity keys = new LinkSecurity(own.privateKey(), Map.of("b", peer.publicKey()), Map.of(),
                SessionSettings.defaults());
        ScriptedTapDevice tap = new ScriptedTapDevice("tapa", 1500, new byte[][] {broadcast()});
        MemoryPlatform platform = new MemoryPlatform(tap, new SlotDatagramNetwork(8, 2048));
        InetSocketAddress anyPort = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (Daemon daemon = Daemon.start(site(peer, anyPort), keys, platform, LinkTimers.defaults(), false)) {
            tap.releaseUpTo(FRAMES);
            URI uri = URI.create("http://127.0.0.1:" + daemon.metricsAddress().getPort() + "/metrics");
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String text = "";
            long deadlineNs = System.nanoTime() + 20_000_000_000L;
            while (System.nanoTime() < deadlineNs) {
                text = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (value(text, "tapbridge_tap_frames_read_total") == FRAMES) {
                    break;
                }
                Thread.sleep(50);
            }
            assertEquals(FRAMES, value(text, "tapbridge_tap_frames_read_total"), text);
            assertEquals(FRAMES, value(text, "tapbridge_switch_frames_received_total{port=\"local\"}"), text);
            assertEquals(FRAMES, value(text, "tapbridge_switch_frames_flooded_total{port=\"local\"}"), text);
            assertEquals(1, value(text, "tapbridge_switch_macs_learned_total{port=\"local\"}"), text);
            assertEquals(1, value(text, "tapbridge_switch_port_macs{port=\"local\"}"), text);
            assertEquals(0, value(text, "tapbridge_peer_up{peer=\"b\"}"), text);
            assertEquals(FRAMES, value(text, "tapbridge_peer_drops_total{peer=\"b\",reason=\"peer-down\"}"), text);
            assertEquals(1, value(text, "tapbridge_datapath_healthy"), text);
            assertEquals(SwitchSettings.defaults().macTableLimit(), value(text, "tapbridge_mac_table_limit"), text);

            JsonNode stats = new ObjectMapper().readTree(new SiteReports(daemon).stats(true));
            assertEquals(stats.get("tap").get("frames-read").asLong(),
                    (long) value(text, "tapbridge_tap_frames_read_total"));
            assertEquals(stats.get("ports").get("local").get("flooded").asLong(),
                    (long) value(text, "tapbridge_switch_frames_flooded_total{port=\"local\"}"));
            Promtool.assertValid(text);
        }
    }

    @Test
    void aSiteWithoutMetricsHasNoMetricsAddress() throws Exception {
        TestKeys own = TestKeys.generate();
        TestKeys peer = TestKeys.generate();
        LinkSecurity keys = new LinkSecurity(own.privateKey(), Map.of("b", peer.publicKey()), Map.of(),
                SessionSettings.defaults());
        MemoryPlatform platform = new MemoryPlatform(new ScriptedTapDevice("tapa", 1500, new byte[][] {broadcast()}),
                new SlotDatagramNetwork(8, 2048));
        try (Daemon daemon = Daemon.start(site(peer, null), keys, platform, LinkTimers.defaults(), false)) {
            assertNull(daemon.metricsAddress());
        }
    }

    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
