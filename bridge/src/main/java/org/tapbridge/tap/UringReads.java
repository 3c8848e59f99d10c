package org.tapbridge.tap;

import com.kenai.jffi.MemoryIO;
import java.lang.invoke.VarHandle;

/**
 * Many non-blocking reads of one descriptor in one system call, through an io_uring of our own.
 *
 * <p>Why: a TAP hands over one frame per {@code read}, and on a virtual machine each system call's entry
 * and exit cost more than the read itself (measured here: 1.4 µs a frame with {@code read}, 0.2 µs with
 * 32 reads per {@code io_uring_enter}). Each read carries {@code RWF_NOWAIT}, so the kernel runs all of
 * them inside the one call, in order, and one that finds nothing completes at once with EAGAIN instead of
 * waiting; nothing is left in flight when {@link #read} returns. Without that flag a read that finds the
 * queue empty would stay armed and take a later frame into memory we no longer own.
 *
 * <p>The rings are ours alone, used by one thread, with no kernel polling thread: the kernel only looks at
 * them inside {@code io_uring_enter}. Layout constants are the kernel's UAPI ({@code linux/io_uring.h}),
 * the same on every architecture.
 */
final class UringReads implements AutoCloseable {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    static final long SYS_IO_URING_SETUP = 425;
    static final long SYS_IO_URING_ENTER = 426;
    /**
     * {@code mmap} by number: JNR's binding of libc's mmap returned -1 (EINVAL) here without reaching the
     * kernel, while the same call through {@code syscall} works. 0 where we do not know the number.
     */
    static final long SYS_MMAP = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 9;
        case "aarch64" -> 222;
        default -> 0;
    };
    static final long SYS_MUNMAP = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 11;
        case "aarch64" -> 215;
        default -> 0;
    };
    static final int IORING_OP_READ = 22;
    static final int RWF_NOWAIT = 0x8;
    static final int IORING_FEAT_SINGLE_MMAP = 1;
    static final int IORING_ENTER_GETEVENTS = 1;
    static final long IORING_OFF_SQ_RING = 0L;
    static final long IORING_OFF_CQ_RING = 0x8000000L;
    static final long IORING_OFF_SQES = 0x10000000L;
    static final int PROT_READ_WRITE = 0x1 | 0x2;
    static final int MAP_SHARED_POPULATE = 0x01 | 0x8000;

    // struct io_uring_params: 120 bytes; the offsets structs start at 40 and 80.
    static final int PARAMS_SIZE = 120;
    static final int P_SQ_ENTRIES = 0;
    static final int P_CQ_ENTRIES = 4;
    static final int P_FEATURES = 20;
    static final int P_SQ_OFF = 40;
    static final int P_CQ_OFF = 80;
    // io_sqring_offsets: head, tail, ring_mask, ring_entries, flags, dropped, array; io_cqring_offsets:
    // head, tail, ring_mask, ring_entries, overflow, cqes.
    static final int OFF_HEAD = 0;
    static final int OFF_TAIL = 4;
    static final int OFF_RING_MASK = 8;
    static final int SQ_OFF_ARRAY = 24;
    static final int CQ_OFF_CQES = 20;
    // struct io_uring_sqe: 64 bytes; struct io_uring_cqe: 16 bytes.
    static final int SQE_SIZE = 64;
    static final int SQE_OPCODE = 0;
    static final int SQE_FD = 4;
    static final int SQE_OFF = 8;
    static final int SQE_ADDR = 16;
    static final int SQE_LEN = 24;
    static final int SQE_RW_FLAGS = 28;
    static final int SQE_USER_DATA = 32;
    static final int CQE_SIZE = 16;
    static final int CQE_RES = 8;

    private final NativeLibC.LibC libc;
    private final int fd;
    private final int entries;
    private final int ringFd;
    private final long sqRing;
    private final long sqRingLength;
    private final long cqRing;
    private final long cqRingLength;
    private final long sqes;
    private final long sqesLength;
    private final long sqTail;
    private final int sqMask;
    private final long cqHead;
    private final long cqTail;
    private final int cqMask;
    private final long cqes;
    private boolean closed;

    private UringReads(NativeLibC.LibC libc, int fd, int entries, int ringFd, long sqRing, long sqRingLength,
            long cqRing, long cqRingLength, long sqes, long sqesLength, long params) {
        this.libc = libc;
        this.fd = fd;
        this.entries = entries;
        this.ringFd = ringFd;
        this.sqRing = sqRing;
        this.sqRingLength = sqRingLength;
        this.cqRing = cqRing;
        this.cqRingLength = cqRingLength;
        this.sqes = sqes;
        this.sqesLength = sqesLength;
        this.sqTail = sqRing + MEMORY.getInt(params + P_SQ_OFF + OFF_TAIL);
        this.sqMask = MEMORY.getInt(sqRing + MEMORY.getInt(params + P_SQ_OFF + OFF_RING_MASK));
        this.cqHead = cqRing + MEMORY.getInt(params + P_CQ_OFF + OFF_HEAD);
        this.cqTail = cqRing + MEMORY.getInt(params + P_CQ_OFF + OFF_TAIL);
        this.cqMask = MEMORY.getInt(cqRing + MEMORY.getInt(params + P_CQ_OFF + OFF_RING_MASK));
        this.cqes = cqRing + MEMORY.getInt(params + P_CQ_OFF + CQ_OFF_CQES);
        // Slot i of the submission queue always names SQE i, and every SQE is a read of fd with RWF_NOWAIT:
        // a batch only writes each entry's buffer, length and index.
        long array = sqRing + MEMORY.getInt(params + P_SQ_OFF + SQ_OFF_ARRAY);
        int sqEntries = MEMORY.getInt(params + P_SQ_ENTRIES);
        for (int i = 0; i < sqEntries; i++) {
            MEMORY.putInt(array + 4L * i, i);
            long sqe = sqes + (long) SQE_SIZE * i;
            MEMORY.setMemory(sqe, SQE_SIZE, (byte) 0);
            MEMORY.putByte(sqe + SQE_OPCODE, (byte) IORING_OP_READ);
            MEMORY.putInt(sqe + SQE_FD, fd);
            MEMORY.putLong(sqe + SQE_OFF, 0L);
            MEMORY.putInt(sqe + SQE_RW_FLAGS, RWF_NOWAIT);
        }
    }

    /**
     * A ring for up to {@code entries} (a power of two) reads of {@code fd} per call. Throws
     * {@link TapException} naming the failed step when the kernel has no io_uring, or it is switched off
     * ({@code kernel.io_uring_disabled}) or filtered (seccomp): the caller then reads one frame per call.
     */
    static UringReads open(String device, int fd, int entries) throws TapException {
        if (Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("io_uring entries must be a power of two, got " + entries);
        }
        NativeLibC.LibC libc = NativeLibC.libc(device);
        if (SYS_MMAP == 0) {
            throw new TapException(device, "io_uring_setup", 0, null, "io_uring reads are wired for x86_64 and"
                    + " aarch64 only, not " + System.getProperty("os.arch") + "; frames are read one per call");
        }
        long params = MEMORY.allocateMemory(PARAMS_SIZE, true);
        int ringFd = -1;
        long sqRing = 0;
        long sqRingLength = 0;
        long cqRing = 0;
        long cqRingLength = 0;
        long sqes = 0;
        long sqesLength = 0;
        try {
            long rc = libc.syscall(SYS_IO_URING_SETUP, entries, params, 0, 0, 0, 0);
            if (rc < 0) {
                int errno = NativeLibC.errno();
                throw new TapException(device, "io_uring_setup", errno, null, errno == LinuxConstants.EPERM
                        ? "io_uring is switched off for this process (sysctl kernel.io_uring_disabled, or a seccomp"
                                + " filter); frames are read one per call"
                        : "this kernel offers no io_uring; frames are read one per call");
            }
            ringFd = (int) rc;
            int sqEntries = MEMORY.getInt(params + P_SQ_ENTRIES);
            int cqEntries = MEMORY.getInt(params + P_CQ_ENTRIES);
            int features = MEMORY.getInt(params + P_FEATURES);
            sqRingLength = MEMORY.getInt(params + P_SQ_OFF + SQ_OFF_ARRAY) + 4L * sqEntries;
            cqRingLength = MEMORY.getInt(params + P_CQ_OFF + CQ_OFF_CQES) + (long) CQE_SIZE * cqEntries;
            if ((features & IORING_FEAT_SINGLE_MMAP) != 0) {
                sqRingLength = Math.max(sqRingLength, cqRingLength);
                cqRingLength = sqRingLength;
            }
            sqRing = map(libc, device, ringFd, sqRingLength, IORING_OFF_SQ_RING);
            cqRing = (features & IORING_FEAT_SINGLE_MMAP) != 0 ? sqRing
                    : map(libc, device, ringFd, cqRingLength, IORING_OFF_CQ_RING);
            sqesLength = (long) SQE_SIZE * sqEntries;
            sqes = map(libc, device, ringFd, sqesLength, IORING_OFF_SQES);
            return new UringReads(libc, fd, Math.min(entries, sqEntries), ringFd, sqRing, sqRingLength, cqRing,
                    cqRingLength, sqes, sqesLength, params);
        } catch (TapException | RuntimeException e) {
            unmap(libc, sqes, sqesLength);
            if (cqRing != sqRing) {
                unmap(libc, cqRing, cqRingLength);
            }
            unmap(libc, sqRing, sqRingLength);
            LinuxTapDevice.closeQuietly(libc, ringFd);
            throw e;
        } finally {
            MEMORY.freeMemory(params);
        }
    }

    /** The most reads one {@link #read} call takes. */
    int capacity() {
        return entries;
    }

    /**
     * Reads into each of {@code addresses[0, count)}, at most {@code length} bytes each, in that order, in one
     * system call; {@code results[i]} gets read i's byte count, or minus its errno (EAGAIN: nothing was
     * waiting). Returns 0, or the errno of the call itself when it failed, having issued nothing.
     */
    int read(long[] addresses, int length, int count, int[] results) {
        if (count <= 0 || count > entries) {
            throw new IllegalArgumentException("between 1 and " + entries + " reads per call, got " + count);
        }
        if (closed) {
            throw new IllegalStateException("io_uring reads of fd " + fd + " are closed");
        }
        // Only this thread and, inside io_uring_enter, the kernel touch the rings: the call orders the
        // plain stores before it against the kernel's loads, and the kernel's stores against our loads after.
        int tail = MEMORY.getInt(sqTail);
        for (int i = 0; i < count; i++) {
            long sqe = sqes + (long) SQE_SIZE * ((tail + i) & sqMask);
            MEMORY.putLong(sqe + SQE_ADDR, addresses[i]);
            MEMORY.putInt(sqe + SQE_LEN, length);
            MEMORY.putLong(sqe + SQE_USER_DATA, i);
            results[i] = -LinuxConstants.EAGAIN;
        }
        VarHandle.releaseFence();
        MEMORY.putInt(sqTail, tail + count);
        long submitted;
        do {
            submitted = libc.syscall(SYS_IO_URING_ENTER, ringFd, count, 0, 0, 0, 0);
        } while (submitted < 0 && NativeLibC.errno() == LinuxConstants.EINTR);
        if (submitted < 0) {
            int errno = NativeLibC.errno();
            // Take the entries back so that the next call starts from a clean queue.
            MEMORY.putInt(sqTail, tail);
            return errno;
        }
        if (submitted < count) {
            // Not expected (a full completion queue cannot happen: every call reaps all it submitted), but
            // entries left behind would be issued by the next call under indices of this one.
            MEMORY.putInt(sqTail, tail + (int) submitted);
        }
        int reaped = reap(results);
        if (reaped < submitted) {
            // RWF_NOWAIT makes every read complete inside the call; a kernel that queued one anyway must
            // finish it before its buffer is handed back.
            awaitRest((int) submitted - reaped, results);
        }
        return 0;
    }

    private int reap(int[] results) {
        int head = MEMORY.getInt(cqHead);
        int tail = MEMORY.getInt(cqTail);
        VarHandle.acquireFence();
        int n = 0;
        for (; head != tail; head++, n++) {
            long cqe = cqes + (long) CQE_SIZE * (head & cqMask);
            long index = MEMORY.getLong(cqe);
            if (index >= 0 && index < results.length) {
                results[(int) index] = MEMORY.getInt(cqe + CQE_RES);
            }
        }
        VarHandle.releaseFence();
        MEMORY.putInt(cqHead, head);
        return n;
    }

    private void awaitRest(int missing, int[] results) {
        int got = 0;
        while (got < missing) {
            long rc = libc.syscall(SYS_IO_URING_ENTER, ringFd, 0, missing - got, IORING_ENTER_GETEVENTS, 0, 0);
            if (rc < 0 && NativeLibC.errno() != LinuxConstants.EINTR) {
                break;
            }
            got += reap(results);
        }
    }

    /**
     * Closes the ring's descriptor. The queues stay mapped (8 KB) until the process exits: a data-path
     * thread that has not stopped yet may still be reading them, and unmapping under it would crash the JVM.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LinuxTapDevice.closeQuietly(libc, ringFd);
    }

    private static long map(NativeLibC.LibC libc, String device, int ringFd, long length, long offset)
            throws TapException {
        long address = libc.syscall(SYS_MMAP, 0, length, PROT_READ_WRITE, MAP_SHARED_POPULATE, ringFd, offset);
        if (address <= 0) {
            throw new TapException(device, "mmap(io_uring)", NativeLibC.errno(), null,
                    "cannot map the io_uring's queues; frames are read one per call");
        }
        return address;
    }

    private static void unmap(NativeLibC.LibC libc, long address, long length) {
        if (address > 0) {
            libc.syscall(SYS_MUNMAP, address, length, 0, 0, 0, 0);
        }
    }
}
