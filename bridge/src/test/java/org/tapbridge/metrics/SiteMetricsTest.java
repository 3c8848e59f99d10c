package org.tapbridge.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.tapbridge.crypto.CryptoCounters;
import org.tapbridge.drops.DropReason;
import org.tapbridge.switching.SwitchCounters;
import org.tapbridge.testing.Promtool;

/** The name and label mapping from a sample of a site to Prometheus series. */
class SiteMetricsTest {

    /** A site with one peer up and one never reached, two switch ports, and distinct values everywhere. */
    static SiteSample sample() {
        long[] peerDrops = new long[DropReason.COUNT];
        peerDrops[DropReason.REPLAY] = 7;
        peerDrops[DropReason.SEND_QUEUE_FULL] = 3;
        SiteSample.Peer b = new SiteSample.Peer("b", "udp", "198.18.0.2:4790", true, true, 12.5, 0.25, 100, 150_000,
                90, 120_000, peerDrops, 1420, 1380);
        SiteSample.Peer c = new SiteSample.Peer("c", "tcp", null, false, false, Double.NaN, Double.NaN, 0, 0, 0, 0,
                new long[DropReason.COUNT], 0, 1500);
        long[] local = new long[SwitchCounters.COUNT];
        local[SwitchCounters.FRAMES_IN] = 500;
        local[SwitchCounters.FLOODED] = 40;
        local[SwitchCounters.LEARNED] = 4;
        long[] localDrops = new long[DropReason.SWITCH_COUNT];
        localDrops[DropReason.STORM_CONTROL] = 11;
        long[] toB = new long[SwitchCounters.COUNT];
        toB[SwitchCounters.FORWARDED] = 77;
        SiteSample.Port localPort = new SiteSample.Port("local", local, localDrops, 0, 4);
        SiteSample.Port bPort = new SiteSample.Port("b", toB, new long[DropReason.SWITCH_COUNT], 2.5, 1);
        long[] linkDrops = new long[DropReason.COUNT];
        linkDrops[DropReason.UNKNOWN_PEER] = 2;
        long[] cryptoDrops = new long[DropReason.COUNT];
        cryptoDrops[DropReason.AUTH_FAILED] = 5;
        CryptoCounters.Snapshot crypto = new CryptoCounters.Snapshot(cryptoDrops, 3, 2, 1000, 900, 1, 0, 0, 0);
        Map<String, Map<String, Long>> groups = new LinkedHashMap<>();
        groups.put("tap", new LinkedHashMap<>(Map.of("frames-read", 510L)));
        groups.put("udp", new LinkedHashMap<>(Map.of("rx-queue-drops", 6L)));
        return new SiteSample("tap0", 1500, "aes-256-gcm (openssl)", "csum,tso4", 12, List.of(b, c),
                List.of(localPort, bPort), 9, 5, 4096, 1024, linkDrops, crypto, groups);
    }

    static String scrape(SiteMetrics metrics) throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(metrics);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String text() throws Exception {
        return scrape(new SiteMetrics(SiteMetricsTest::sample, () -> true, "1.2.3"));
    }

    /** The value of one series, e.g. {@code tapbridge_peer_rx_bytes_total{peer="b"}}; fails if absent. */
    static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertTrue(m.find(), series + " missing from:\n" + text);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void peerTrafficIsCountedInBytesAndFramesWithThePeerLabel() throws Exception {
        String text = text();
        assertEquals(150_000, value(text, "tapbridge_peer_rx_bytes_total{peer=\"b\"}"));
        assertEquals(120_000, value(text, "tapbridge_peer_tx_bytes_total{peer=\"b\"}"));
        assertEquals(100, value(text, "tapbridge_peer_rx_frames_total{peer=\"b\"}"));
        assertEquals(90, value(text, "tapbridge_peer_tx_frames_total{peer=\"b\"}"));
        assertTrue(text.contains("# TYPE tapbridge_peer_rx_bytes_total counter"), text);
    }

    @Test
    void peerStateHandshakeAgeAndPathMtuAreGauges() throws Exception {
        String text = text();
        assertEquals(1, value(text, "tapbridge_peer_up{peer=\"b\"}"));
        assertEquals(0, value(text, "tapbridge_peer_up{peer=\"c\"}"));
        assertEquals(12.5, value(text, "tapbridge_peer_last_handshake_age_seconds{peer=\"b\"}"));
        assertEquals(1420, value(text, "tapbridge_peer_path_mtu_bytes{peer=\"b\"}"));
        assertEquals(1, value(text, "tapbridge_peer_info{endpoint=\"198.18.0.2:4790\",peer=\"b\",transport=\"udp\"}"));
        assertTrue(text.contains("# TYPE tapbridge_peer_last_handshake_age_seconds gauge"), text);
    }

    @Test
    void aPeerNeverReachedHasNoHandshakeAgeAndNoPathMtu() throws Exception {
        String text = text();
        assertFalse(text.contains("tapbridge_peer_last_handshake_age_seconds{peer=\"c\"}"), text);
        assertFalse(text.contains("tapbridge_peer_path_mtu_bytes{peer=\"c\"}"), text);
        assertEquals(1, value(text, "tapbridge_peer_info{endpoint=\"\",peer=\"c\",transport=\"tcp\"}"));
    }

