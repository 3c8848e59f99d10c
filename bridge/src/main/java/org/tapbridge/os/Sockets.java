package org.tapbridge.os;

import static org.tapbridge.os.NativeSockets.MEMORY;

import java.net.InetSocketAddress;

/**
 * The socket set-up calls shared by UDP and TCP (socket, setsockopt, getsockopt, bind, getsockname), each
 * retried on EINTR and turned into a NativeIoException naming the option and the address. Control path;
 * the caller passes scratch memory of {@link #SCRATCH_BYTES} that it owns.
 */
final class Sockets {
    /** sockaddr storage (32) at 0, an int option value at 32, a socklen_t at 40. */
    static final int SCRATCH_BYTES = 48;
    private static final int SCRATCH_ADDRESS_OFFSET = 0;
    private static final int SCRATCH_VALUE_OFFSET = 32;
    private static final int SCRATCH_LENGTH_OFFSET = 40;

    private Sockets() {
    }

    /** A non-blocking, close-on-exec socket; {@code context} (the address it is for) goes into the message. */
    static int open(NativeSockets.LibC libc, int family, int type, String context) throws NativeIoException {
        return open(libc, family, type, 0, context);
    }

    /** As above with an explicit protocol (0 picks the family's default for the type). */
    static int open(NativeSockets.LibC libc, int family, int type, int protocol, String context)
            throws NativeIoException {
        int flags = type | SocketConstants.SOCK_NONBLOCK | SocketConstants.SOCK_CLOEXEC;
        while (true) {
            int fd = libc.socket(family, flags, protocol);
            if (fd >= 0) {
                return fd;
            }
            int errno = NativeSockets.errno();
            if (errno != Errno.EINTR) {
                throw new NativeIoException("socket(" + familyName(family) + ", "
                        + (type == SocketConstants.SOCK_DGRAM ? "SOCK_DGRAM" : "SOCK_STREAM") + ")", context, errno,
                        errno == Errno.EAFNOSUPPORT ? "this kernel has no " + familyName(family) + " support" : null);
            }
        }
    }

    /** setsockopt with an int value; 0 on success, otherwise the errno (for callers with a fallback). */
    static int trySetInt(NativeSockets.LibC libc, int fd, long scratch, int level, int option, int value) {
        MEMORY.putInt(scratch + SCRATCH_VALUE_OFFSET, value);
        while (true) {
            if (libc.setsockopt(fd, level, option, scratch + SCRATCH_VALUE_OFFSET, Integer.BYTES) == 0) {
                return 0;
            }
            int errno = NativeSockets.errno();
            if (errno != Errno.EINTR) {
                return errno;
            }
        }
    }

    static void setInt(NativeSockets.LibC libc, int fd, long scratch, int level, int option, int value,
            String optionName, String context) throws NativeIoException {
        int errno = trySetInt(libc, fd, scratch, level, option, value);
        if (errno != 0) {
            throw new NativeIoException("setsockopt(" + optionName + "=" + value + ")", context, errno);
        }
    }

    /** getsockopt of an int; the value, or minus the errno (for probes whose failure is an answer). */
    static int tryGetInt(NativeSockets.LibC libc, int fd, long scratch, int level, int option) {
        while (true) {
            MEMORY.putInt(scratch + SCRATCH_VALUE_OFFSET, 0);
            MEMORY.putInt(scratch + SCRATCH_LENGTH_OFFSET, Integer.BYTES);
            if (libc.getsockopt(fd, level, option, scratch + SCRATCH_VALUE_OFFSET, scratch + SCRATCH_LENGTH_OFFSET) == 0) {
                return MEMORY.getInt(scratch + SCRATCH_VALUE_OFFSET);
            }
            int errno = NativeSockets.errno();
            if (errno != Errno.EINTR) {
                return -errno;
            }
        }
    }

    static int getInt(NativeSockets.LibC libc, int fd, long scratch, int level, int option, String optionName,
            String context) throws NativeIoException {
        while (true) {
            MEMORY.putInt(scratch + SCRATCH_VALUE_OFFSET, 0);
            MEMORY.putInt(scratch + SCRATCH_LENGTH_OFFSET, Integer.BYTES);
            if (libc.getsockopt(fd, level, option, scratch + SCRATCH_VALUE_OFFSET, scratch + SCRATCH_LENGTH_OFFSET) == 0) {
                return MEMORY.getInt(scratch + SCRATCH_VALUE_OFFSET);
            }
            int errno = NativeSockets.errno();
            if (errno != Errno.EINTR) {
                throw new NativeIoException("getsockopt(" + optionName + ")", context, errno);
            }
        }
    }

    static void bind(NativeSockets.LibC libc, int fd, long scratch, EncodedEndpoint address) throws NativeIoException {
        bind(libc, fd, scratch, address, false);
    }

