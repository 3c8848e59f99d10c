package org.tapbridge.control;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import jnr.unixsocket.UnixServerSocketChannel;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;
import jnr.unixsocket.UnixSocketOptions;

/**
 * The {@code control} thread: a unix socket (mode 0660) answering one request per connection, so
 * operators in the socket's group can query the daemon without root.
 */
public final class ControlServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControlServer.class.getName());
    /** A client that does not send its request within this time is cut off: it must not stall others. */
    private static final int REQUEST_TIMEOUT_MS = 2000;
    /** Past this much trailing input the client is misbehaving; it may then see a reset. */
    private static final long MAX_DISCARD_BYTES = 1 << 20;

    private final Path path;
    private final UnixServerSocketChannel server;
    private final ControlHandler handler;
    private Thread thread;
    private volatile boolean running = true;

    private ControlServer(Path path, UnixServerSocketChannel server, ControlHandler handler) {
        this.path = path;
        this.server = server;
        this.handler = handler;
    }

    /** Binds the socket, replacing a stale file left by a crashed daemon but never a live one. */
    public static ControlServer bind(Path path, ControlHandler handler) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new IOException("control-socket " + path + ": cannot create directory " + dir + " ("
                        + e.getMessage() + "); create it, or set [site] control-socket to a writable place", e);
            }
        }
        if (Files.exists(path)) {
            if (isLive(path)) {
                throw new IOException("control-socket " + path + " is in use by a running daemon; stop it first, "
                        + "or give this site another [site] control-socket");
            }
            Files.delete(path);
        }
        UnixServerSocketChannel server = UnixServerSocketChannel.open();
        try {
            server.socket().bind(new UnixSocketAddress(path.toFile()));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        } catch (IOException e) {
            server.close();
            throw new IOException("control-socket " + path + ": cannot bind: " + e.getMessage(), e);
        }
        return new ControlServer(path, server, handler);
    }

    private static boolean isLive(Path path) {
        try (UnixSocketChannel probe = UnixSocketChannel.open(new UnixSocketAddress(path.toFile()))) {
            return probe.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    public Path path() {
        return path;
    }

    public void start() {
        thread = new Thread(this::acceptLoop, "control");
        thread.setDaemon(true);
        thread.start();
    }

    private void acceptLoop() {
        while (running) {
            try (UnixSocketChannel client = server.accept()) {
                if (client != null) {
                    serve(client);
                }
            } catch (IOException e) {
                if (running) {
                    LOG.log(System.Logger.Level.WARNING, "control socket " + path + ": " + e.getMessage());
                }
            }
        }
    }

    private void serve(UnixSocketChannel client) throws IOException {
        if (!running) {
            return;
        }
        client.setOption(UnixSocketOptions.SO_RCVTIMEO, REQUEST_TIMEOUT_MS);
        // A client that never reads its reply must not hold the only control thread.
        client.setOption(UnixSocketOptions.SO_SNDTIMEO, REQUEST_TIMEOUT_MS);
        String reply;
        try {
            String line = readLine(client);
            ControlRequest request = ControlRequest.parse(line);
            reply = handler.handle(request);
        } catch (IllegalArgumentException e) {
            reply = "error: " + e.getMessage() + "\n";
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "control request failed", e);
            reply = "error: " + e + "\n";
        }
        ByteBuffer out = ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
            if (client.write(out) <= 0) {
                break;
            }
        }
        client.shutdownOutput();
        discardUnread(client);
    }

    /**
     * Reads and drops what the client sent beyond its request: closing with unread bytes makes the
     * kernel reset the connection, and the client would lose the error reply it is owed.
     */
    private static void discardUnread(UnixSocketChannel client) throws IOException {
        ByteBuffer sink = ByteBuffer.allocate(4096);
        long budget = MAX_DISCARD_BYTES;
        while (budget > 0) {
            sink.clear();
            int n = client.read(sink);
            if (n <= 0) {
                return;
            }
            budget -= n;
        }
    }

    private static String readLine(UnixSocketChannel client) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(ControlRequest.MAX_LINE);
        while (in.hasRemaining()) {
            int n = client.read(in);
            if (n <= 0) {
                break;
            }
            for (int i = in.position() - n; i < in.position(); i++) {
                if (in.get(i) == '\n') {
                    return new String(in.array(), 0, i, StandardCharsets.UTF_8);
                }
            }
        }
        if (!in.hasRemaining()) {
            throw new IllegalArgumentException("request longer than " + ControlRequest.MAX_LINE + " bytes");
        }
        throw new IllegalArgumentException("request not terminated by a newline within "
                + REQUEST_TIMEOUT_MS + " ms");
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            // Closing the socket does not wake a thread blocked in accept(); one connection does, and
            // the loop then sees that it must stop.
            try (UnixSocketChannel poke = UnixSocketChannel.open(new UnixSocketAddress(path.toFile()))) {
                poke.isConnected();
            } catch (IOException ignored) {
                // Nothing listens any more: the thread is not in accept().
            }
            try {
                thread.join(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            server.close();
        } catch (IOException ignored) {
            // Shutting down.
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // A stale socket file is replaced at the next start.
        }
    }
}
