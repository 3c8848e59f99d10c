package org.tapbridge.tap;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.intptr_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;
import jnr.ffi.types.u_int64_t;

/**
 * The one native boundary of the TAP layer: libc loaded through JNR once, with the cause kept when it
 * cannot be loaded. Thread-safe; every method of {@link LibC} may be called from any thread.
 */
final class NativeLibC {
    private static final LibC LIBC;
    private static final jnr.ffi.Runtime RUNTIME;
    private static final String UNAVAILABLE_CAUSE;

    static {
        LibC libc = null;
        jnr.ffi.Runtime runtime = null;
        String cause = null;
        try {
            // failImmediately: a missing symbol must show here, not on first use in the data path.
            libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
            runtime = jnr.ffi.Runtime.getRuntime(libc);
        } catch (Throwable t) {
            cause = "JNR could not load libc (" + t + "); the TAP layer needs Linux with glibc or musl";
        }
        LIBC = libc;
        RUNTIME = runtime;
        UNAVAILABLE_CAUSE = cause;
    }

    private NativeLibC() {
    }

    /**
     * Every libc function the TAP layer calls, with C names and C argument order. Buffers travel as raw
     * addresses ({@code long}) so that JNR passes them through without marshalling or copying.
     *
     * <p>Public only because JNR generates the implementation in its own class loader, which cannot
     * implement a package-private interface; the package-private enclosing class hides it.
     */
    public interface LibC {
        @SaveError
        int open(String pathname, int flags);

        @SaveError
        int close(int fd);

        @SaveError
        @ssize_t
        long read(int fd, @intptr_t long buf, @size_t long count);

        @SaveError
        @ssize_t
        long write(int fd, @intptr_t long buf, @size_t long count);

        /** {@code arg} is an address (struct ifreq) or, for TUNSETPERSIST/OWNER/GROUP/OFFLOAD, the value itself. */
        @SaveError
        int ioctl(int fd, @u_int64_t long request, @intptr_t long arg);

        @SaveError
        int socket(int domain, int type, int protocol);

        @SaveError
        int poll(@intptr_t long fds, @u_int64_t long nfds, int timeout);

        @SaveError
        int eventfd(int initval, int flags);

        int geteuid();

        /** The raw system call, for those libc has no wrapper for (io_uring); unused arguments are 0. */
        @SaveError
        long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

        String strerror(int errnum);
    }

    /** Null when libc is usable, otherwise why not, in plain words. Probed once per JVM. */
    static String unavailableCause() {
        return UNAVAILABLE_CAUSE;
    }

    /** The loaded libc, or a TapException naming the device and the probe's cause. */
    static LibC libc(String device) throws TapException {
        if (LIBC == null) {
            throw new TapException(device, "load libc", 0, null, UNAVAILABLE_CAUSE);
        }
        return LIBC;
    }

    static LibC libcOrNull() {
        return LIBC;
    }

    static jnr.ffi.Runtime runtime() {
        return RUNTIME;
    }

    /** errno of the last call on this thread; read it before any other native call. */
    static int errno() {
        return RUNTIME.getLastError();
    }

    /** The C library's text for an errno ("Operation not permitted"). */
    static String strerror(int errno) {
        if (LIBC == null) {
            return "errno " + errno;
        }
        return LIBC.strerror(errno);
    }
}
