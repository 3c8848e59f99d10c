package org.tapbridge.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.tapbridge.pipeline.RateLimitedLog;

/**
 * The {@code /metrics} HTTP endpoint ({@code [metrics] listen}): the JDK's HTTP server with the Prometheus
 * client's scrape handler behind a gate that answers only GET (and HEAD) of {@code /metrics}. Two
 * {@code metrics-http} threads serve it; nothing a client sends can reach the data path, grow without bound or
 * end a thread. Started and stopped by the daemon.
 */
public final class MetricsServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MetricsServer.class.getName());
    static final String PATH = "/metrics";
    /** Why a request was refused: {@code reason} of {@code tapbridge_metrics_http_requests_rejected_total}. */
    static final String NOT_FOUND = "not-found";
    static final String METHOD_NOT_ALLOWED = "method-not-allowed";
    static final String HANDLER_FAILED = "handler-failed";
    static final List<String> REJECT_REASONS = List.of(NOT_FOUND, METHOD_NOT_ALLOWED, HANDLER_FAILED);

    /** Two: a scrape and a second scraper (or a slow client) at once; a stuck one never starves the other. */
    static final int THREADS = 2;
    /**
     * Open connections at most; the JDK closes any beyond. Prometheus keeps one per scraper; 8 leave room for
     * a few scrapers and curl, and keep a connection flood from taking the daemon's file descriptors.
     */
    static final int MAX_CONNECTIONS = 8;
    /**
     * The work queue is longer than connections can be, and a connection has at most one request in the
     * server at a time: the queue can never be full, so the JDK server never sees a rejected task.
     */
    private static final int QUEUE = 2 * MAX_CONNECTIONS;
    /**
     * A request's head must arrive, and its response be sent, within this many seconds, or the JDK closes the
     * connection: a client that trickles its request (or never reads the answer) holds a thread no longer.
     * Prometheus's default scrape timeout is 10 s; a sample waits at most 5 s for the data path.
     */
    static final long REQUEST_SECONDS = 8;
    /** Most request header lines and bytes; a scrape sends about five lines. */
    private static final int MAX_HEADERS = 32;
    private static final int MAX_HEADER_BYTES = 8192;

    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicLong notFound = new AtomicLong();
    private final AtomicLong methodNotAllowed = new AtomicLong();
    private final AtomicLong handlerFailed = new AtomicLong();
    private final RateLimitedLog failures = new RateLimitedLog(LOG, 60_000_000_000L);
    private boolean started;
    private boolean closed;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds {@code address} now, so that a port in use fails the start with its cause, and serves
     * {@code metrics} from {@link #start()}.
     */
    public static MetricsServer bind(InetSocketAddress address, SiteMetrics metrics) throws IOException {
        limitJdkServer();
        HttpServer http;
        try {
            http = HttpServer.create(address, MAX_CONNECTIONS);
        } catch (IOException e) {
            throw new IOException("cannot serve metrics on " + hostPort(address) + ": " + e.getMessage()
                    + "; change [metrics] listen, or remove [metrics]", e);
        }
        AtomicInteger threadNumber = new AtomicInteger();
        // DiscardOldest is never used (see QUEUE); were it, the JDK would still close that connection after
        // REQUEST_SECONDS, as for any request that gets no answer.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUE), task -> {
                    Thread t = new Thread(task, "metrics-http-" + threadNumber.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.DiscardOldestPolicy());
        MetricsServer server = new MetricsServer(http, pool);
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(metrics);
        metrics.httpCounters(server::rejected);
        http.createContext("/", server.new Gate(new MetricsHandler(registry)));
        // Each task guarded: a worker that died of an exception would count as the daemon's failure.
        http.setExecutor(task -> pool.execute(server.guarded(task)));
        return server;
    }

    /**
     * The JDK server's limits are system properties, read once when its first server is made; each is set
     * here unless the operator set it (-D...) already. Nothing else in the daemon uses that server.
     */
    private static void limitJdkServer() {
        setIfAbsent("jdk.httpserver.maxConnections", MAX_CONNECTIONS);
        setIfAbsent("sun.net.httpserver.maxReqTime", REQUEST_SECONDS);
        setIfAbsent("sun.net.httpserver.maxRspTime", REQUEST_SECONDS);
        setIfAbsent("sun.net.httpserver.maxReqHeaders", MAX_HEADERS);
        setIfAbsent("sun.net.httpserver.maxReqHeaderSize", MAX_HEADER_BYTES);
    }

    private static void setIfAbsent(String key, long value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, Long.toString(value));
        }
    }

    public synchronized void start() {
        if (!started && !closed) {
            started = true;
            server.start();
        }
    }

    /** The bound address (the port chosen when 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    long rejected(String reason) {
        return switch (reason) {
            case NOT_FOUND -> notFound.get();
            case METHOD_NOT_ALLOWED -> methodNotAllowed.get();
            case HANDLER_FAILED -> handlerFailed.get();
            default -> 0;
        };
    }

    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                handlerFailed.incrementAndGet();
                failures.warn("metrics: an HTTP exchange failed: " + e);
            }
        };
    }

    /** Lets GET and HEAD of {@code /metrics} (with any query) through; refuses and counts everything else. */
    private final class Gate implements HttpHandler {
        private final HttpHandler metrics;

        Gate(HttpHandler metrics) {
            this.metrics = metrics;
        }

        @Override
        public void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                if (!PATH.equals(exchange.getRequestURI().getRawPath())) {
                    notFound.incrementAndGet();
                    refuse(exchange, 404, "not found; metrics are at " + PATH + "\n");
                    return;
                }
                String method = exchange.getRequestMethod();
                if (!method.equals("GET") && !method.equals("HEAD")) {
                    methodNotAllowed.incrementAndGet();
                    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                    refuse(exchange, 405, "only GET and HEAD\n");
                    return;
                }
                metrics.handle(exchange);
            } catch (RuntimeException e) {
                handlerFailed.incrementAndGet();
                failures.warn("metrics: a scrape failed: " + e);
            }
        }

        private void refuse(HttpExchange exchange, int status, String text) throws IOException {
            byte[] body = text.getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            // Close after the answer: a client that sends wrong requests gets no kept-alive connection.
            exchange.getResponseHeaders().set("Connection", "close");
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Stops listening and ends the threads; a scrape in progress is cut off. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // The JDK server closes its listening socket only from its dispatcher thread: one never started
        // would keep the port bound, and a restart of the site in this JVM would find it in use.
        if (!started) {
            started = true;
            server.start();
        }
        server.stop(0);
        executor.shutdownNow();
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
