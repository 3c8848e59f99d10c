package org.tapbridge.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard and docs/metrics.md name only series the site serves, and the docs name all of them. */
class MetricsDocsTest {
    private static final Pattern NAME = Pattern.compile("tapbridge_[a-z0-9_]*[a-z0-9]");
    private static final Pattern FAMILY = Pattern.compile("(?m)^# TYPE (\\S+) ");
    /** Counters that follow the `stats` groups key by key; the docs list their keys, not each name. */
    private static final Pattern GROUP_COUNTER =
            Pattern.compile("tapbridge_(tap|offloads|udp|mtu|loop|transport|neighbors)_[a-z0-9_]+_total");

    private static Path repo() {
        String env = System.getenv("TAPBRIDGE_REPO_ROOT");
        for (Path p = env != null ? Path.of(env) : Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("packaging")) && Files.isDirectory(p.resolve("docs"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository: set TAPBRIDGE_REPO_ROOT");
    }

    /** Every family the site serves for a sample whose `stats` groups hold the keys the dashboard uses. */
    private static Set<String> served() throws Exception {
        SiteSample base = SiteMetricsTest.sample();
        Map<String, Map<String, Long>> groups = new LinkedHashMap<>();
        groups.put("tap", Map.of("frames-read", 1L, "write-drops", 2L, "read-errors", 3L));
        groups.put("udp", Map.of("rx-queue-drops", 4L));
        SiteSample sample = new SiteSample(base.tapName(), base.tapMtu(), base.aead(), base.offloadsEnabled(),
                base.vnetHeaderBytes(), base.peers(), base.ports(), base.unknownIngressFrames(),
                base.macTableEntries(), base.macTableLimit(), base.perPortMacLimit(), base.linkDrops(),
                base.crypto(), groups);
        String text = SiteMetricsTest.scrape(new SiteMetrics(() -> sample, () -> true, "1"));
        Set<String> families = new TreeSet<>();
        Matcher m = FAMILY.matcher(text);
        while (m.find()) {
            families.add(m.group(1));
        }
        return families;
    }

    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        dashboard.get("panels").forEach(panels::add);
        return panels;
    }

    @Test
    void everyDashboardQueryNamesASeriesTheSiteServes() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(repo().resolve("packaging/grafana/tapbridge.json").toFile());
        Set<String> served = served();
        int queries = 0;
        for (JsonNode panel : panels(dashboard)) {
            if (panel.get("type").asText().equals("row")) {
                continue;
            }
            assertEquals("${datasource}", panel.get("datasource").get("uid").asText(), panel.get("title").asText());
            assertTrue(panel.get("targets").size() > 0, panel.get("title").asText());
            for (JsonNode target : panel.get("targets")) {
                String expr = target.get("expr").asText();
                Matcher m = NAME.matcher(expr);
                assertTrue(m.find(), "no tapbridge series in " + expr);
                m.reset();
                while (m.find()) {
                    assertTrue(served.contains(m.group()), m.group() + " in panel '" + panel.get("title").asText()
                            + "' is not served; served: " + served);
                }
                queries++;
            }
        }
        assertTrue(queries >= 10, "queries: " + queries);
    }

    @Test
    void theDashboardShowsThroughputDropsHandshakeAgeMacFillAndPathMtu() throws Exception {
        String json = Files.readString(repo().resolve("packaging/grafana/tapbridge.json"));
        for (String series : List.of("tapbridge_peer_tx_bytes_total", "tapbridge_peer_rx_bytes_total",
                "tapbridge_peer_drops_total", "tapbridge_switch_frames_dropped_total",
                "tapbridge_peer_last_handshake_age_seconds", "tapbridge_mac_table_entries",
                "tapbridge_mac_table_limit", "tapbridge_peer_path_mtu_bytes")) {
            assertTrue(json.contains(series), series);
        }
        JsonNode dashboard = new ObjectMapper().readTree(json);
        List<String> variables = new ArrayList<>();
        dashboard.get("templating").get("list").forEach(v -> variables.add(v.get("name").asText()));
        assertEquals(List.of("datasource", "instance", "peer"), variables);
    }

    @Test
    void theDocsNameEverySeriesTheSiteServesAndNoOther() throws Exception {
        String docs = Files.readString(repo().resolve("docs/metrics.md"));
        Set<String> served = served();
        for (String family : served) {
            if (!GROUP_COUNTER.matcher(family).matches()) {
                assertTrue(docs.contains("`" + family + "`"), family + " is served but not in docs/metrics.md");
            }
        }
        Matcher m = NAME.matcher(docs);
        while (m.find()) {
            String name = m.group();
            // Names cut short by a wildcard (tapbridge_tap_*_total) are the group rows.
            boolean wildcard = m.end() < docs.length() && docs.charAt(m.end()) == '_';
            assertFalse(!wildcard && !served.contains(name) && !GROUP_COUNTER.matcher(name).matches(),
                    name + " is in docs/metrics.md but not served");
        }
    }
}
