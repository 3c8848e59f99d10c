package org.tapbridge.systemd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import jnr.enxio.channels.NativeSelectorProvider;
import jnr.unixsocket.UnixDatagramChannel;
import jnr.unixsocket.UnixSocketAddress;

/**
 * A real datagram socket standing in for systemd's notify socket: a temp path or an abstract name.
 * Public for the daemon's integration tests (READY only after bind).
 */
public final class NotifyListener implements AutoCloseable {
    public record Message(String text, long arrivedNs) {
    }

    private final UnixDatagramChannel channel;
    private final String notifySocket;
    private final Path dir;
    private final Selector selector;
    private final ByteBuffer buffer = ByteBuffer.allocate(4096);

    private NotifyListener(UnixDatagramChannel channel, String notifySocket, Path dir) throws IOException {
        this.channel = channel;
        this.notifySocket = notifySocket;
        this.dir = dir;
        // jnr's non-blocking receive reports "nothing yet" as an IOException (EAGAIN), so readiness is
        // asked of a selector instead.
        this.selector = NativeSelectorProvider.getInstance().openSelector();
        channel.register(selector, SelectionKey.OP_READ);
    }

    public static NotifyListener onPath() throws IOException {
        Path dir = Files.createTempDirectory("tb-notify");
        Path socket = dir.resolve("notify");
        NotifyListener listener = bind(new UnixSocketAddress(socket.toString()), socket.toString(), dir);
        // A daemon under test may run as an unprivileged user (setpriv) and must still reach us.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        return listener;
    }

    /**
     * Bound in the abstract namespace, as systemd does for NOTIFY_SOCKET=@... Abstract names belong to
     * a network namespace: a daemon started with {@code ip netns exec} cannot reach this one.
     */
    public static NotifyListener onAbstractName() throws IOException {
        String name = "tapbridge-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        return bind(new UnixSocketAddress("\0" + name), "@" + name, null);
    }

    private static NotifyListener bind(UnixSocketAddress address, String notifySocket, Path dir) throws IOException {
        UnixDatagramChannel channel = UnixDatagramChannel.open();
        channel.bind(address);
        channel.configureBlocking(false);
        return new NotifyListener(channel, notifySocket, dir);
    }

    /** The value systemd would put in NOTIFY_SOCKET. */
    public String notifySocket() {
        return notifySocket;
    }

    /** The next datagram, or null if none arrives within the timeout. */
    public Message receive(long timeoutMs) throws IOException {
        int ready = timeoutMs == 0 ? selector.selectNow() : selector.select(timeoutMs);
        selector.selectedKeys().clear();
        if (ready == 0) {
            return null;
        }
        long arrivedNs = System.nanoTime();
        buffer.clear();
        channel.receive(buffer);
        buffer.flip();
        return new Message(StandardCharsets.UTF_8.decode(buffer).toString(), arrivedNs);
    }

    @Override
    public void close() throws IOException {
        selector.close();
        channel.close();
        if (dir != null) {
            Files.deleteIfExists(dir.resolve("notify"));
            Files.deleteIfExists(dir);
        }
    }
}
