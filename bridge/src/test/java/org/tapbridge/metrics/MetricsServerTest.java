package org.tapbridge.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP side of /metrics on loopback: what it answers, what it refuses, and that bad clients cannot stop it. */
class MetricsServerTest {
    private static final InetSocketAddress ANY_LOOPBACK_PORT =
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private MetricsServer server;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = MetricsServer.bind(ANY_LOOPBACK_PORT,
                new SiteMetrics(SiteMetricsTest::sample, () -> true, "1.2.3"));
        server.start();
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        server.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void getOfMetricsAnswersThePrometheusTextFormat() throws Exception {
        HttpResponse<String> r = send("GET", "/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                r.headers().toString());
        assertEquals(150_000, SiteMetricsTest.value(r.body(), "tapbridge_peer_rx_bytes_total{peer=\"b\"}"));
    }

    @Test
    void theNameFilterOfTheQueryIsHonoured() throws Exception {
        HttpResponse<String> r = send("GET", "/metrics?name[]=tapbridge_mac_table_limit");
        assertEquals(200, r.statusCode());
        assertEquals(4096, SiteMetricsTest.value(r.body(), "tapbridge_mac_table_limit"));
        assertTrue(!r.body().contains("tapbridge_peer_"), r.body());
    }

    @Test
    void headOfMetricsAnswersWithoutABody() throws Exception {
        HttpResponse<String> r = send("HEAD", "/metrics");
        assertEquals(200, r.statusCode());
        assertEquals("", r.body());
    }

    @Test
    void otherMethodsAreRefusedWith405AndCounted() throws Exception {
        for (String method : List.of("POST", "PUT", "DELETE", "OPTIONS")) {
            HttpResponse<String> r = send(method, "/metrics");
            assertEquals(405, r.statusCode(), method);
            assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElse(""), method);
        }
        assertEquals(4, SiteMetricsTest.value(send("GET", "/metrics").body(),
                "tapbridge_metrics_http_requests_rejected_total{reason=\"method-not-allowed\"}"));
    }

    @Test
    void otherPathsAreRefusedWith404AndCounted() throws Exception {
        for (String path : List.of("/", "/metricsx", "/metrics/", "/-/healthy", "/../metrics", "/%00")) {
            assertEquals(404, send("GET", path).statusCode(), path);
        }
        assertEquals(6, SiteMetricsTest.value(send("GET", "/metrics").body(),
                "tapbridge_metrics_http_requests_rejected_total{reason=\"not-found\"}"));
    }

    @Test
    void garbageRequestsLeaveTheServerServing() throws Exception {
        Random random = new Random(12);
        for (int i = 0; i < 20; i++) {
            byte[] junk = new byte[1 + random.nextInt(4000)];
            random.nextBytes(junk);
            exchangeRaw(junk);
        }
        exchangeRaw(ascii("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"));
        exchangeRaw(ascii("GET /metrics HTTP/1.1\r\n" + "X: y\r\n".repeat(500) + "\r\n"));
        exchangeRaw(ascii("GET /" + "a".repeat(100_000) + " HTTP/1.1\r\n\r\n"));
        assertEquals(200, send("GET", "/metrics").statusCode());
        assertTrue(metricsThreads() <= MetricsServer.THREADS, "metrics threads: " + metricsThreads());
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes bytes, reads whatever comes back until the server closes or 10 s pass. */
    private void exchangeRaw(byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(server.address(), 5000);
            s.setSoTimeout(10_000);
            try {
                s.getOutputStream().write(bytes);
                s.shutdownOutput();
                s.getInputStream().readAllBytes();
            } catch (IOException e) {
                // The server may reset a connection that sent garbage: that is its right.
            }
        }
    }

    @Test
    void clientsThatStallMidRequestAreCutOffAndScrapesGoOn() throws Exception {
        // More stalled clients than threads and than connections: every slot held by a half-sent request.
        for (int i = 0; i < MetricsServer.MAX_CONNECTIONS + 4; i++) {
            Socket s = new Socket();
            sockets.add(s);
            s.connect(server.address(), 5000);
            OutputStream out = s.getOutputStream();
            out.write("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        long startNs = System.nanoTime();
        // A scraper retries as Prometheus does on its next interval; here every 500 ms, for at most 30 s.
        int status = 0;
        while (status != 200 && System.nanoTime() - startNs < 30_000_000_000L) {
            try {
                status = send("GET", "/metrics").statusCode();
            } catch (IOException e) {
                Thread.sleep(500);
            }
        }
        long waitedMs = (System.nanoTime() - startNs) / 1_000_000;
        assertEquals(200, status, "no scrape got through in " + waitedMs + " ms");
        assertTrue(waitedMs < (MetricsServer.REQUEST_SECONDS + 5) * 1000, "waited " + waitedMs + " ms");
        // The stalled ones were closed by the server: reading gives end of stream (or a reset), not a timeout.
        for (Socket s : sockets.subList(0, 2)) {
            s.setSoTimeout(15_000);
            InputStream in = s.getInputStream();
            try {
                in.readAllBytes();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("a stalled client is still connected after " + waitedMs + " ms", e);
            } catch (IOException closedByServer) {
                // A reset also means the server let go.
            }
        }
        assertTrue(metricsThreads() <= MetricsServer.THREADS, "metrics threads: " + metricsThreads());
    }

    @Test
    void aPortInUseIsRefusedWithTheAddressAndTheFix() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), taken.getLocalPort());
            IOException e = assertThrows(IOException.class, () -> MetricsServer.bind(address,
                    new SiteMetrics(SiteMetricsTest::sample, () -> true, "1")));
            assertTrue(e.getMessage().startsWith("cannot serve metrics on 127.0.0.1:" + taken.getLocalPort() + ": "),
                    e.getMessage());
            assertTrue(e.getMessage().contains("[metrics] listen"), e.getMessage());
        }
    }

    @Test
    void aServerNeverStartedClosesAndFreesItsPort() throws Exception {
        // As when a later step of the daemon's start fails: the port must be free for the restart.
        MetricsServer unstarted = MetricsServer.bind(ANY_LOOPBACK_PORT,
                new SiteMetrics(SiteMetricsTest::sample, () -> true, "1"));
        InetSocketAddress address = unstarted.address();
        unstarted.close();
        unstarted.close();
        MetricsServer again = MetricsServer.bind(address, new SiteMetrics(SiteMetricsTest::sample, () -> true, "1"));
        again.close();
    }

    private static long metricsThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("metrics-http-") && t.isAlive()).count();
    }
}
