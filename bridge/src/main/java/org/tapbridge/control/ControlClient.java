package org.tapbridge.control;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;
import jnr.unixsocket.UnixSocketOptions;

/** Sends one request to a daemon's control socket and returns the reply; used by the CLI. */
public final class ControlClient {
    private static final int REPLY_TIMEOUT_MS = 5000;

    private ControlClient() {
    }

    public static String query(Path socket, ControlRequest request) throws IOException {
        if (!Files.exists(socket)) {
            throw new IOException("no control socket at " + socket
                    + "; is the daemon running? (systemctl status tapbridge@SITE, or give --socket/--config)");
        }
        UnixSocketChannel channel;
        try {
            channel = UnixSocketChannel.open(new UnixSocketAddress(socket.toFile()));
        } catch (IOException e) {
            String hint = e.getMessage() != null && e.getMessage().contains("ermission")
                    ? "; run as root or as a member of the socket's group"
                    : "; the daemon may have stopped (stale socket file)";
            throw new IOException("cannot connect to " + socket + ": " + e.getMessage() + hint, e);
        }
        try (channel) {
            channel.setOption(UnixSocketOptions.SO_RCVTIMEO, REPLY_TIMEOUT_MS);
            ByteBuffer out = ByteBuffer.wrap(request.toLine().getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                channel.write(out);
            }
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(8192);
            while (true) {
                in.clear();
                int n = channel.read(in);
                if (n <= 0) {
                    break;
                }
                reply.write(in.array(), 0, n);
            }
            return reply.toString(StandardCharsets.UTF_8);
        }
    }
}
