package org.tapbridge.tap;

import static org.tapbridge.tap.LinuxConstants.EAGAIN;
import static org.tapbridge.tap.LinuxConstants.EINTR;

import com.kenai.jffi.MemoryIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * A Linux TAP device opened through /dev/net/tun in non-blocking mode, with an eventfd to wake a waiting
 * reader. The data-path loop owns read and write (and polls {@link #fd()} itself); wakeup is free.
 *
 * <p>Opened with a vnet header ({@link TapOptions#vnetHeader()}), every read returns and every write
 * takes a {@link VnetHeader} of {@link #vnetHeaderLength()} bytes before the frame, and with segmentation
 * offloads a read may return a super-frame of up to {@link VnetHeader#MAX_SUPER_FRAME_BYTES}: size read
 * buffers with {@link #minimumReadCapacity()}.
 *
 * <p>A multi-queue TAP ({@link TapOptions#withQueues}) is one such object per queue: {@link #open} gives the
 * first, {@link #attachQueue()} each further one, all sharing the device's name, MTU, vnet header and
 * offloads, each with its own descriptor for its own data-path loop. The kernel spreads the frames it
 * sends out of the TAP over the attached queues by flow; a frame written to any queue enters the stack.
 */
public final class LinuxTapDevice implements TapDevice {
    static final String CLONE_DEVICE = "/dev/net/tun";
    private static final System.Logger LOG = System.getLogger(LinuxTapDevice.class.getName());
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    /** Most reads per io_uring call: one data-path batch. */
    static final int URING_ENTRIES = 64;
    /**
     * Fewer reads than this go through {@code read()}. A loop that wakes for a lone frame asks for two (the
     * frame and the empty read that ends the batch); traced on the testbed's pings, {@code io_uring_enter}
     * took 12-15 µs at the median where a {@code read()} takes 1 µs (docs/benchmarks/README.md).
     */
    static final int URING_MIN_READS = 3;
    /** {@code -Dtapbridge.tap-uring=false} reads one frame per call, for comparison. */
    private static final boolean URING_WANTED = Boolean.parseBoolean(System.getProperty("tapbridge.tap-uring", "true"));

    private static final long EVENTFD_COUNTER_BYTES = 8;
    // struct pollfd { int fd; short events; short revents; }: 8 bytes, two of them (TAP, eventfd).
    private static final int POLLFD_SIZE = 8;
    private static final int POLLFD_EVENTS_OFFSET = 4;
    private static final int POLLFD_REVENTS_OFFSET = 6;

    // The TAP-wide flags covered by the attach-time check of a new queue: the rest (IFF_PERSIST) may differ.
    private static final int QUEUE_FLAGS = LinuxConstants.IFF_TUN | LinuxConstants.IFF_TAP | LinuxConstants.IFF_NO_PI
            | LinuxConstants.IFF_MULTI_QUEUE | LinuxConstants.IFF_VNET_HDR;

    private final NativeLibC.LibC libc;
    private final String cloneDevice;
    private final int attachFlags;
    private final String name;
    private final int mtu;
    private final boolean createdByUs;
    private final VnetSetup.Outcome offloadState;
    private final int tapFd;
    private final int eventFd;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object wakeLock = new Object();
    private volatile boolean open = true;
    // Written under queueLock by the control path; volatile for queueEnabled() from any thread.
    private final Object queueLock = new Object();
    private volatile boolean queueEnabled = true;

    // Native scratch memory, allocated once and released by the GC: never freed under a running call.
    private final Pointer pollFds;
    private final long pollFdsAddress;
    private final Pointer wakeValue;
    private final Pointer drainValue;

    private final DirectAddress readAddress = new DirectAddress();
    // Batched reads, reader thread only: the ring is opened on the first batch, on that thread.
    private final long[] batchAddresses = new long[URING_ENTRIES];
    private final int[] batchResults = new int[URING_ENTRIES];
    private UringReads uring;
    private boolean uringTried;
    private volatile String readMode = "one frame per read (no batch yet)";
    private long readCalls;
    private final DirectAddress writeAddress = new DirectAddress();
    private long possiblyTruncatedReads;

    private LinuxTapDevice(NativeLibC.LibC libc, String cloneDevice, int attachFlags, String name, int mtu,
            boolean createdByUs, VnetSetup.Outcome offloadState, int tapFd, int eventFd) {
        this.libc = libc;
        this.cloneDevice = cloneDevice;
        this.attachFlags = attachFlags;
        this.name = name;
        this.mtu = mtu;
        this.createdByUs = createdByUs;
        this.offloadState = offloadState;
        this.tapFd = tapFd;
        this.eventFd = eventFd;
        jnr.ffi.Runtime runtime = NativeLibC.runtime();
        this.pollFds = Memory.allocateDirect(runtime, 2 * POLLFD_SIZE, true);
        this.pollFdsAddress = pollFds.address();
        pollFds.putInt(0, tapFd);
        pollFds.putShort(POLLFD_EVENTS_OFFSET, LinuxConstants.POLLIN);
        pollFds.putInt(POLLFD_SIZE, eventFd);
        pollFds.putShort(POLLFD_SIZE + POLLFD_EVENTS_OFFSET, LinuxConstants.POLLIN);
        this.wakeValue = Memory.allocateDirect(runtime, EVENTFD_COUNTER_BYTES, true);
        wakeValue.putLong(0, 1);
        this.drainValue = Memory.allocateDirect(runtime, EVENTFD_COUNTER_BYTES, true);
    }

    /**
     * Attaches to the named TAP if it exists (a persistent device, left in place at close), otherwise
     * creates it (removed again at close). Sets the MTU and the up flag only when they differ, so that an
     * unprivileged daemon can use a device that root prepared.
     *
     * <p>With {@link TapOptions#vnetHeader()}: attaches with IFF_VNET_HDR (the owner of a persistent TAP
     * may do so without privilege, whatever flags the TAP was created with: the kernel takes them from each
     * attach), sets the header length to 12 (10 if refused) and little-endian fields, then the requested
     * offloads, falling back on EINVAL to fewer (no USO, checksums only, none); see {@link #offloads()}.
     * Without it, a persistent device's offloads are switched off, since a previous attach may have left
     * them on and they would bring super-frames without a header to describe them.
     *
     * <p>With {@link TapOptions#queues()} above 1, or when the device exists persistently as a multi-queue
     * TAP, attaches with IFF_MULTI_QUEUE as the device's first queue of this process (see
     * {@link #multiQueue()}); attach the others with {@link #attachQueue()}. A persistent single-queue TAP
     * asked for more than one queue is refused before any attach, with the commands that recreate it.
     */
    public static LinuxTapDevice open(TapOptions options) throws TapException {
        return open(options, CLONE_DEVICE);
    }

    static LinuxTapDevice open(TapOptions options, String cloneDevice) throws TapException {
        String requested = options.name();
        NativeLibC.LibC libc = NativeLibC.libc(requested);
        NetDeviceFacts facts = NetDeviceFacts.read(requested);
        String user = System.getProperty("user.name", "USER");
        if (facts.exists()) {
            // The kernel would only say EINVAL; sysfs lets us say which mode the device is in.
            String wrong = TapErrors.wrongKind(requested, facts, user);
            if (wrong == null) {
                wrong = TapErrors.queueMismatch(requested, facts, user, options.queues());
            }
            if (wrong != null) {
                throw new TapException(requested, "inspect /sys/class/net/" + requested, 0, null, wrong);
            }
        }
        // The queue mode is the device's, fixed at creation, and TUNSETIFF must match it: a daemon asking
        // for one queue of a persistent multi-queue TAP gets one queue rather than a refusal.
        boolean multiQueue = options.queues() > 1 || (facts.isPersistent() && facts.isMultiQueue());
        int tapFd = openCloneDevice(libc, requested, cloneDevice);
        int eventFd = -1;
        try {
            VnetSetup.Plan plan = VnetSetup.plan(libc, tapFd, options);
            int flags = plan.flags() | (multiQueue ? LinuxConstants.IFF_MULTI_QUEUE : 0);
            Ifreq ifreq = Ifreq.allocate().name(requested).flags(flags);
            if (ioctl(libc, tapFd, LinuxConstants.TUNSETIFF, ifreq.address()) < 0) {
                int errno = NativeLibC.errno();
                List<String> holders = errno == LinuxConstants.EBUSY ? TapErrors.holders(requested) : List.of();
                // EINVAL is a mode mismatch with a device that may have appeared since: look again.
                NetDeviceFacts now = errno == LinuxConstants.EINVAL ? NetDeviceFacts.read(requested) : facts;
                throw new TapException(requested, "ioctl(TUNSETIFF)", errno, null,
                        TapErrors.setIff(requested, errno, now, libc.geteuid(), user, holders, flags, options.queues()));
            }
            String name = ifreq.name();
            Ifreq current = Ifreq.allocate();
            if (ioctl(libc, tapFd, LinuxConstants.TUNGETIFF, current.address()) < 0) {
                throw new TapException(name, "ioctl(TUNGETIFF)", NativeLibC.errno(), null, "cannot read the TAP flags back");
            }
            boolean createdByUs = (current.flags() & LinuxConstants.IFF_PERSIST) == 0;
            VnetSetup.Outcome offloadState = VnetSetup.afterAttach(libc, tapFd, name, plan, current.flags(),
                    createdByUs, user);
            eventFd = libc.eventfd(0, LinuxConstants.EFD_NONBLOCK | LinuxConstants.EFD_CLOEXEC);
            if (eventFd < 0) {
                throw new TapException(name, "eventfd", NativeLibC.errno(), null,
                        "cannot create the wake-up descriptor (too many open files?)");
            }
            int mtu = new InterfaceConfigurator(libc, name).configure(options.mtu(), options.bringUp());
            return new LinuxTapDevice(libc, cloneDevice, flags, name, mtu, createdByUs, offloadState, tapFd, eventFd);
        } catch (TapException | RuntimeException | Error e) {
            // Closing the TAP descriptor also removes a device we created (it is not persistent).
            closeQuietly(libc, eventFd);
            closeQuietly(libc, tapFd);
            throw e;
        }
    }

    /**
     * A stand-in over a message socket (see {@code os.MessagePair}) instead of /dev/net/tun: the same reads
     * and writes, one frame per message. Only for the warm-up, which must run the real TAP code without a
     * TAP. Closing it closes {@code fd}.
     */
    public static LinuxTapDevice overMessageSocket(String name, int mtu, int fd) throws TapException {
        return overMessageSocket(name, mtu, fd, false);
    }

    /**
     * The same, posing as a TAP opened with a 12-byte vnet header and the default offloads when
     * {@code offloaded}: every message then starts with the header, as a TAP's reads and writes would.
     */
    public static LinuxTapDevice overMessageSocket(String name, int mtu, int fd, boolean offloaded)
            throws TapException {
        NativeLibC.LibC libc = NativeLibC.libc(name);
        int eventFd = libc.eventfd(0, LinuxConstants.EFD_NONBLOCK | LinuxConstants.EFD_CLOEXEC);
        if (eventFd < 0) {
            throw new TapException(name, "eventfd", NativeLibC.errno(), null, "cannot create the wake-up descriptor");
        }
        VnetSetup.Outcome vnet = offloaded
                ? new VnetSetup.Outcome(VnetHeader.LENGTH_V1, TapOffloads.DEFAULT, TapOffloads.DEFAULT, List.of())
                : VnetSetup.Outcome.none();
        return new LinuxTapDevice(libc, CLONE_DEVICE, LinuxConstants.IFF_TAP | LinuxConstants.IFF_NO_PI, name, mtu,
                false, vnet, fd, eventFd);
    }

    /**
     * Attaches one more queue of this multi-queue TAP: another descriptor on /dev/net/tun, attached by name
     * with this queue's flags (IFF_VNET_HDR included when this one has a header, since the kernel takes the
     * device's flags from every attach). Header length, byte order and offloads belong to the device, so
     * they are not set again; the new queue reports the same ones, and its own eventfd wakes its own loop.
     * Any queue can attach more. Control path; call before the device is moved to another network
     * namespace, since the name is looked up in the namespace this process opened /dev/net/tun in.
     *
     * <p>Closing the returned queue detaches only it; the device goes when its last queue closes, and
     * only if it is not persistent.
     *
     * @throws IllegalStateException when this device was opened single-queue (see {@link #multiQueue()})
     * @throws TapException          when this queue is closed, or the kernel refuses the attach
     */
    public LinuxTapDevice attachQueue() throws TapException {
        if (!multiQueue()) {
            throw new IllegalStateException(name + " was opened single-queue, so it has no other queues to attach:"
                    + " open it with TapOptions.withQueues(N), N > 1 (the TAP must be multi-queue, see"
                    + " scripts/setup-bridge.sh --queues N)");
        }
        ensureOpen("attachQueue");
        String user = System.getProperty("user.name", "USER");
        int fd = openCloneDevice(libc, name, cloneDevice);
        int newEventFd = -1;
        try {
            Ifreq ifreq = Ifreq.allocate().name(name).flags(attachFlags);
            if (ioctl(libc, fd, LinuxConstants.TUNSETIFF, ifreq.address()) < 0) {
                int errno = NativeLibC.errno();
                String why = TapErrors.setIff(name, errno, NetDeviceFacts.read(name), libc.geteuid(), user, List.of(),
                        attachFlags, 2);
                throw new TapException(name, "ioctl(TUNSETIFF)", errno, null, "attaching another queue: " + why);
            }
            Ifreq current = Ifreq.allocate();
            if (ioctl(libc, fd, LinuxConstants.TUNGETIFF, current.address()) < 0) {
                throw new TapException(name, "ioctl(TUNGETIFF)", NativeLibC.errno(), null,
                        "cannot read the flags of the new queue back");
            }
            if ((current.flags() & QUEUE_FLAGS) != (attachFlags & QUEUE_FLAGS)) {
                // Frames would be read with the wrong framing (a vnet header or not): refuse rather than guess.
                throw new TapException(name, "ioctl(TUNGETIFF)", 0, null, "the new queue reports flags 0x"
                        + Integer.toHexString(current.flags()) + " where the first has 0x"
                        + Integer.toHexString(attachFlags) + ": the device was probably recreated meanwhile;"
                        + " restart tapbridge");
            }
            newEventFd = libc.eventfd(0, LinuxConstants.EFD_NONBLOCK | LinuxConstants.EFD_CLOEXEC);
            if (newEventFd < 0) {
                throw new TapException(name, "eventfd", NativeLibC.errno(), null,
                        "cannot create the wake-up descriptor of another queue (too many open files?)");
            }
            return new LinuxTapDevice(libc, cloneDevice, attachFlags, name, mtu, createdByUs, offloadState, fd,
                    newEventFd);
        } catch (TapException | RuntimeException | Error e) {
            // Closing a queue never removes a device that still has this one attached.
            closeQuietly(libc, newEventFd);
            closeQuietly(libc, fd);
            throw e;
        }
    }

    /** Whether this device was attached with IFF_MULTI_QUEUE, so that {@link #attachQueue()} may add queues. */
    public boolean multiQueue() {
        return (attachFlags & LinuxConstants.IFF_MULTI_QUEUE) != 0;
    }

    /**
     * Attaches this queue to the device again (true) or detaches it (false) without closing it
     * (TUNSETQUEUE). The kernel spreads frames only over attached queues, so a detached queue reads
     * nothing: the frames it held are dropped at detach, {@link #read} returns 0 and {@link #awaitReadable}
     * waits for its timeout or a wakeup. Writes still work on a detached queue (Linux 6.18 accepts them,
     * the queue keeps its device), so its loop may go on writing. Idempotent; wakes a reader waiting in
     * {@link #awaitReadable} once, so that it sees the change. Control path, any thread.
     *
     * @throws IllegalStateException when this device was opened single-queue
     */
    public void setQueueEnabled(boolean enabled) throws TapException {
        if (!multiQueue()) {
            throw new IllegalStateException(name + " was opened single-queue: only a queue of a multi-queue TAP"
                    + " can be detached and attached again (TapOptions.withQueues(N), N > 1)");
        }
        String call = "ioctl(TUNSETQUEUE, " + (enabled ? "IFF_ATTACH_QUEUE" : "IFF_DETACH_QUEUE") + ")";
        synchronized (queueLock) {
            ensureOpen(call);
            // The kernel answers EINVAL to a second attach or detach: the state we keep makes both no-ops.
            if (queueEnabled == enabled) {
                return;
            }
            Ifreq ifreq = Ifreq.allocate().name(name)
                    .flags(enabled ? LinuxConstants.IFF_ATTACH_QUEUE : LinuxConstants.IFF_DETACH_QUEUE);
            if (ioctl(libc, tapFd, LinuxConstants.TUNSETQUEUE, ifreq.address()) < 0) {
                int errno = NativeLibC.errno();
                throw new TapException(name, call, errno, null, (enabled ? "cannot attach this queue again"
                        : "cannot detach this queue") + " (the device was probably deleted meanwhile; restart tapbridge)");
            }
            queueEnabled = enabled;
        }
        wakeup();
    }

    /** False after {@code setQueueEnabled(false)} until {@code setQueueEnabled(true)}; true on a fresh queue. */
    public boolean queueEnabled() {
        return queueEnabled;
    }

    private static int openCloneDevice(NativeLibC.LibC libc, String device, String path) throws TapException {
        int flags = LinuxConstants.O_RDWR | LinuxConstants.O_NONBLOCK | LinuxConstants.O_CLOEXEC;
        while (true) {
            int fd = libc.open(path, flags);
            if (fd >= 0) {
                return fd;
            }
            int errno = NativeLibC.errno();
            if (errno != EINTR) {
                throw new TapException(device, "open(" + path + ")", errno, null, TapErrors.openCloneDevice(path, errno));
            }
        }
    }

    static int ioctl(NativeLibC.LibC libc, int fd, long request, long arg) {
        while (true) {
            int rc = libc.ioctl(fd, request, arg);
            if (rc >= 0 || NativeLibC.errno() != EINTR) {
                return rc;
            }
        }
    }

    static void closeQuietly(NativeLibC.LibC libc, int fd) {
        // No EINTR retry: on Linux the descriptor is released even when close reports EINTR.
        if (fd >= 0) {
            libc.close(fd);
        }
    }

    @Override
    public int fd() {
        return tapFd;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    /**
     * Null when JNR and libc loaded, otherwise why the TAP layer cannot work here, in plain words. Probed
     * once per JVM; for start-up checks and diagnostics.
     */
    public static String unavailabilityCause() {
        return NativeLibC.unavailableCause();
    }

    /** False when we attached to an existing persistent device, which close() leaves in place. */
    public boolean createdByUs() {
        return createdByUs;
    }

    /** Bytes of {@link VnetHeader} before every frame read or written: 12 or 10, 0 without a vnet header. */
    @Override
    public int vnetHeaderLength() {
        return offloadState.vnetHeaderLength();
    }

    /** The {@link TapOffloads} bits the kernel accepted, which may be fewer than asked for; 0 without. */
    @Override
    public int offloads() {
        return offloadState.offloads();
    }

    /** The {@link TapOffloads} bits asked for in the options. */
    public int requestedOffloads() {
        return offloadState.requested();
    }

    /** What the kernel refused on the way, "what: why" each, oldest first; empty when all was granted. */
    public List<String> offloadRefusals() {
        return offloadState.refusals();
    }

    /**
     * For logs and stats, e.g. "vnet header 12 B (virtio_net_hdr_v1), offloads csum tso4 tso6 tso-ecn"
     * + "; refused: offloads csum tso4 tso6 tso-ecn uso4 uso6: EINVAL".
     */
    public String offloadDescription() {
        return offloadState.describe();
    }

    /**
     * The smallest read capacity that cannot cut a frame short: without a vnet header MTU plus
     * {@link #FRAME_HEADROOM}; with one, the header too; with segmentation offloads, the header plus
     * {@link VnetHeader#MAX_SUPER_FRAME_BYTES}, whatever the MTU.
     */
    @Override
    public int minimumReadCapacity() {
        int header = offloadState.vnetHeaderLength();
        if ((offloadState.offloads() & TapOffloads.SEGMENTATION) != 0) {
            return header + VnetHeader.MAX_SUPER_FRAME_BYTES;
        }
        return header + mtu + FRAME_HEADROOM;
    }

    @Override
    public int read(ByteBuffer directBuffer, int offset, int capacity) throws TapException {
        long address = readAddress.of(directBuffer, offset, capacity, name);
        ensureOpen("read");
        while (true) {
            readCalls++;
            long n = libc.read(tapFd, address, capacity);
            if (n >= 0) {
                if (n == capacity) {
                    possiblyTruncatedReads++;
                }
                return (int) n;
            }
            int errno = NativeLibC.errno();
            if (errno == EAGAIN) {
                return 0;
            }
            if (errno != EINTR) {
                throw new TapException(name, "read", errno, null, gone(errno));
            }
        }
    }

    /**
     * Up to {@link #URING_ENTRIES} frames in one io_uring call where the kernel allows it (see
     * {@link UringReads}) and at least {@link #URING_MIN_READS} are asked for, otherwise one per {@code read}.
     * A read of the batch that found nothing and a later one that found a frame (it came in meanwhile) leave
     * a gap, which the later frame is moved into, so that frames keep their order and fill the first regions.
     */
    @Override
    public int readBatch(ByteBuffer directBuffer, int[] offsets, int capacity, int count, int[] lengths)
            throws IOException {
        // The ring is set up on the first read even if that one is small: not in the middle of a later burst.
        boolean uringUsable = uringReady();
        if (count < URING_MIN_READS || !uringUsable) {
            return TapDevice.super.readBatch(directBuffer, offsets, capacity, count, lengths);
        }
        ensureOpen("read");
        int asked = Math.min(count, uring.capacity());
        for (int i = 0; i < asked; i++) {
            batchAddresses[i] = readAddress.of(directBuffer, offsets[i], capacity, name);
        }
        readCalls++;
        int failed = uring.read(batchAddresses, capacity, asked, batchResults);
        if (failed != 0) {
            // The ring itself failed (out of memory, say): give it up, and read one frame per call from now on.
            giveUpUring("io_uring_enter failed: " + LinuxConstants.errnoName(failed));
            return TapDevice.super.readBatch(directBuffer, offsets, capacity, count, lengths);
        }
        int n = 0;
        int error = 0;
        for (int i = 0; i < asked; i++) {
            int result = batchResults[i];
            if (result > 0) {
                if (i != n) {
                    MEMORY.copyMemory(batchAddresses[i], batchAddresses[n], result);
                }
                if (result == capacity) {
                    possiblyTruncatedReads++;
                }
                lengths[n++] = result;
            } else if (result < 0 && result != -EAGAIN && result != -EINTR && error == 0) {
                error = -result;
            }
        }
        if (n == 0 && error != 0) {
            throw new TapException(name, "read", error, null, gone(error));
        }
        return n;
    }

    @Override
    public long readCalls() {
        return readCalls;
    }

    @Override
    public String readMode() {
        return readMode;
    }

    private boolean uringReady() {
        if (uring != null) {
            return true;
        }
        if (uringTried) {
            return false;
        }
        uringTried = true;
        if (!URING_WANTED) {
            readMode = "one frame per read (-Dtapbridge.tap-uring=false)";
            return false;
        }
        try {
            uring = UringReads.open(name, tapFd, URING_ENTRIES);
            readMode = "io_uring, up to " + uring.capacity() + " per call";
            return true;
        } catch (TapException e) {
            giveUpUring(e.getMessage());
            return false;
        }
    }

    private void giveUpUring(String why) {
        if (uring != null) {
            uring.close();
            uring = null;
        }
        readMode = "one frame per read (" + why + ")";
        LOG.log(System.Logger.Level.INFO, "TAP " + name + ": frames are read one per call: " + why);
    }

    /** Blocks until a frame is readable, {@link #wakeup()} is called, or the time passes; true when readable. */
    public boolean awaitReadable(long timeoutMillis) throws TapException {
        ensureOpen("poll");
        // poll takes an int: longer waits are capped at about 24 days, which no caller needs.
        int waitMs = (int) Math.min(Integer.MAX_VALUE, Math.max(-1, timeoutMillis));
        long deadlineNs = waitMs < 0 ? 0 : System.nanoTime() + waitMs * 1_000_000L;
        while (true) {
            int n = libc.poll(pollFdsAddress, 2, waitMs);
            if (n > 0) {
                break;
            }
            if (n == 0) {
                return false;
            }
            int errno = NativeLibC.errno();
            if (errno != EINTR) {
                throw new TapException(name, "poll", errno, null, gone(errno));
            }
            if (waitMs >= 0) {
                long leftNs = deadlineNs - System.nanoTime();
                if (leftNs <= 0) {
                    return false;
                }
                waitMs = (int) Math.min(Integer.MAX_VALUE, (leftNs + 999_999) / 1_000_000);
            }
        }
        short tapEvents = pollFds.getShort(POLLFD_REVENTS_OFFSET);
        short wakeEvents = pollFds.getShort(POLLFD_SIZE + POLLFD_REVENTS_OFFSET);
        if ((wakeEvents & LinuxConstants.POLLIN) != 0) {
            // Reset the counter so that the next wait blocks again; EAGAIN means another drain won.
            libc.read(eventFd, drainValue.address(), EVENTFD_COUNTER_BYTES);
        }
        if ((tapEvents & (LinuxConstants.POLLERR | LinuxConstants.POLLHUP | LinuxConstants.POLLNVAL)) != 0) {
            if (!open) {
                return false; // close() ran during the wait: POLLNVAL on our own closed descriptor
            }
            throw new TapException(name, "poll", 0, null, "the kernel reports an error on the TAP descriptor"
                    + " (revents 0x" + Integer.toHexString(tapEvents & 0xffff) + "): the device was probably deleted"
                    + " while attached; restart tapbridge once it exists again");
        }
        return (tapEvents & LinuxConstants.POLLIN) != 0;
    }

    /** Makes a concurrent or the next {@link #awaitReadable} return promptly. Any thread. */
    public void wakeup() {
        // The lock keeps close() from recycling the eventfd number between our check and our write:
        // otherwise 8 bytes could land in whatever file the process opens next.
        synchronized (wakeLock) {
            if (open) {
                signalEventFd();
            }
        }
    }

    private void signalEventFd() {
        while (libc.write(eventFd, wakeValue.address(), EVENTFD_COUNTER_BYTES) < 0) {
            // EAGAIN: the counter is already huge, the waiter is woken anyway.
            if (NativeLibC.errno() != EINTR) {
                return;
            }
        }
    }

    @Override
    public boolean write(ByteBuffer directBuffer, int offset, int length) throws TapException {
        long address = writeAddress.of(directBuffer, offset, length, name);
        ensureOpen("write");
        while (true) {
            long n = libc.write(tapFd, address, length);
            if (n >= 0) {
                return true;
            }
            int errno = NativeLibC.errno();
            if (errno == EAGAIN) {
                return false;
            }
            if (errno != EINTR) {
                throw new TapException(name, "write", errno, null, writeFailure(errno, length));
            }
        }
    }

    @Override
    public long possiblyTruncatedReads() {
        return possiblyTruncatedReads;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // Closing a descriptor does not wake a poll() already waiting on it: signal first, then close.
        synchronized (wakeLock) {
            open = false;
            signalEventFd();
        }
        closeQuietly(libc, tapFd);
        UringReads ring = uring;
        if (ring != null) {
            ring.close();
        }
        synchronized (wakeLock) {
            closeQuietly(libc, eventFd);
        }
    }

    @Override
    public String toString() {
        return "TAP " + name + " (mtu " + mtu + (createdByUs ? ", created by tapbridge" : ", persistent")
                + (multiQueue() ? ", one queue of a multi-queue TAP" + (queueEnabled ? "" : " (detached)") : "")
                + (offloadState.vnetHeaderLength() > 0 ? ", " + offloadState.describe() : "") + ")";
    }

    private void ensureOpen(String call) throws TapException {
        if (!open) {
            throw new TapException(name, call, 0, null, "the device was closed by tapbridge (stop the reader and"
                    + " writer threads before close())");
        }
    }

    private String gone(int errno) {
        if (!open) {
            return "the device was closed by tapbridge during the call (stop the reader and writer before close())";
        }
        return errno == LinuxConstants.EBADF || errno == LinuxConstants.EBADFD
                ? "the descriptor is no longer valid: the device was closed or deleted while in use"
                : "unexpected failure on the TAP descriptor";
    }

    private String writeFailure(int errno, int length) {
        if (errno == LinuxConstants.EINVAL) {
            int header = offloadState.vnetHeaderLength();
            if (header > 0) {
                return "the kernel refused a " + length + "-byte write (shorter than the " + header + "-byte vnet"
                        + " header plus an Ethernet header, or a vnet header it cannot apply: hdr_len or csum_start"
                        + " past the frame, an unknown gso_type, a super-frame without NEEDS_CSUM)";
            }
            return "the kernel refused a " + length + "-byte frame (shorter than an Ethernet header, or longer"
                    + " than the MTU " + mtu + " allows)";
        }
        if (errno == LinuxConstants.EIO) {
            return "the device is down: bring it up with 'ip link set dev " + name + " up'";
        }
        return gone(errno);
    }
}
