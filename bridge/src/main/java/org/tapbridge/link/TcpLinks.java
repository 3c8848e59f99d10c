package org.tapbridge.link;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.Inbound;
import org.tapbridge.pipeline.RateLimitedLog;

/**
 * TCP peer links: the {@code peer-accept} thread for incoming connections, one {@code peer-dial-NAME}
 * thread per TCP peer with an endpoint, and the rule that picks one connection when both sites dial
 * each other at once (the one opened by the site whose name sorts first).
 */
final class TcpLinks {
    private static final System.Logger LOG = System.getLogger(TcpLinks.class.getName());
    /** Strangers must authenticate quickly; a legitimate peer does so in its first round trip. */
    private static final long FIRST_MESSAGE_TIMEOUT_MS = 5_000;
    /** Bounds the threads that unauthenticated connections can hold. */
    private static final int MAX_PENDING_CONNECTIONS = 16;
    private static final long CONNECT_TIMEOUT_MS = 5_000;
    /** A connection that lived this long was healthy: start the next reconnect from the shortest wait. */
    private static final long HEALTHY_CONNECTION_NS = TimeUnit.SECONDS.toNanos(10);

    private final String siteName;
    private final LinkIngress ingress;
    private final LinkTimers timers;
    private final ServerSocketChannel server;
    private final Semaphore pending = new Semaphore(MAX_PENDING_CONNECTIONS);
    private final List<Thread> threads = new ArrayList<>();
    private final RateLimitedLog errors = new RateLimitedLog(LOG, 10_000_000_000L);
    private volatile boolean running = true;

    private TcpLinks(String siteName, LinkIngress ingress, LinkTimers timers, ServerSocketChannel server) {
        this.siteName = siteName;
        this.ingress = ingress;
        this.timers = timers;
        this.server = server;
    }

    /** Binds the TCP listener when {@code listen} is set; dials nothing until {@link #start()}. */
    static TcpLinks bind(String siteName, InetSocketAddress listen, LinkIngress ingress, LinkTimers timers)
            throws IOException {
        ServerSocketChannel server = null;
        if (listen != null) {
            server = ServerSocketChannel.open();
            try {
                server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                server.bind(listen, 64);
            } catch (IOException e) {
                server.close();
                throw new IOException("cannot listen on TCP " + listen + ": " + e.getMessage()
                        + "; is another daemon using it, or is the address not configured on this host?", e);
            }
        }
        return new TcpLinks(siteName, ingress, timers, server);
    }

    void start() {
        if (server != null) {
            spawn("peer-accept", this::acceptLoop);
        }
        for (Peer peer : ingress.peers().peers()) {
            if (peer.transport() == Transport.TCP && peer.endpoint() != null) {
                spawn("peer-dial-" + peer.name(), () -> dialLoop(peer));
            }
        }
    }

    private void spawn(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        synchronized (threads) {
            threads.add(t);
        }
        t.start();
    }

    private void acceptLoop() {
        while (running) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // E.g. out of file descriptors: pause rather than spin on a core.
                errors.warn("TCP accept failed: " + e.getMessage());
                sleepMillis(100);
                continue;
            }
            if (!pending.tryAcquire()) {
                ingress.counters().dropped(LinkDrop.UNKNOWN_PEER);
                closeQuietly(channel);
                continue;
            }
            Thread t = new Thread(() -> serveAccepted(channel), "peer-rx-tcp");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serveAccepted(SocketChannel channel) {
        boolean[] released = {false};
        TcpConnection connection = null;
        Inbound result = new Inbound();
        try {
            connection = new TcpConnection(channel, false);
            connection.readLoop((conn, buffer, offset, length) -> {
                if (conn.peer() == null) {
                    released[0] = true;
                    pending.release();
                    return identify(conn, buffer, offset, length, result);
                }
                return onMessage(conn, buffer, offset, length, result);
            }, FIRST_MESSAGE_TIMEOUT_MS);
        } catch (IOException | RuntimeException e) {
            int reason = e instanceof TcpConnection.FramingException ? LinkDrop.MALFORMED : LinkDrop.UNKNOWN_PEER;
            if (connection == null || connection.peer() == null) {
                ingress.counters().dropped(reason);
            } else if (reason == LinkDrop.MALFORMED) {
                connection.peer().counters().dropped(reason);
            }
        } finally {
            if (!released[0]) {
                pending.release();
            }
            if (connection != null) {
                finished(connection);
            }
            closeQuietly(channel);
        }
    }

