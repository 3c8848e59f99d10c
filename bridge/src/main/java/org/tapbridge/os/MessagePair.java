package org.tapbridge.os;

/**
 * A connected pair of non-blocking AF_UNIX SOCK_SEQPACKET sockets: each write is one message, read whole
 * on the other end, as a TAP delivers frames. The warm-up puts the daemon's real TAP code on one end and
 * plays the LAN host on the other, so the JIT compiles the very classes that will carry real frames.
 */
public final class MessagePair {
    private final int first;
    private final int second;

    private MessagePair(int first, int second) {
        this.first = first;
        this.second = second;
    }

    public static MessagePair open() throws NativeIoException {
        NativeSockets.LibC libc = NativeSockets.libc("socketpair");
        jnr.ffi.Pointer fds = NativeSockets.allocate(8);
        int type = SocketConstants.SOCK_SEQPACKET | SocketConstants.SOCK_NONBLOCK | SocketConstants.SOCK_CLOEXEC;
        if (libc.socketpair(SocketConstants.AF_UNIX, type, 0, fds.address()) < 0) {
            throw new NativeIoException("socketpair", "AF_UNIX SOCK_SEQPACKET", NativeSockets.errno());
        }
        return new MessagePair(fds.getInt(0), fds.getInt(4));
    }

    public int first() {
        return first;
    }

    public int second() {
        return second;
    }

    /** Closes one end that no wrapper took over (cleanup after a failed set-up). */
    public static void close(int fd) {
        if (fd >= 0 && NativeSockets.unavailableCause() == null) {
            try {
                NativeSockets.closeQuietly(NativeSockets.libc("close"), fd);
            } catch (NativeIoException e) {
                // Unreachable: the library loaded. Nothing more to release either way.
            }
        }
    }
}
