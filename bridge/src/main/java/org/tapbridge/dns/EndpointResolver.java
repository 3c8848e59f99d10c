package org.tapbridge.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.pipeline.RateLimitedLog;

/**
 * Looks up the peers whose endpoint is a host name, on a thread of its own ({@code resolver}): a lookup
 * can block for seconds, and the data path must never wait for one. A name that does not resolve is tried
 * again after a wait that doubles from {@code retryInitialNs} up to {@code retryCapNs}; a name that
 * resolved is looked up again every {@link PeerConfig#resolveIntervalNs()}, so a site on dynamic DNS is
 * followed. Each new address goes to the {@link Sink}, which hands it to the data-path loop.
 *
 * <p>An address stays chosen while the name still lists it: a name with several addresses, returned in
 * turns, does not make the peer hop between them. A lookup that fails after one that worked keeps the
 * last address; only a different answer moves the peer.
 *
 * <p>One thread for every name: a site has a few peers, and a slow lookup only delays the others' next
 * look. The thread is a daemon thread; {@link #close()} stops it without waiting for a lookup in flight.
 */
public final class EndpointResolver implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EndpointResolver.class.getName());
    /** While a name keeps failing, one line a minute says so, with the count of lines held back. */
    static final long FAILURE_LOG_INTERVAL_NS = TimeUnit.SECONDS.toNanos(60);

    /** Takes a peer's new address, on the resolver thread: it must only hand it on, never block. */
    @FunctionalInterface
    public interface Sink {
        void moved(String peer, InetSocketAddress address);
    }

    /**
     * What the control path shows of one peer's name.
     *
     * @param address the address in use, null until the name first resolved
     * @param problem why the last lookup failed, null when it worked (or none finished yet)
     * @param lookups lookups finished so far
     * @param nextLookupNs when the next lookup is due ({@link System#nanoTime()})
     */
    public record Status(String host, int port, InetSocketAddress address, String problem, long lookups,
                         long nextLookupNs) {
        /** The endpoint as configured, {@code host:port}. */
        public String configured() {
            return host + ":" + port;
        }

        /** Whether the peer has no address yet because its name has not resolved. */
        public boolean unresolved() {
            return address == null;
        }
    }

    /** Replaced entries on a live reload ({@link #reconfigure}); read by the control thread. */
    private final Map<String, Target> targets = new java.util.concurrent.ConcurrentHashMap<>();
    private final HostResolver resolver;
    private final Sink sink;
    private final long retryInitialNs;
    private final long retryCapNs;
    private ScheduledExecutorService executor;
    private volatile boolean closed;
    private volatile String failure;

    public EndpointResolver(List<PeerConfig> peers, HostResolver resolver, long retryInitialNs, long retryCapNs,
                            Sink sink) {
        if (retryInitialNs <= 0 || retryCapNs < retryInitialNs) {
            throw new IllegalArgumentException("retry waits " + retryInitialNs + " ns .. " + retryCapNs
                    + " ns must be positive and grow");
        }
        this.resolver = resolver;
        this.sink = sink;
        this.retryInitialNs = retryInitialNs;
        this.retryCapNs = retryCapNs;
        for (PeerConfig peer : peers) {
            if (peer.endpointHost() != null) {
                targets.put(peer.name(), new Target(peer));
            }
        }
    }

    /** Starts the first lookups at once; the thread exists only when some peer has a host name. */
    public synchronized void start() {
        if (targets.isEmpty() || executor != null || closed) {
            return;
        }
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = new Thread(task, "resolver");
            t.setDaemon(true);
            return t;
        });
        pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor = pool;
        for (Target target : targets.values()) {
            target.schedule(0);
        }
    }

    /**
     * Follows a live reload: names of peers that left, or no longer have a host name, are not looked up any
     * more; new names, and those of the peers in {@code restart} (whose links started over and have no
     * address yet), are looked up at once. The other names keep their address and their schedule.
     */
    public synchronized void reconfigure(List<PeerConfig> peers, java.util.Set<String> restart) {
        Map<String, PeerConfig> named = new java.util.HashMap<>();
        for (PeerConfig peer : peers) {
            if (peer.endpointHost() != null) {
                named.put(peer.name(), peer);
            }
        }
        for (Map.Entry<String, Target> e : List.copyOf(targets.entrySet())) {
            PeerConfig peer = named.get(e.getKey());
            if (peer == null || restart.contains(e.getKey()) || !e.getValue().follows(peer)) {
                e.getValue().retired = true;
                targets.remove(e.getKey());
            }
        }
        for (PeerConfig peer : named.values()) {
            if (!targets.containsKey(peer.name())) {
                Target target = new Target(peer);
                targets.put(peer.name(), target);
                if (executor != null) {
                    target.schedule(0);
                }
            }
        }
        start();
    }

    /** The peers whose endpoint is a host name. */
    public List<String> peers() {
        return new ArrayList<>(targets.keySet());
    }

    /** The state of {@code peer}'s name; null when its endpoint is not a host name. Any thread. */
    public Status status(String peer) {
        Target target = targets.get(peer);
        return target == null ? null : target.status;
    }

    /** Why the resolver thread stopped for good (a {@link Error}), or null while it works. */
    public String failure() {
        return failure;
    }

    /** The next wait after one of {@code delayNs} failed: doubled, at most {@code capNs}. */
    static long nextRetryNs(long delayNs, long capNs) {
        return delayNs > capNs / 2 ? capNs : delayNs * 2;
    }

    /** A wait for people: whole seconds from one second up, milliseconds below (tests' short timers). */
    static String describeWait(long ns) {
        return ns >= 1_000_000_000L ? Math.round(ns / 1e9) + " s" : TimeUnit.NANOSECONDS.toMillis(ns) + " ms";
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /** One peer's name; its fields other than {@link #status} belong to the resolver thread. */
    private final class Target implements Runnable {
        private final String peer;
        private final String host;
        private final int port;
        private final long intervalNs;
        private final RateLimitedLog failures = new RateLimitedLog(LOG, FAILURE_LOG_INTERVAL_NS);
        private InetSocketAddress current;
        private long retryNs = retryInitialNs;
        private long lookups;
        private volatile Status status;
        /** Set when a reload dropped or replaced this name: its lookups end, and their answers are not handed on. */
        private volatile boolean retired;

        Target(PeerConfig config) {
            this.peer = config.name();
            this.host = config.endpointHost();
            this.port = config.endpoint().getPort();
            // A record built in code may leave it 0: that would look the name up without a pause.
            this.intervalNs = config.resolveIntervalNs() > 0 ? config.resolveIntervalNs()
                    : PeerConfig.DEFAULT_RESOLVE_INTERVAL_NS;
            this.status = new Status(host, port, null, null, 0, System.nanoTime());
        }

        /** Whether this target looks up what {@code peer} names, as often as it asks. */
        boolean follows(PeerConfig peer) {
            long wantNs = peer.resolveIntervalNs() > 0 ? peer.resolveIntervalNs() : PeerConfig.DEFAULT_RESOLVE_INTERVAL_NS;
            return host.equals(peer.endpointHost()) && port == peer.endpoint().getPort() && intervalNs == wantNs;
        }

        void schedule(long delayNs) {
            synchronized (EndpointResolver.this) {
                if (closed || retired) {
                    return;
                }
                try {
                    executor.schedule(this, delayNs, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    // Closing: nothing is looked up any more.
                }
            }
        }

        @Override
        public void run() {
            List<InetAddress> found = null;
            String problem;
            try {
                found = resolver.resolve(host);
                problem = found == null || found.isEmpty() ? "it has no address" : null;
            } catch (UnknownHostException e) {
                problem = reason(e);
            } catch (RuntimeException e) {
                // A bug, or a resolver that throws unchecked: the name is retried like any failure.
                problem = e.toString();
            } catch (Error e) {
                failure = "the resolver thread stopped looking up " + host + ": " + e;
                LOG.log(System.Logger.Level.ERROR, failure, e);
                throw e;
            }
            if (closed || retired) {
                return;
            }
            lookups++;
            long nowNs = System.nanoTime();
            if (problem == null) {
                resolved(found, nowNs);
            } else {
                failed(problem, nowNs);
            }
        }

        private void resolved(List<InetAddress> found, long nowNs) {
            retryNs = retryInitialNs;
            InetSocketAddress chosen = choose(found);
            status = new Status(host, port, chosen, null, lookups, nowNs + intervalNs);
            if (!chosen.equals(current)) {
                InetSocketAddress before = current;
                current = chosen;
                LOG.log(System.Logger.Level.INFO, "peer " + peer + ": " + host + " resolves to "
                        + chosen.getAddress().getHostAddress() + (before == null ? ""
                        : " (was " + before.getAddress().getHostAddress() + "); the peer moves there"));
                try {
                    sink.moved(peer, chosen);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "peer " + peer + ": handing over its new address failed", e);
                }
            }
            schedule(intervalNs);
        }

        /** The address in use when the name still lists it, else the resolver's first. */
        private InetSocketAddress choose(List<InetAddress> found) {
            if (current != null && found.contains(current.getAddress())) {
                return current;
            }
            return new InetSocketAddress(found.get(0), port);
        }

        private void failed(String problem, long nowNs) {
            long waitNs = retryNs;
            retryNs = nextRetryNs(retryNs, retryCapNs);
            status = new Status(host, port, current, problem, lookups, nowNs + waitNs);
            failures.warn("peer " + peer + ": cannot resolve " + host + " (" + problem + "; will retry in "
                    + describeWait(waitNs) + ")" + (current == null ? ""
                    : "; still using " + current.getAddress().getHostAddress()));
            schedule(waitNs);
        }

        /** The JDK's message without the host name it starts with, which the log line already shows. */
        private String reason(UnknownHostException e) {
            String message = e.getMessage();
            if (message == null || message.isBlank() || message.equals(host)) {
                return "unknown host";
            }
            return message.startsWith(host + ": ") ? message.substring(host.length() + 2) : message;
        }
    }
}