    /**
     * The first message on an accepted connection must be a handshake initiation that authenticates
     * as a configured TCP peer; anything else ends the connection.
     */
    private boolean identify(TcpConnection connection, ByteBuffer buffer, int offset, int length, Inbound result) {
        Peer peer = ingress.accept(buffer, offset, length, connection.remote(), connection, result);
        if (peer == null) {
            return false;
        }
        connection.peer(peer);
        return adopt(peer, connection);
    }

    private boolean onMessage(TcpConnection connection, ByteBuffer buffer, int offset, int length, Inbound result) {
        Peer peer = ingress.accept(buffer, offset, length, connection.remote(), connection, result);
        if (peer != null && peer != connection.peer()) {
            // Authentic, but from another site than the one this connection belongs to: refuse to mix.
            connection.peer().counters().dropped(LinkDrop.WRONG_TRANSPORT);
            return false;
        }
        return true;
    }

    private void dialLoop(Peer peer) {
        Backoff backoff = new Backoff(timers.reconnectInitialNs(), timers.reconnectCapNs(),
                new java.security.SecureRandom().nextLong());
        while (running) {
            TcpConnection current = peer.connection();
            if (current != null && !current.isClosed()) {
                sleepMillis(200);
                continue;
            }
            long startNs = System.nanoTime();
            TcpConnection connection = null;
            try {
                SocketChannel channel = SocketChannel.open();
                try {
                    channel.socket().connect(peer.endpoint(), (int) CONNECT_TIMEOUT_MS);
                } catch (IOException e) {
                    closeQuietly(channel);
                    throw e;
                }
                connection = new TcpConnection(channel, true);
                connection.peer(peer);
                if (adopt(peer, connection)) {
                    LOG.log(System.Logger.Level.INFO, "peer " + peer.name() + ": TCP connected to " + peer.endpoint());
                    ingress.secure().handshakeNow(peer, ingress.nowNs());
                    Inbound result = new Inbound();
                    connection.readLoop((conn, buffer, offset, length) ->
                            onMessage(conn, buffer, offset, length, result), FIRST_MESSAGE_TIMEOUT_MS);
                }
            } catch (IOException | RuntimeException e) {
                // A dialer that died would leave this peer unreachable until restart: log and retry.
                if (running) {
                    errors.warn("peer " + peer.name() + ": TCP to " + peer.endpoint() + ": " + e);
                }
            } finally {
                if (connection != null) {
                    finished(connection);
                }
            }
            if (System.nanoTime() - startNs > HEALTHY_CONNECTION_NS) {
                backoff.reset();
            }
            if (running) {
                sleepMillis(backoff.nextDelayNs() / 1_000_000L);
            }
        }
    }

    /**
     * Makes {@code connection} the peer's link unless a better one exists. When both sites dialed,
     * both keep the connection opened by the site whose name sorts first, so they agree without talking.
     */
    private synchronized boolean adopt(Peer peer, TcpConnection connection) {
        TcpConnection existing = peer.connection();
        if (existing != null && !existing.isClosed() && existing.dialedByUs() != connection.dialedByUs()) {
            String newInitiator = connection.dialedByUs() ? siteName : peer.name();
            String oldInitiator = existing.dialedByUs() ? siteName : peer.name();
            if (oldInitiator.compareTo(newInitiator) < 0) {
                return false;
            }
        }
        peer.connection(connection);
        if (existing != null) {
            existing.close();
        }
        return true;
    }

    private synchronized void finished(TcpConnection connection) {
        connection.close();
        Peer peer = connection.peer();
        if (peer != null && peer.connection() == connection) {
            peer.connection(null);
            ingress.lost(peer);
        }
    }

    void stop() {
        running = false;
        if (server != null) {
            closeQuietly(server);
        }
        for (Peer peer : ingress.peers().peers()) {
            TcpConnection c = peer.connection();
            if (c != null) {
                c.close();
            }
        }
        synchronized (threads) {
            for (Thread t : threads) {
                t.interrupt();
            }
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // Abandoning the socket either way.
        }
    }

    private void sleepMillis(long ms) {
        try {
            Thread.sleep(Math.max(1, ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
