package org.tapbridge.os;

import com.kenai.jffi.MemoryIO;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.intptr_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;
import jnr.ffi.types.u_int64_t;

/**
 * The one native boundary of the socket layer: libc loaded through JNR once, with the cause kept when it
 * cannot be loaded or the ABI is not the 64-bit Linux one our struct offsets assume. Thread-safe.
 */
final class NativeSockets {
    /** Raw native memory access at absolute addresses; Unsafe-backed on HotSpot, so it never allocates. */
    static final MemoryIO MEMORY = MemoryIO.getInstance();

    private static final LibC LIBC;
    private static final jnr.ffi.Runtime RUNTIME;
    private static final String UNAVAILABLE_CAUSE;

    static {
        LibC libc = null;
        jnr.ffi.Runtime runtime = null;
        String cause = null;
        String os = System.getProperty("os.name", "?");
        if (!os.toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            cause = "the native socket layer needs Linux (running on " + os + ")";
        } else {
            try {
                // failImmediately: a missing symbol must show here, not on first use in the data path.
                libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
                runtime = jnr.ffi.Runtime.getRuntime(libc);
                if (runtime.addressSize() != 8) {
                    cause = "the native socket layer's struct offsets are those of 64-bit Linux, but addresses"
                            + " are " + runtime.addressSize() + " bytes here";
                }
            } catch (Throwable t) {
                cause = "JNR could not load libc (" + t + "); the socket layer needs Linux with glibc or musl";
            }
        }
        LIBC = cause == null ? libc : null;
        RUNTIME = runtime;
        UNAVAILABLE_CAUSE = cause;
    }

    private NativeSockets() {
    }

    /**
     * Every libc function the socket layer calls, with C names and C argument order. Buffers and structs
     * travel as raw addresses ({@code long}) so that JNR passes them through without marshalling, copying
     * or allocating.
     *
     * <p>Public only because JNR generates the implementation in its own class loader, which cannot
     * implement a package-private interface; the package-private enclosing class hides it.
     */
    public interface LibC {
        @SaveError
        int socket(int domain, int type, int protocol);

        /** {@code sv} is the address of two ints. */
        @SaveError
        int socketpair(int domain, int type, int protocol, @intptr_t long sv);

        @SaveError
        int bind(int sockfd, @intptr_t long addr, int addrlen);

        @SaveError
        int listen(int sockfd, int backlog);

        /** addr/addrlen may be 0 (NULL) when the peer address is not wanted. */
        @SaveError
        int accept4(int sockfd, @intptr_t long addr, @intptr_t long addrlen, int flags);

        @SaveError
        int connect(int sockfd, @intptr_t long addr, int addrlen);

        /** optlen points at a socklen_t holding optval's size, updated to the size written. */
        @SaveError
        int getsockopt(int sockfd, int level, int optname, @intptr_t long optval, @intptr_t long optlen);

        @SaveError
        int setsockopt(int sockfd, int level, int optname, @intptr_t long optval, int optlen);

        @SaveError
        int getsockname(int sockfd, @intptr_t long addr, @intptr_t long addrlen);

        @SaveError
        int getpeername(int sockfd, @intptr_t long addr, @intptr_t long addrlen);

        /** timeout is a struct timespec address, or 0 (NULL): non-blocking sockets never wait anyway. */
        @SaveError
        int recvmmsg(int sockfd, @intptr_t long msgvec, int vlen, int flags, @intptr_t long timeout);

        @SaveError
        int sendmmsg(int sockfd, @intptr_t long msgvec, int vlen, int flags);

        @SaveError
        @ssize_t
        long sendmsg(int sockfd, @intptr_t long msg, int flags);

        @SaveError
        @ssize_t
        long recvmsg(int sockfd, @intptr_t long msg, int flags);

        @SaveError
        @ssize_t
        long send(int sockfd, @intptr_t long buf, @size_t long len, int flags);

        @SaveError
        @ssize_t
        long read(int fd, @intptr_t long buf, @size_t long count);

        @SaveError
        @ssize_t
        long write(int fd, @intptr_t long buf, @size_t long count);

        @SaveError
        int close(int fd);

        @SaveError
        int poll(@intptr_t long fds, @u_int64_t long nfds, int timeout);

        @SaveError
        int eventfd(int initval, int flags);

        @SaveError
        int shutdown(int sockfd, int how);

        String strerror(int errnum);
    }

    /** Null when the socket layer can work here, otherwise why not, in plain words. Probed once per JVM. */
    static String unavailableCause() {
        return UNAVAILABLE_CAUSE;
    }

    /** The loaded libc, or a NativeIoException naming the call that needed it and the probe's cause. */
    static LibC libc(String call) throws NativeIoException {
        if (LIBC == null) {
            throw new NativeIoException(call, null, 0, UNAVAILABLE_CAUSE);
        }
        return LIBC;
    }

    /** errno of the last call on this thread; read it before any other native call. */
    static int errno() {
        return RUNTIME.getLastError();
    }

    /** The C library's text for an errno ("Address already in use"). */
    static String strerror(int errno) {
        return LIBC == null ? "errno " + errno : LIBC.strerror(errno);
    }

    /**
     * Zeroed native memory, freed by the garbage collector once the returned Pointer is unreachable, so it
     * can never be freed under a running call: keep the Pointer in a field for as long as the address is used.
     */
    static Pointer allocate(int bytes) {
        return Memory.allocateDirect(RUNTIME, bytes, true);
    }

    /** close(2) without EINTR retry: on Linux the descriptor is released even when close reports EINTR. */
    static void closeQuietly(LibC libc, int fd) {
        if (fd >= 0) {
            libc.close(fd);
        }
    }
}
