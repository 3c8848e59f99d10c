package org.tapbridge.control;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayDeque;
import java.util.Iterator;
import jdk.net.ExtendedSocketOptions;

/**
 * The {@code control} thread: a unix socket (mode 0660) answering one request per connection, so
 * operators in the socket's group can query the daemon without root.
 *
 * <p>Every connection has one absolute deadline for its whole life (request, answer, and the draining
 * of what the client sent beyond its request), and all connections are served at once by one selector:
 * a client that trickles its request or reads its answer a byte at a time holds nothing but its own
 * slot, and loses it at the deadline. At most {@link #MAX_CONNECTIONS} are open; a new one evicts the
 * oldest, so a crowd of idle connections cannot lock an operator out either.
 */
public final class ControlServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControlServer.class.getName());
    /**
     * The whole life of a connection: the CLI needs a few milliseconds, so 2 s is generous for a loaded
     * machine and short enough that an operator waiting behind a stuck client hardly notices.
     */
    public static final long CONNECTION_DEADLINE_NS = 2_000_000_000L;
    /** Open connections at once; the CLI opens one, so 16 leave room for scripts polling in parallel. */
    static final int MAX_CONNECTIONS = 16;
    /** Past this much trailing input the client is misbehaving; it may then see a reset. */
    private static final long MAX_DISCARD_BYTES = 1 << 20;
    /** The kernel's queue of connections not yet accepted; we accept at once, so it rarely holds any. */
    private static final int BACKLOG = MAX_CONNECTIONS;
    /** st_mode's file type bits, and the socket type, from sys/stat.h. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path path;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final ControlHandler handler;
    private final long deadlineNs;
    /** Open connections, oldest first: the oldest is the first to reach its deadline and to be evicted. */
    private final ArrayDeque<Connection> connections = new ArrayDeque<>();
    private Thread thread;
    private volatile boolean running = true;

    private ControlServer(Path path, ServerSocketChannel server, Selector selector, ControlHandler handler,
                          long deadlineNs) {
        this.path = path;
        this.server = server;
        this.selector = selector;
        this.handler = handler;
        this.deadlineNs = deadlineNs;
    }

    /**
     * Binds the socket. A socket file left by a crashed daemon is replaced; a live daemon's socket, and
     * anything that is not a socket (a file, a directory, a symbolic link), is refused and left as it is.
     */
    public static ControlServer bind(Path path, ControlHandler handler) throws IOException {
        return bind(path, handler, CONNECTION_DEADLINE_NS);
    }

    static ControlServer bind(Path path, ControlHandler handler, long deadlineNs) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new IOException("control-socket " + path + ": cannot create directory " + dir + " ("
                        + e.getMessage() + "); create it, or set [site] control-socket to a writable place", e);
            }
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            String notASocket = notASocket(path);
            if (notASocket != null) {
                throw new IOException("control-socket " + path + " " + notASocket + ", not a socket; refusing to"
                        + " replace it. Set [site] control-socket to a path of its own (the default is "
                        + "/run/tapbridge/<site>.sock), or move the file away if it really is not needed");
            }
            if (isLive(path)) {
                throw new IOException("control-socket " + path + " is in use by a running daemon; stop it first, "
                        + "or give this site another [site] control-socket");
            }
            // A socket nobody listens on: what a crashed daemon leaves behind.
            Files.delete(path);
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        Selector selector = null;
        try {
            server.bind(UnixDomainSocketAddress.of(path), BACKLOG);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
            server.configureBlocking(false);
            selector = Selector.open();
            server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException e) {
            server.close();
            if (selector != null) {
                selector.close();
            }
            throw new IOException("control-socket " + path + ": cannot bind: " + e.getMessage(), e);
        }
        return new ControlServer(path, server, selector, handler, deadlineNs);
    }

    /** Null when {@code path} (not followed) is a socket, else what it is instead, for the error. */
    static String notASocket(Path path) throws IOException {
        if (Files.isSymbolicLink(path)) {
            return "is a symbolic link (to " + Files.readSymbolicLink(path) + ")";
        }
        int type = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & S_IFMT;
        if (type == S_IFSOCK) {
            return null;
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return "is a directory";
        }
        if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            return "is a regular file of " + Files.size(path) + " bytes";
        }
        return "is a special file (mode " + Integer.toOctalString(type) + ")";
    }

    private static boolean isLive(Path path) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return probe.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    public Path path() {
        return path;
    }

    public void start() {
        thread = new Thread(this::serveLoop, "control");
        thread.setDaemon(true);
        thread.start();
    }

    private void serveLoop() {
        try {
            while (running) {
                selector.select(untilNextDeadlineMs(System.nanoTime()));
                long nowNs = System.nanoTime();
                Iterator<SelectionKey> ready = selector.selectedKeys().iterator();
                while (ready.hasNext()) {
                    SelectionKey key = ready.next();
                    ready.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.channel() == server) {
                        acceptAll(nowNs);
                    } else {
                        Connection c = (Connection) key.attachment();
                        try {
                            c.onReady(nowNs);
                        } catch (RuntimeException e) {
                            // A bug in serving one client must not take the socket away from the others.
                            LOG.log(System.Logger.Level.WARNING, "control socket " + path + ": dropping a client", e);
                            c.close();
                        }
                    }
                }
                expire(System.nanoTime());
            }
        } catch (IOException | ClosedSelectorException e) {
            if (running) {
                LOG.log(System.Logger.Level.ERROR, "control socket " + path + " stopped: " + e);
            }
        } finally {
            while (!connections.isEmpty()) {
                connections.peekFirst().close();
            }
        }
    }

    /** How long select may sleep: until the oldest connection's deadline, or for ever (0) when none is open. */
    private long untilNextDeadlineMs(long nowNs) {
        Connection oldest = connections.peekFirst();
        if (oldest == null) {
            return 0;
        }
        // Rounded up and at least 1: select(0) would mean "for ever".
        return Math.max(1, (oldest.deadlineNs - nowNs + 999_999) / 1_000_000);
    }

    private void acceptAll(long nowNs) {
        while (true) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                // EMFILE and the like: this round gives up, the next readiness retries.
                LOG.log(System.Logger.Level.WARNING, "control socket " + path + ": accept: " + e.getMessage());
                return;
            }
            if (client == null) {
                return;
            }
            if (connections.size() >= MAX_CONNECTIONS) {
                connections.peekFirst().close();
            }
            try {
                client.configureBlocking(false);
                Connection c = new Connection(client, nowNs + deadlineNs);
                c.key = client.register(selector, SelectionKey.OP_READ, c);
                connections.addLast(c);
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    /** Connections are kept in deadline order, so only the head ones can have expired. */
    private void expire(long nowNs) {
        while (!connections.isEmpty() && nowNs - connections.peekFirst().deadlineNs >= 0) {
            connections.peekFirst().expire();
        }
    }

    private String answer(String line, SocketChannel client) {
        try {
            ControlRequest request = ControlRequest.parse(line);
            if (request.command().changesTheDaemon()) {
                String refusal = refusal(client);
                if (refusal != null) {
                    LOG.log(System.Logger.Level.WARNING, "control socket " + path + ": refused '"
                            + request.command().wireName() + "': " + refusal);
                    return "error: " + request.command().wireName() + " " + refusal + "\n";
                }
            }
            return handler.handle(request);
        } catch (IllegalArgumentException e) {
            return "error: " + e.getMessage() + "\n";
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "control request failed", e);
            return "error: " + e + "\n";
        }
    }

    /**
     * Why this client may not change the daemon, or null when it may: the socket's group may query, but only
     * root and the daemon's own user may make it load a file (which names the peers let onto the LAN).
     */
    static String refusal(SocketChannel client) {
        UserPrincipal caller;
        try {
            caller = client.getOption(ExtendedSocketOptions.SO_PEERCRED).user();
        } catch (IOException | UnsupportedOperationException e) {
            return "is refused: the caller's user cannot be told (" + e.getMessage() + ")";
        }
        UserPrincipal self;
        try {
            self = Files.getOwner(Path.of("/proc/self"));
        } catch (IOException e) {
            self = null;
        }
        if (caller.equals(self) || caller.equals(Root.USER)) {
            return null;
        }
        return "needs root or the daemon's own user" + (self == null ? "" : " (" + self.getName() + ")") + "; "
                + caller.getName() + " may only query";
    }

    /** The root user, looked up on the first request that needs it; null where no user is named root. */
    private static final class Root {
        static final UserPrincipal USER = lookup();

        private static UserPrincipal lookup() {
            try {
                return FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("root");
            } catch (IOException e) {
                return null;
            }
        }
    }

    /** One client: reads its request line, writes the answer, then drains what it sent beyond the line. */
    private final class Connection {
        final SocketChannel channel;
        final long deadlineNs;
        final ByteBuffer request = ByteBuffer.allocate(ControlRequest.MAX_LINE);
        SelectionKey key;
        /** Null while the request is being read. */
        ByteBuffer reply;
        boolean draining;
        long discarded;

        Connection(SocketChannel channel, long deadlineNs) {
            this.channel = channel;
            this.deadlineNs = deadlineNs;
        }

        void onReady(long nowNs) {
            try {
                if (reply == null) {
                    readRequest();
                } else if (!draining) {
                    writeReply();
                } else {
                    drain();
                }
            } catch (IOException e) {
                // The client went away or reset: nothing is owed to it any more.
                close();
            }
        }

        private void readRequest() throws IOException {
            int from = request.position();
            int n = channel.read(request);
            for (int i = from; i < request.position(); i++) {
                if (request.get(i) == '\n') {
                    respond(answer(new String(request.array(), 0, i, StandardCharsets.UTF_8), channel));
                    return;
                }
            }
            if (!request.hasRemaining()) {
                respond("error: request longer than " + ControlRequest.MAX_LINE + " bytes\n");
            } else if (n < 0) {
                respond("error: request not terminated by a newline\n");
            }
        }

        private void respond(String text) throws IOException {
            reply = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            key.interestOps(SelectionKey.OP_WRITE);
            writeReply();
        }

        private void writeReply() throws IOException {
            channel.write(reply);
            if (reply.hasRemaining()) {
                return;
            }
            channel.shutdownOutput();
            // Closing with unread bytes makes the kernel reset the connection, and the client would lose the
            // reply it is owed: read and drop what it sent beyond the request, until it closes.
            draining = true;
            key.interestOps(SelectionKey.OP_READ);
            drain();
        }

        private void drain() throws IOException {
            ByteBuffer sink = request;
            while (true) {
                sink.clear();
                int n = channel.read(sink);
                if (n < 0 || discarded > MAX_DISCARD_BYTES) {
                    close();
                    return;
                }
                if (n == 0) {
                    return;
                }
                discarded += n;
            }
        }

        /** The deadline passed: a client still sending its request is told why, once and without waiting. */
        void expire() {
            if (reply == null) {
                try {
                    channel.write(ByteBuffer.wrap(("error: no complete request within "
                            + deadlineMillis() + " ms\n").getBytes(StandardCharsets.UTF_8)));
                    channel.shutdownOutput();
                } catch (IOException ignored) {
                    // Closed below either way.
                }
            }
            close();
        }

        void close() {
            connections.remove(this);
            if (key != null) {
                key.cancel();
            }
            closeQuietly(channel);
        }
    }

    private long deadlineMillis() {
        return deadlineNs / 1_000_000;
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing left to tell this client.
        }
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        if (thread != null) {
            try {
                thread.join(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            server.close();
            selector.close();
        } catch (IOException ignored) {
            // Shutting down.
        }
        try {
            // Only our own socket: if someone put something else there meanwhile, it is theirs.
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) && notASocket(path) == null) {
                Files.delete(path);
            }
        } catch (IOException ignored) {
            // A stale socket file is replaced at the next start.
        }
    }
}
