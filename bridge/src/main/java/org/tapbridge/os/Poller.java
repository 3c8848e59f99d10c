package org.tapbridge.os;

import static org.tapbridge.os.NativeSockets.MEMORY;

import java.util.Arrays;
import jnr.ffi.Pointer;

/**
 * A poll(2) set owned by one loop thread: a dense {@code struct pollfd} array handed to the kernel as is,
 * behind an indirection table so that a handle stays valid while others come and go. poll and the
 * accessors never allocate; only {@link #add} beyond the current capacity grows the arrays.
 *
 * <pre>
 * struct pollfd (8 bytes):  0        4        6        8
 *                          +--------+--------+--------+
 *                          |  fd    | events |revents |
 *                          | (int)  |(short) |(short) |
 *                          +--------+--------+--------+
 * handle -> slotOfHandle[handle] -> pollfd[slot];  pollfd[slot] -> handleOfSlot[slot] -> handle
 * </pre>
 */
public final class Poller {
    public static final short POLLIN = SocketConstants.POLLIN;
    public static final short POLLPRI = SocketConstants.POLLPRI;
    public static final short POLLOUT = SocketConstants.POLLOUT;
    /** Always reported, never requested: an error is pending on the descriptor. */
    public static final short POLLERR = SocketConstants.POLLERR;
    /** Always reported: the peer hung up (TCP) or the device went away. */
    public static final short POLLHUP = SocketConstants.POLLHUP;
    /** Always reported: the fd is not open (closed while registered). */
    public static final short POLLNVAL = SocketConstants.POLLNVAL;

    static final int POLLFD_SIZE = 8;
    static final int FD_OFFSET = 0;
    static final int EVENTS_OFFSET = 4;
    static final int REVENTS_OFFSET = 6;

    private static final int FREE = -1;

    private final NativeSockets.LibC libc;
    private Pointer memory; // replaced only by add() on the owner thread, so never freed under poll
    private long pollFds;
    private int capacity;
    private int size;
    private int[] slotOfHandle;
    private int[] handleOfSlot;
    private int[] freeHandles;
    private int freeCount;
    private int handlesIssued;

    /** A set with room for {@code initialCapacity} (at least 1) descriptors before it grows. */
    public Poller(int initialCapacity) throws NativeIoException {
        if (initialCapacity < 1) {
            throw new IllegalArgumentException("poller capacity=" + initialCapacity + " < 1");
        }
        this.libc = NativeSockets.libc("poll");
        this.capacity = initialCapacity;
        this.memory = NativeSockets.allocate(initialCapacity * POLLFD_SIZE);
        this.pollFds = memory.address();
        this.slotOfHandle = new int[initialCapacity];
        this.handleOfSlot = new int[initialCapacity];
        this.freeHandles = new int[initialCapacity];
        Arrays.fill(slotOfHandle, FREE);
    }

    /** Registers {@code fd} for {@code events} (POLLIN, POLLOUT ...); returns its handle. */
    public int add(int fd, short events) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd=" + fd + " < 0");
        }
        if (size == capacity) {
            grow();
        }
        int handle = freeCount > 0 ? freeHandles[--freeCount] : handlesIssued++;
        int slot = size++;
        long p = pollFds + (long) slot * POLLFD_SIZE;
        MEMORY.putInt(p + FD_OFFSET, fd);
        MEMORY.putShort(p + EVENTS_OFFSET, events);
        MEMORY.putShort(p + REVENTS_OFFSET, (short) 0);
        slotOfHandle[handle] = slot;
        handleOfSlot[slot] = handle;
        return handle;
    }

    /** Changes what {@code handle} waits for, e.g. adding POLLOUT while a TCP send queue is not empty. */
    public void setEvents(int handle, short events) {
        MEMORY.putShort(pollFd(handle) + EVENTS_OFFSET, events);
    }

    public short events(int handle) {
        return MEMORY.getShort(pollFd(handle) + EVENTS_OFFSET);
    }

    public int fd(int handle) {
        return MEMORY.getInt(pollFd(handle) + FD_OFFSET);
    }

    /** Unregisters {@code handle}; other handles, and the revents of the last poll, stay valid. */
    public void remove(int handle) {
        int slot = slotOf(handle);
        int last = --size;
        if (slot != last) {
            // Keep the array dense: the last entry, revents included, moves into the hole.
            long to = pollFds + (long) slot * POLLFD_SIZE;
            long from = pollFds + (long) last * POLLFD_SIZE;
            MEMORY.putLong(to, MEMORY.getLong(from));
            int moved = handleOfSlot[last];
            handleOfSlot[slot] = moved;
            slotOfHandle[moved] = slot;
        }
        slotOfHandle[handle] = FREE;
        freeHandles[freeCount++] = handle;
    }

    /**
     * Waits up to {@code timeoutMs} (0: do not wait, -1: for ever) for any registered event; returns how
     * many descriptors are ready, 0 on timeout or when a signal interrupted the wait (EINTR).
     */
    public int poll(int timeoutMs) throws NativeIoException {
        int n = libc.poll(pollFds, size, timeoutMs);
        if (n >= 0) {
            return n;
        }
        int errno = NativeSockets.errno();
        if (errno != Errno.EINTR) {
            throw new NativeIoException("poll", size + " fds", errno);
        }
        // The kernel wrote no revents: clear the previous poll's, which are stale now.
        for (int slot = 0; slot < size; slot++) {
            MEMORY.putShort(pollFds + (long) slot * POLLFD_SIZE + REVENTS_OFFSET, (short) 0);
        }
        return 0;
    }

    /** What the last {@link #poll} reported for {@code handle}: POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL. */
    public short revents(int handle) {
        return MEMORY.getShort(pollFd(handle) + REVENTS_OFFSET);
    }

    /** Registered descriptors. */
    public int size() {
        return size;
    }

    private long pollFd(int handle) {
        return pollFds + (long) slotOf(handle) * POLLFD_SIZE;
    }

    private int slotOf(int handle) {
        int slot = handle >= 0 && handle < handlesIssued ? slotOfHandle[handle] : FREE;
        if (slot == FREE) {
            throw new IllegalArgumentException("poll handle " + handle + " is not registered");
        }
        return slot;
    }

    private void grow() {
        int newCapacity = capacity * 2;
        Pointer bigger = NativeSockets.allocate(newCapacity * POLLFD_SIZE);
        MEMORY.copyMemory(pollFds, bigger.address(), (long) size * POLLFD_SIZE);
        memory = bigger;
        pollFds = bigger.address();
        slotOfHandle = Arrays.copyOf(slotOfHandle, newCapacity);
        Arrays.fill(slotOfHandle, capacity, newCapacity, FREE);
        handleOfSlot = Arrays.copyOf(handleOfSlot, newCapacity);
        freeHandles = Arrays.copyOf(freeHandles, newCapacity);
        capacity = newCapacity;
    }
}