    @Test
    void peerDropsCarryTheReasonAndZerosAreShownForEveryLinkReason() throws Exception {
        String text = text();
        assertEquals(7, value(text, "tapbridge_peer_drops_total{peer=\"b\",reason=\"replay\"}"));
        assertEquals(3, value(text, "tapbridge_peer_drops_total{peer=\"b\",reason=\"send-queue-full\"}"));
        assertEquals(0, value(text, "tapbridge_peer_drops_total{peer=\"c\",reason=\"peer-down\"}"));
        assertFalse(text.contains("reason=\"storm-control\",peer="), "a switch reason is not a peer's");
    }

    @Test
    void switchCountersArePerPortAndDropsPerPortAndReason() throws Exception {
        String text = text();
        assertEquals(500, value(text, "tapbridge_switch_frames_received_total{port=\"local\"}"));
        assertEquals(77, value(text, "tapbridge_switch_frames_forwarded_total{port=\"b\"}"));
        assertEquals(40, value(text, "tapbridge_switch_frames_flooded_total{port=\"local\"}"));
        assertEquals(4, value(text, "tapbridge_switch_macs_learned_total{port=\"local\"}"));
        assertEquals(11, value(text, "tapbridge_switch_frames_dropped_total{port=\"local\",reason=\"storm-control\"}"));
        assertEquals(0, value(text, "tapbridge_switch_frames_dropped_total{port=\"b\",reason=\"loop-blocked\"}"));
        assertEquals(2.5, value(text, "tapbridge_switch_port_blocked_seconds{port=\"b\"}"));
        assertEquals(4, value(text, "tapbridge_switch_port_macs{port=\"local\"}"));
        assertEquals(9, value(text, "tapbridge_switch_unknown_ingress_frames_total"));
    }

    @Test
    void macTableSizeAndLimitAreGauges() throws Exception {
        String text = text();
        assertEquals(5, value(text, "tapbridge_mac_table_entries"));
        assertEquals(4096, value(text, "tapbridge_mac_table_limit"));
        assertEquals(1024, value(text, "tapbridge_mac_table_port_limit"));
    }

    @Test
    void cryptoTapAndStatsGroupsAreCounters() throws Exception {
        String text = text();
        assertEquals(2, value(text, "tapbridge_crypto_handshakes_completed_total"));
        assertEquals(1000, value(text, "tapbridge_crypto_frames_sealed_total"));
        assertEquals(5, value(text, "tapbridge_crypto_drops_total{reason=\"auth-failed\"}"));
        assertEquals(2, value(text, "tapbridge_link_unattributed_drops_total{reason=\"unknown-peer\"}"));
        assertEquals(510, value(text, "tapbridge_tap_frames_read_total"));
        assertEquals(6, value(text, "tapbridge_udp_rx_queue_drops_total"));
        assertEquals(1500, value(text, "tapbridge_tap_mtu_bytes{device=\"tap0\"}"));
        assertEquals(1, value(text, "tapbridge_crypto_aead_info{aead=\"aes-256-gcm (openssl)\"}"));
    }

    @Test
    void buildInfoCarriesTheVersion() throws Exception {
        String text = text();
        String series = "tapbridge_build_info{java_version=\"" + Runtime.version() + "\",version=\"1.2.3\"}";
        assertEquals(1, value(text, series));
    }

    @Test
    void statsKeysMapToLegalCounterNames() {
        assertEquals("tapbridge_tap_frames_read", SiteMetrics.groupCounterName("tap", "frames-read"));
        assertEquals("tapbridge_offloads_gso_tcp_super_frames",
                SiteMetrics.groupCounterName("offloads", "gso-tcp-super-frames"));
        assertEquals("tapbridge_mtu_icmp_too_big_sent", SiteMetrics.groupCounterName("mtu", "icmp-too-big-sent"));
        assertEquals("tapbridge_x_a_b_c", SiteMetrics.groupCounterName("X", "a.b/c"));
        assertEquals("tapbridge_udp_sent", SiteMetrics.groupCounterName("udp", "sent-total"));
    }

    @Test
    void aSamplerThatFailsLeavesBuildInfoHealthAndACountedFailure() throws Exception {
        SiteMetrics metrics = new SiteMetrics(() -> {
            throw new java.util.concurrent.TimeoutException("stuck");
        }, () -> false, "1.2.3");
        scrape(metrics);
        String text = scrape(metrics);
        assertEquals(2, value(text, "tapbridge_metrics_sample_failures_total"));
        assertEquals(0, value(text, "tapbridge_datapath_healthy"));
        assertTrue(text.contains("tapbridge_build_info{"), text);
        assertFalse(text.contains("tapbridge_peer_"), text);
    }

    @Test
    void everySeriesIsOneThatPromtoolAccepts() throws Exception {
        Promtool.require();
        Promtool.assertValid(text());
    }
}
