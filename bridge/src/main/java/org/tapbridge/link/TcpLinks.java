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
import org.tapbridge.pipeline.RateLimitedLog;

/**
 * TCP peer links: the {@code peer-accept} thread for incoming connections, one {@code peer-dial-NAME}
 * thread per TCP peer with an endpoint, and the rule that picks one connection when both sites dial
 * each other at once (the one opened by the site whose name sorts first).
 */
final class TcpLinks {
    private static final System.Logger LOG = System.getLogger(TcpLinks.class.getName());
    /** Strangers must say HELLO quickly; a legitimate peer does so in its first round trip. */
    private static final long HELLO_TIMEOUT_MS = 5_000;
    /** Bounds the threads that unauthenticated connections can hold. */
    private static final int MAX_PENDING_CONNECTIONS = 16;
    private static final long CONNECT_TIMEOUT_MS = 5_000;
    /** A connection that lived this long was healthy: start the next reconnect from the shortest wait. */
    private static final long HEALTHY_CONNECTION_NS = TimeUnit.SECONDS.toNanos(10);

    private final String siteName;
    private final byte[] helloName;
    private final Inbound inbound;
    private final LinkTimers timers;
    private final ServerSocketChannel server;
    private final Semaphore pending = new Semaphore(MAX_PENDING_CONNECTIONS);
    private final List<Thread> threads = new ArrayList<>();
    private final RateLimitedLog errors = new RateLimitedLog(LOG, 10_000_000_000L);
    private volatile boolean running = true;

    private TcpLinks(String siteName, Inbound inbound, LinkTimers timers, ServerSocketChannel server) {
        this.siteName = siteName;
        this.helloName = siteName.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        this.inbound = inbound;
        this.timers = timers;
        this.server = server;
    }

    /** Binds the TCP listener when {@code listen} is set; dials nothing until {@link #start()}. */
    static TcpLinks bind(String siteName, InetSocketAddress listen, Inbound inbound, LinkTimers timers)
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
        return new TcpLinks(siteName, inbound, timers, server);
    }

    void start() {
        if (server != null) {
            spawn("peer-accept", this::acceptLoop);
        }
        for (Peer peer : inbound.peers().peers()) {
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
                errors.warn("TCP accept failed: " + e.getMessage());
                continue;
            }
            if (!pending.tryAcquire()) {
                inbound.counters().dropped(LinkDrop.UNKNOWN_PEER);
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
        try {
            connection = new TcpConnection(channel, false);
            connection.readLoop((conn, buffer, offset, length) -> {
                if (conn.peer() == null) {
                    released[0] = true;
                    pending.release();
                    return identify(conn, buffer, offset, length);
                }
                return onMessage(conn, buffer, offset, length);
            }, HELLO_TIMEOUT_MS);
        } catch (IOException e) {
            int reason = e instanceof TcpConnection.FramingException ? LinkDrop.MALFORMED : LinkDrop.UNKNOWN_PEER;
            if (connection == null || connection.peer() == null) {
                inbound.counters().dropped(reason);
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

    /** The first message on an accepted connection must be a HELLO from a configured TCP peer. */
    private boolean identify(TcpConnection connection, ByteBuffer buffer, int offset, int length) {
        if (inbound.classify(buffer, offset, length) != WireHeader.TYPE_HELLO) {
            return false;
        }
        String name = Hello.name(buffer, offset, length);
        Peer peer = name == null ? null : inbound.peers().byName(name);
        if (peer == null || peer.transport() != Transport.TCP) {
            inbound.counters().dropped(name == null ? LinkDrop.MALFORMED : LinkDrop.UNKNOWN_PEER);
            return false;
        }
        connection.peer(peer);
        if (!sendHello(connection)) {
            return false;
        }
        if (!adopt(peer, connection)) {
            return false;
        }
        inbound.heard(peer);
        return true;
    }

    private boolean onMessage(TcpConnection connection, ByteBuffer buffer, int offset, int length) {
        Peer peer = connection.peer();
        int type = inbound.classify(buffer, offset, length);
        if (type < 0) {
            peer.counters().dropped(LinkDrop.MALFORMED);
            return true;
        }
        if (type == WireHeader.TYPE_FRAME) {
            inbound.frame(peer, buffer, offset, length);
        } else {
            inbound.heard(peer);
        }
        return true;
    }

    private void dialLoop(Peer peer) {
        Backoff backoff = new Backoff(timers.reconnectInitialNs(), timers.reconnectCapNs(), siteName.hashCode());
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
                if (sendHello(connection) && adopt(peer, connection)) {
                    LOG.log(System.Logger.Level.INFO, "peer " + peer.name() + ": TCP connected to " + peer.endpoint());
                    connection.readLoop(this::onMessageFromDialed, HELLO_TIMEOUT_MS);
                }
            } catch (IOException e) {
                if (running) {
                    errors.warn("peer " + peer.name() + ": TCP to " + peer.endpoint() + ": " + e.getMessage());
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

    private boolean onMessageFromDialed(TcpConnection connection, ByteBuffer buffer, int offset, int length) {
        // The acceptor answers our HELLO with its own; after that, frames and keepalives.
        if (WireHeader.type(buffer, offset) == WireHeader.TYPE_HELLO && length >= WireHeader.LENGTH) {
            if (inbound.classify(buffer, offset, length) < 0) {
                return false;
            }
            String name = Hello.name(buffer, offset, length);
            if (!connection.peer().name().equals(name)) {
                inbound.counters().dropped(LinkDrop.UNKNOWN_PEER);
                LOG.log(System.Logger.Level.WARNING, "peer " + connection.peer().name() + " at " + connection.remote()
                        + " introduced itself as '" + name + "'; check that peer's [site] name and its endpoint");
                return false;
            }
            inbound.heard(connection.peer());
            return true;
        }
        return onMessage(connection, buffer, offset, length);
    }

    private boolean sendHello(TcpConnection connection) {
        ByteBuffer hello = ByteBuffer.allocate(Hello.NAME_OFFSET + helloName.length);
        hello.limit(Hello.write(hello, helloName, false));
        try {
            return connection.send(hello);
        } catch (IOException e) {
            return false;
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
            inbound.lost(peer);
        }
    }

    void stop() {
        running = false;
        if (server != null) {
            closeQuietly(server);
        }
        for (Peer peer : inbound.peers().peers()) {
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