    /** As above for a socket with SO_REUSEPORT, whose EADDRINUSE means that the port's holder is not its kind. */
    static void bind(NativeSockets.LibC libc, int fd, long scratch, EncodedEndpoint address, boolean reusePort)
            throws NativeIoException {
        int length = address.writeTo(scratch + SCRATCH_ADDRESS_OFFSET);
        while (libc.bind(fd, scratch + SCRATCH_ADDRESS_OFFSET, length) != 0) {
            int errno = NativeSockets.errno();
            if (errno != Errno.EINTR) {
                throw new NativeIoException("bind", address.toString(), errno, bindAdvice(errno, address, reusePort));
            }
        }
    }

    /**
     * connect(2) of a non-blocking socket: 0 when connected at once, EINPROGRESS when under way (the
     * normal case), otherwise the errno. EINTR also means "under way": the kernel keeps connecting.
     */
    static int connect(NativeSockets.LibC libc, int fd, long scratch, EncodedEndpoint address) {
        int length = address.writeTo(scratch + SCRATCH_ADDRESS_OFFSET);
        if (libc.connect(fd, scratch + SCRATCH_ADDRESS_OFFSET, length) == 0) {
            return 0;
        }
        int errno = NativeSockets.errno();
        return errno == Errno.EINTR ? Errno.EINPROGRESS : errno;
    }

    static InetSocketAddress localAddress(NativeSockets.LibC libc, int fd, long scratch, String context)
            throws NativeIoException {
        MEMORY.putInt(scratch + SCRATCH_LENGTH_OFFSET, SockAddr.STORAGE_SIZE);
        if (libc.getsockname(fd, scratch + SCRATCH_ADDRESS_OFFSET, scratch + SCRATCH_LENGTH_OFFSET) != 0) {
            throw new NativeIoException("getsockname", context, NativeSockets.errno());
        }
        return SockAddr.decode(scratch + SCRATCH_ADDRESS_OFFSET, MEMORY.getInt(scratch + SCRATCH_LENGTH_OFFSET));
    }

    /** The peer of a connected socket, or null when it is not (yet) connected (ENOTCONN). */
    static InetSocketAddress peerAddress(NativeSockets.LibC libc, int fd, long scratch, String context)
            throws NativeIoException {
        MEMORY.putInt(scratch + SCRATCH_LENGTH_OFFSET, SockAddr.STORAGE_SIZE);
        if (libc.getpeername(fd, scratch + SCRATCH_ADDRESS_OFFSET, scratch + SCRATCH_LENGTH_OFFSET) != 0) {
            int errno = NativeSockets.errno();
            if (errno == Errno.ENOTCONN) {
                return null;
            }
            throw new NativeIoException("getpeername", context, errno);
        }
        return SockAddr.decode(scratch + SCRATCH_ADDRESS_OFFSET, MEMORY.getInt(scratch + SCRATCH_LENGTH_OFFSET));
    }

    /**
     * accept4(2) into a non-blocking, close-on-exec socket: the new descriptor, or minus the errno. The
     * peer's address is then in the scratch memory: {@link #acceptedPeer}.
     */
    static int accept(NativeSockets.LibC libc, int fd, long scratch) {
        MEMORY.putInt(scratch + SCRATCH_LENGTH_OFFSET, SockAddr.STORAGE_SIZE);
        int accepted = libc.accept4(fd, scratch + SCRATCH_ADDRESS_OFFSET, scratch + SCRATCH_LENGTH_OFFSET,
                SocketConstants.SOCK_NONBLOCK | SocketConstants.SOCK_CLOEXEC);
        return accepted >= 0 ? accepted : -NativeSockets.errno();
    }

    static InetSocketAddress acceptedPeer(long scratch) {
        return SockAddr.decode(scratch + SCRATCH_ADDRESS_OFFSET, MEMORY.getInt(scratch + SCRATCH_LENGTH_OFFSET));
    }

    static String familyName(int family) {
        return family == SocketConstants.AF_INET ? "AF_INET" : family == SocketConstants.AF_INET6 ? "AF_INET6"
                : "family " + family;
    }

    private static String bindAdvice(int errno, EncodedEndpoint address, boolean reusePort) {
        switch (errno) {
            case Errno.EADDRINUSE:
                return reusePort
                        ? "another socket already has port " + address.port() + " and no SO_REUSEPORT group to"
                                + " share: it lacks SO_REUSEPORT or belongs to another user (another tapbridge?)"
                        : "another socket already has port " + address.port() + " (another tapbridge?)";
            case Errno.EADDRNOTAVAIL:
                return "no interface of this host has that address";
            case Errno.EACCES:
                return "ports below 1024 need CAP_NET_BIND_SERVICE";
            default:
                return null;
        }
    }
}
