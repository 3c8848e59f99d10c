package org.tapbridge.os;

import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.Pointer;

/**
 * A non-blocking eventfd to wake a loop thread blocked in {@link Poller#poll}: register {@link #fd()} for
 * POLLIN, call {@link #signal()} from any thread, {@link #drain()} on the loop thread after it fired.
 */
public final class EventFd implements AutoCloseable {
    private static final int COUNTER_BYTES = 8;

    private final NativeSockets.LibC libc;
    private final int fd;
    private final Object closeLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private boolean open = true; // guarded by closeLock
    // Native scratch, allocated once and released by the GC: never freed under a running call.
    private final Pointer one; // constant 1, only ever read, so any number of signallers may share it
    private final Pointer drained; // loop thread only

    private EventFd(NativeSockets.LibC libc, int fd) {
        this.libc = libc;
        this.fd = fd;
        this.one = NativeSockets.allocate(COUNTER_BYTES);
        one.putLong(0, 1);
        this.drained = NativeSockets.allocate(COUNTER_BYTES);
    }

    public static EventFd open() throws NativeIoException {
        NativeSockets.LibC libc = NativeSockets.libc("eventfd");
        int fd = libc.eventfd(0, SocketConstants.EFD_NONBLOCK | SocketConstants.EFD_CLOEXEC);
        if (fd < 0) {
            int errno = NativeSockets.errno();
            throw new NativeIoException("eventfd", null, errno,
                    errno == Errno.EMFILE || errno == Errno.ENFILE ? "out of file descriptors (ulimit -n)" : null);
        }
        try {
            return new EventFd(libc, fd);
        } catch (RuntimeException | Error e) {
            NativeSockets.closeQuietly(libc, fd);
            throw e;
        }
    }

    /** Wakes the poller; any thread, never blocks, never allocates; does nothing once closed. */
    public void signal() {
        // The lock keeps close() from recycling the descriptor number between our check and our write:
        // otherwise 8 bytes could land in whatever file the process opens next.
        synchronized (closeLock) {
            if (!open) {
                return;
            }
            // EAGAIN: the counter is already near its maximum, so the poller is woken anyway.
            while (libc.write(fd, one.address(), COUNTER_BYTES) < 0 && NativeSockets.errno() == Errno.EINTR) {
                // retry
            }
        }
    }

    /** Resets the counter so that the next poll blocks again; true when a signal had arrived. Loop thread. */
    public boolean drain() throws NativeIoException {
        while (true) {
            if (libc.read(fd, drained.address(), COUNTER_BYTES) == COUNTER_BYTES) {
                return true;
            }
            int errno = NativeSockets.errno();
            if (errno == Errno.EAGAIN) {
                return false;
            }
            if (errno != Errno.EINTR) {
                throw new NativeIoException("read", "eventfd " + fd, errno, closed.get() ? "the eventfd was closed" : null);
            }
        }
    }

    public int fd() {
        return fd;
    }

    /** Idempotent; signals still racing with it become no-ops. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            synchronized (closeLock) {
                open = false;
                NativeSockets.closeQuietly(libc, fd);
            }
        }
    }
}
