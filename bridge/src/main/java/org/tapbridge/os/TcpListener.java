package org.tapbridge.os;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.Pointer;

/**
 * A non-blocking listening TCP socket: poll its fd for POLLIN, then {@link #accept} until it returns null.
 * Owned by one loop thread.
 */
public final class TcpListener implements AutoCloseable {
    private final NativeSockets.LibC libc;
    private final int fd;
    private final InetSocketAddress localAddress;
    private final String local;
    private final Pointer scratchMemory; // accept4's address out-parameters, owner thread only
    private final long scratch;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean open = true;

    private TcpListener(NativeSockets.LibC libc, int fd, InetSocketAddress localAddress, Pointer scratchMemory) {
        this.libc = libc;
        this.fd = fd;
        this.localAddress = localAddress;
        this.local = SockAddr.format(localAddress);
        this.scratchMemory = scratchMemory;
        this.scratch = scratchMemory.address();
    }

    /**
     * Binds (with SO_REUSEADDR, so a restart does not wait for TIME_WAIT; AF_INET6 ones IPV6_V6ONLY) and
     * listens with {@code backlog} (1..65535; the kernel caps it at net.core.somaxconn).
     */
    public static TcpListener open(InetSocketAddress bind, int backlog) throws NativeIoException {
        if (backlog < 1 || backlog > 65535) {
            throw new IllegalArgumentException("tcp backlog=" + backlog + (backlog < 1 ? " < 1" : " > 65535"));
        }
        EncodedEndpoint address = EncodedEndpoint.of(bind);
        String context = address.toString();
        NativeSockets.LibC libc = NativeSockets.libc("socket");
        int fd = Sockets.open(libc, address.family(), SocketConstants.SOCK_STREAM, context);
        try {
            Pointer scratchMemory = NativeSockets.allocate(Sockets.SCRATCH_BYTES);
            long scratch = scratchMemory.address();
            Sockets.setInt(libc, fd, scratch, SocketConstants.SOL_SOCKET, SocketConstants.SO_REUSEADDR, 1,
                    "SO_REUSEADDR", context);
            if (address.family() == SocketConstants.AF_INET6) {
                Sockets.setInt(libc, fd, scratch, SocketConstants.IPPROTO_IPV6, SocketConstants.IPV6_V6ONLY, 1,
                        "IPV6_V6ONLY", context);
            }
            Sockets.bind(libc, fd, scratch, address);
            if (libc.listen(fd, backlog) != 0) {
                throw new NativeIoException("listen", context, NativeSockets.errno());
            }
            return new TcpListener(libc, fd, Sockets.localAddress(libc, fd, scratch, context), scratchMemory);
        } catch (NativeIoException | RuntimeException | Error e) {
            NativeSockets.closeQuietly(libc, fd);
            throw e;
        }
    }

    /**
     * The next pending connection (non-blocking, TCP_NODELAY, its peer in {@link TcpSocket#remote()}), or null
     * when none is waiting. Connections that died while queued are skipped. Allocates the TcpSocket.
     */
    public TcpSocket accept() throws NativeIoException {
        if (!open) {
            throw new NativeIoException("accept4", local, 0, "the listener was closed");
        }
        while (true) {
            int result = Sockets.accept(libc, fd, scratch);
            if (result >= 0) {
                return TcpSocket.accepted(libc, result, Sockets.acceptedPeer(scratch));
            }
            int errno = -result;
            if (errno == Errno.EAGAIN) {
                return null;
            }
            if (errno != Errno.EINTR && errno != Errno.ECONNABORTED) {
                throw new NativeIoException("accept4", local, errno,
                        errno == Errno.EMFILE || errno == Errno.ENFILE ? "out of file descriptors (ulimit -n)" : null);
            }
        }
    }

    /** The bound address, with the kernel's port when the request said 0. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    public int fd() {
        return fd;
    }

    /** Idempotent. Call from the owner thread, or after it stopped using the listener. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            open = false;
            NativeSockets.closeQuietly(libc, fd);
        }
    }

    @Override
    public String toString() {
        return "TCP listener " + local + " (fd " + fd + ")";
    }
}
