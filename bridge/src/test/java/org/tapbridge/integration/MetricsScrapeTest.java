package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Promtool;

/**
 * Two real daemons in namespaces, each serving /metrics on its gateway's loopback (one on 127.0.0.1, one on
 * [::1]): traffic moves the counters by at least what was sent, they agree with the control socket, and
 * promtool accepts every scrape.
 */
class MetricsScrapeTest {
    private static final int PORT = 9477;
    private static final int PINGS = 20;
    private static final int PING_PAYLOAD = 1000;

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
    void countersMoveWithTrafficAgreeWithTheControlSocketAndPassPromtool() throws Exception {
        Privileges.requireNetworkAdmin();
        Promtool.require();
        bed = new Testbed(dir, "tbpm");
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        // Appended after [site]'s keys: a table of its own, ahead of the [[peer]] tables that follow.
        bed.siteOption("a", "\n[metrics]\nlisten = \"127.0.0.1:" + PORT + "\"");
        bed.siteOption("b", "\n[metrics]\nlisten = \"[::1]:" + PORT + "\"");
        bed.writeMeshConfigs("udp");
        bed.start("a");
        bed.start("b");
        bed.awaitMeshUp(60);
        Netns gwA = bed.site("a").gateway();
        InetSocketAddress metricsA = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), PORT);

        String before = get(gwA, metricsA, "/metrics");
        assertTrue(before.startsWith("HTTP/1.1 200"), before);
        double txBytes0 = value(before, "tapbridge_peer_tx_bytes_total{peer=\"b\"}");
        double txFrames0 = value(before, "tapbridge_peer_tx_frames_total{peer=\"b\"}");
        double rxFrames0 = value(before, "tapbridge_peer_rx_frames_total{peer=\"b\"}");
        double localIn0 = value(before, "tapbridge_switch_frames_received_total{port=\"local\"}");
        double sealed0 = value(before, "tapbridge_crypto_frames_sealed_total");

        var ping = bed.site("a").host().exec(60, "ping", "-n", "-q", "-c", String.valueOf(PINGS), "-i", "0.05",
                "-s", String.valueOf(PING_PAYLOAD), "-W", "2", bed.site("b").hostIp());
        assertTrue(ping.stdout().contains(PINGS + " received"), ping.stdout() + bed.describe());

        String after = get(gwA, metricsA, "/metrics");
        // Each echo request is an Ethernet frame of at least payload + ICMP + IPv4 + Ethernet headers.
        double sentAtLeast = PINGS * (PING_PAYLOAD + 8 + 20 + 14);
        double txBytes = value(after, "tapbridge_peer_tx_bytes_total{peer=\"b\"}");
        assertTrue(txBytes - txBytes0 >= sentAtLeast, "tx bytes moved " + (txBytes - txBytes0) + " < " + sentAtLeast);
        assertTrue(value(after, "tapbridge_peer_tx_frames_total{peer=\"b\"}") - txFrames0 >= PINGS, after);
        assertTrue(value(after, "tapbridge_peer_rx_frames_total{peer=\"b\"}") - rxFrames0 >= PINGS, after);
        assertTrue(value(after, "tapbridge_switch_frames_received_total{port=\"local\"}") - localIn0 >= PINGS, after);
        assertTrue(value(after, "tapbridge_crypto_frames_sealed_total") - sealed0 >= PINGS, after);
        assertEquals(1, value(after, "tapbridge_peer_up{peer=\"b\"}"), after);
        double handshakeAge = value(after, "tapbridge_peer_last_handshake_age_seconds{peer=\"b\"}");
        assertTrue(handshakeAge >= 0 && handshakeAge < 180, "handshake age " + handshakeAge);
        assertTrue(value(after, "tapbridge_mac_table_entries") >= 2, "both hosts' MACs are learned");
        assertTrue(value(after, "tapbridge_mac_table_limit") >= value(after, "tapbridge_mac_table_entries"), after);
        assertTrue(value(after, "tapbridge_tap_frames_read_total") >= PINGS, after);
        assertEquals(1, value(after, "tapbridge_datapath_healthy"), after);
        assertTrue(after.contains("tapbridge_build_info{"), after);
        Promtool.assertValid(body(after));
        everyServedSeriesIsDocumentedAndEveryDashboardSeriesServed(after);

        // The same counter as the control socket shows, read in between two scrapes.
        JsonNode peers = bed.peers("a");
        long jsonTxBytes = peers.get(0).get("tx-bytes").asLong();
        double later = value(get(gwA, metricsA, "/metrics"), "tapbridge_peer_tx_bytes_total{peer=\"b\"}");
        assertTrue(txBytes <= jsonTxBytes && jsonTxBytes <= later,
                "metrics " + txBytes + " <= peers --json " + jsonTxBytes + " <= metrics " + later);

        // Site b serves on IPv6 loopback, and counts what a received.
        String fromB = get(bed.site("b").gateway(), new InetSocketAddress(InetAddress.getByName("::1"), PORT),
                "/metrics");
        assertTrue(value(fromB, "tapbridge_peer_rx_frames_total{peer=\"a\"}") >= PINGS, fromB);
        Promtool.assertValid(body(fromB));

        // Anything but GET/HEAD of /metrics is refused, counted, and harms nothing.
        assertTrue(request(gwA, metricsA, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                + "Connection: close\r\n\r\n").startsWith("HTTP/1.1 405"));
        assertTrue(get(gwA, metricsA, "/admin").startsWith("HTTP/1.1 404"));
        String last = get(gwA, metricsA, "/metrics");
        assertEquals(1, value(last, "tapbridge_metrics_http_requests_rejected_total{reason=\"method-not-allowed\"}"));
        assertEquals(1, value(last, "tapbridge_metrics_http_requests_rejected_total{reason=\"not-found\"}"));
        assertTrue(bed.daemon("a").isAlive() && bed.daemon("b").isAlive(), bed.describe());
    }

    @Test
    void aSiteWithoutAMetricsTableListensOnNoHttpPort() throws Exception {
        Privileges.requireNetworkAdmin();
        bed = new Testbed(dir, "tbpm");
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        bed.writeMeshConfigs("udp");
        bed.start("a");
        // Ready once its control socket is bound, which comes after every listener.
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(bed.site("a").socket())) {
            assertTrue(bed.daemon("a").isAlive(), bed.describe());
            assertTrue(System.nanoTime() < deadlineNs, "site a not ready in 60 s\n" + bed.describe());
            Thread.sleep(100);
        }
        // The peers' own port is the only TCP port listening in the gateway's namespace.
        String tcp = bed.site("a").gateway().run("ss", "-Htln");
        for (String line : tcp.strip().split("\n")) {
            assertTrue(line.isBlank() || line.contains(":" + Testbed.PORT + " "), "TCP listeners on site a:\n" + tcp);
        }
        assertTrue(!tcp.contains(":" + PORT), tcp);
    }

    /** Against a real daemon's scrape, with every `stats` group key as it really is. */
    private static void everyServedSeriesIsDocumentedAndEveryDashboardSeriesServed(String scrape) throws IOException {
        Path repo = Path.of(System.getenv().getOrDefault("TAPBRIDGE_REPO_ROOT", "..")).toAbsolutePath();
        String docs = Files.readString(repo.resolve("docs/metrics.md"));
        Set<String> families = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^# TYPE (\\S+) ").matcher(scrape);
        while (m.find()) {
            families.add(m.group(1));
        }
        Pattern group = Pattern.compile("tapbridge_(tap|offloads|udp|mtu|loop|transport|neighbors)_([a-z0-9_]+)_total");
        for (String family : families) {
            Matcher g = group.matcher(family);
            // A stats group's counter is documented by its key in the group's row; every other by its name.
            String documented = g.matches() ? g.group(2) : family;
            assertTrue(docs.contains("`" + documented + "`"), family + " is served but not in docs/metrics.md");
        }
        Matcher d = Pattern.compile("tapbridge_[a-z0-9_]*[a-z0-9]")
                .matcher(Files.readString(repo.resolve("packaging/grafana/tapbridge.json")));
        while (d.find()) {
            assertTrue(families.contains(d.group()), d.group() + " is on the dashboard but not served: " + families);
        }
    }

    private static String get(Netns ns, InetSocketAddress address, String path) throws Exception {
        return request(ns, address, "GET " + path + " HTTP/1.1\r\nHost: metrics\r\nConnection: close\r\n\r\n");
    }

    /** One raw HTTP exchange from inside the gateway's namespace, where the daemon's loopback is. */
    private static String request(Netns ns, InetSocketAddress address, String request) throws Exception {
        Socket socket = ns.call(() -> {
            Socket s = new Socket();
            s.connect(address, 5000);
            return s;
        });
        try (socket) {
            socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(20));
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("HTTP " + request.lines().findFirst().orElse("") + " to " + address + ": " + e, e);
        }
    }

    private static String body(String response) {
        int at = response.indexOf("\r\n\r\n");
        return at < 0 ? "" : response.substring(at + 4);
    }

    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)\r?$").matcher(text);
        assertTrue(m.find(), series + " missing from:\n" + text);
        return Double.parseDouble(m.group(1));
    }
}
