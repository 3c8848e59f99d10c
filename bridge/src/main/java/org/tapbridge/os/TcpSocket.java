package org.tapbridge.os;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.Pointer;

/**
 * A non-blocking TCP connection with TCP_NODELAY, dialled with {@link #connect} or taken from
 * {@link TcpListener#accept}. Reads and writes move raw native memory and never wait; writes use
 * send(MSG_NOSIGNAL) so that a closed peer is an EPIPE exception, never a SIGPIPE. Owned by one loop thread.
 */
public final class TcpSocket implements AutoCloseable {
    private final NativeSockets.LibC libc;
    private final int fd;
    private final InetSocketAddress remote;
    private final String peer;
    private final Pointer scratchMemory; // option values and addresses, owner thread only
    private final long scratch;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean open = true;
    private boolean connected;

    private TcpSocket(NativeSockets.LibC libc, int fd, InetSocketAddress remote, boolean connected) {
        this.libc = libc;
        this.fd = fd;
        this.remote = remote;
        this.peer = SockAddr.format(remote);
        this.scratchMemory = NativeSockets.allocate(Sockets.SCRATCH_BYTES);
        this.scratch = scratchMemory.address();
        this.connected = connected;
    }

    /**
     * Starts connecting to {@code remote} without waiting: poll the fd for POLLOUT, then call
     * {@link #finishConnect}. Throws when the kernel refuses at once (no route, no such family).
     */
    public static TcpSocket connect(InetSocketAddress remote) throws NativeIoException {
        EncodedEndpoint target = EncodedEndpoint.of(remote);
        String context = target.toString();
        NativeSockets.LibC libc = NativeSockets.libc("socket");
        int fd = Sockets.open(libc, target.family(), SocketConstants.SOCK_STREAM, context);
        try {
            TcpSocket socket = new TcpSocket(libc, fd, target.toInetSocketAddress(), false);
            socket.setNoDelay(context);
            int errno = Sockets.connect(libc, fd, socket.scratch, target);
            if (errno == 0) {
                socket.connected = true;
            } else if (errno != Errno.EINPROGRESS) {
                throw new NativeIoException("connect", context, errno);
            }
            return socket;
        } catch (NativeIoException | RuntimeException | Error e) {
            NativeSockets.closeQuietly(libc, fd);
            throw e;
        }
    }

    /** Wraps a descriptor returned by accept4; the listener has already made it non-blocking. */
    static TcpSocket accepted(NativeSockets.LibC libc, int fd, InetSocketAddress remote) throws NativeIoException {
        try {
            TcpSocket socket = new TcpSocket(libc, fd, remote, true);
            socket.setNoDelay(socket.peer);
            return socket;
        } catch (NativeIoException | RuntimeException | Error e) {
            NativeSockets.closeQuietly(libc, fd);
            throw e;
        }
    }

    private void setNoDelay(String context) throws NativeIoException {
        // Our frames are whole messages written at once: Nagle would only add latency.
        Sockets.setInt(libc, fd, scratch, SocketConstants.IPPROTO_TCP, SocketConstants.TCP_NODELAY, 1, "TCP_NODELAY",
                context);
    }

    /**
     * After POLLOUT (or POLLERR/POLLHUP) on a connecting socket: true once connected, false while the
     * handshake is still under way; throws the connect error, e.g. {@code connect(127.0.0.1:9): ECONNREFUSED
     * Connection refused}.
     */
    public boolean finishConnect() throws NativeIoException {
        if (connected) {
            return true;
        }
        ensureOpen("connect");
        int error = Sockets.getInt(libc, fd, scratch, SocketConstants.SOL_SOCKET, SocketConstants.SO_ERROR, "SO_ERROR",
                peer);
        if (error != 0) {
            throw new NativeIoException("connect", peer, error);
        }
        connected = Sockets.peerAddress(libc, fd, scratch, peer) != null;
        return connected;
    }

    public boolean isConnected() {
        return connected;
    }

    /**
     * Reads up to {@code capacity} (at least 1) bytes into native memory: the count, 0 when nothing is
     * waiting (EAGAIN), -1 at end of stream. Throws when the connection failed (ECONNRESET ...).
     */
    public int read(long address, int capacity) throws NativeIoException {
        if (capacity < 1) {
            throw new IllegalArgumentException("read capacity=" + capacity + " < 1");
        }
        ensureOpen("read");
        while (true) {
            long n = libc.read(fd, address, capacity);
            if (n > 0) {
                return (int) n;
            }
            if (n == 0) {
                return -1;
            }
            int errno = NativeSockets.errno();
            if (errno == Errno.EAGAIN) {
                return 0;
            }
            if (errno != Errno.EINTR) {
                throw new NativeIoException("read", peer, errno);
            }
        }
    }

    /**
     * Writes up to {@code length} bytes from native memory: the count taken, possibly fewer (poll for
     * POLLOUT to continue), 0 when the send buffer is full (EAGAIN). Throws when the connection failed
     * (EPIPE, ECONNRESET ...).
     */
    public int write(long address, int length) throws NativeIoException {
        if (length < 0) {
            throw new IllegalArgumentException("write length=" + length + " < 0");
        }
        ensureOpen("send");
        while (true) {
            long n = libc.send(fd, address, length, SocketConstants.MSG_NOSIGNAL | SocketConstants.MSG_DONTWAIT);
            if (n >= 0) {
                return (int) n;
            }
            int errno = NativeSockets.errno();
            if (errno == Errno.EAGAIN) {
                return 0;
            }
            if (errno != Errno.EINTR) {
                throw new NativeIoException("send", peer, errno);
            }
        }
    }

    /** SO_KEEPALIVE: lets the kernel notice a peer that vanished without a FIN (system-wide timers apply). */
    public void setKeepAlive(boolean on) throws NativeIoException {
        ensureOpen("setsockopt");
        Sockets.setInt(libc, fd, scratch, SocketConstants.SOL_SOCKET, SocketConstants.SO_KEEPALIVE, on ? 1 : 0,
                "SO_KEEPALIVE", peer);
    }

    /** Sends FIN after the queued bytes (shutdown(SHUT_WR)); reads continue until the peer closes. */
    public void shutdownOutput() throws NativeIoException {
        ensureOpen("shutdown");
        if (libc.shutdown(fd, SocketConstants.SHUT_WR) != 0) {
            throw new NativeIoException("shutdown(SHUT_WR)", peer, NativeSockets.errno());
        }
    }

    /** The peer: the dialled address, or the accepted connection's source. */
    public InetSocketAddress remote() {
        return remote;
    }

    /** The local address (getsockname; allocates). */
    public InetSocketAddress localAddress() throws NativeIoException {
        ensureOpen("getsockname");
        return Sockets.localAddress(libc, fd, scratch, peer);
    }

    public int fd() {
        return fd;
    }

    /** Idempotent. Call from the owner thread, or after it stopped using the socket. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            open = false;
            NativeSockets.closeQuietly(libc, fd);
        }
    }

    @Override
    public String toString() {
        return "TCP to " + peer + " (fd " + fd + (connected ? ")" : ", connecting)");
    }

    private void ensureOpen(String call) throws NativeIoException {
        if (!open) {
            throw new NativeIoException(call, peer, 0, "the socket was closed");
        }
    }
}
