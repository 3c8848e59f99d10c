package org.tapbridge.os;

import java.lang.ref.Reference;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.Pointer;

/**
 * A non-blocking UDP socket driven by recvmmsg/sendmmsg over a {@link DatagramBatch}: large buffers,
 * SO_RXQ_OVFL drop reporting and DF on every datagram. Owned by one loop thread, which polls {@link #fd()};
 * per-datagram failures are reported per message, never thrown.
 *
 * <p>Segmentation offload (GSO, {@link DatagramBatch#setSegmentSize}) is used per message when the caller
 * asks; coalescing (GRO) when {@link UdpOptions#gro} asked for it at open. With GRO on, one received
 * message may hold up to 64 KB of datagrams: give every receive buffer {@link #GRO_BUFFER_BYTES}, or the
 * kernel cuts the batch short (MSG_TRUNC) and the datagrams past the buffer are lost.
 *
 * <p>One socket per data-path loop on a shared port: open each with {@link UdpOptions#withReusePort}, in lane
 * order, then {@link #steerToLaneByte} on any one of them.
 */
public final class UdpSocket implements AutoCloseable {
    /**
     * Receive buffer size per message that no coalesced batch can overflow: the largest UDP payload of one
     * IP packet (65507 over IPv4, 65527 over IPv6) rounded up. A batch of 64 messages then needs 4 MiB.
     */
    public static final int GRO_BUFFER_BYTES = 65536;

    /** Pending socket errors consumed in a row by one receive before it gives up and reports nothing ready. */
    private static final int MAX_SOFT_ERRORS_PER_RECEIVE = 8;

    private final NativeSockets.LibC libc;
    private final int fd;
    private final int family;
    private final InetSocketAddress localAddress;
    private final String local;
    private final UdpOptions.PmtuMode pmtuMode;
    private final int receiveBufferBytes;
    private final int sendBufferBytes;
    private final boolean buffersForced;
    private final boolean groEnabled;
    private final String groRefusal;
    private final boolean reusePort;
    private boolean gsoSupported;
    private long gsoRefusals;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean open = true;

    private long lastOverflowCount; // the last u32 the kernel reported
    private long rxQueueDrops; // widened to 64 bits across u32 wrap-arounds
    private long receiveErrors;

    private UdpSocket(NativeSockets.LibC libc, int fd, int family, InetSocketAddress localAddress,
            UdpOptions.PmtuMode pmtuMode, int receiveBufferBytes, int sendBufferBytes, boolean buffersForced,
            boolean groEnabled, String groRefusal, boolean gsoSupported, boolean reusePort) {
        this.libc = libc;
        this.fd = fd;
        this.family = family;
        this.localAddress = localAddress;
        this.local = SockAddr.format(localAddress);
        this.pmtuMode = pmtuMode;
        this.receiveBufferBytes = receiveBufferBytes;
        this.sendBufferBytes = sendBufferBytes;
        this.buffersForced = buffersForced;
        this.groEnabled = groEnabled;
        this.groRefusal = groRefusal;
        this.gsoSupported = gsoSupported;
        this.reusePort = reusePort;
    }

    /**
     * Opens a socket of the bind address's family (AF_INET6 sockets are IPV6_V6ONLY: IPv4 needs its own
     * socket), with the requested buffers (SO_*BUFFORCE when CAP_NET_ADMIN allows it, otherwise
     * the plain options, which the kernel caps at net.core.rmem_max/wmem_max), SO_RXQ_OVFL and DF.
     *
     * <p>No SO_REUSEADDR: on Linux it lets a second UDP socket bind the same address and port, after which
     * unicast reaches only one of them, so a second daemon would silently take traffic instead of failing
     * with EADDRINUSE; and UDP has no TIME_WAIT that a restart would need it for.
     *
     * <p>SO_REUSEPORT only when {@link UdpOptions#reusePort} asks for it, set before bind: the socket then joins
     * the port's reuseport group, after the sockets bound before it. The kernel admits only sockets that also
     * have SO_REUSEPORT and the same effective uid: a daemon of another user, or any socket without the option,
     * still fails with EADDRINUSE; a second daemon of the same user with the option joins silently (see
     * {@link UdpOptions#withReusePort}).
     */
    public static UdpSocket open(InetSocketAddress bind, UdpOptions options) throws NativeIoException {
        return open(bind, options, 0);
    }

    /**
     * As {@link #open(InetSocketAddress, UdpOptions)} with an explicit protocol: only for the test that needs
     * UDP-Lite (IPPROTO_UDPLITE), the one socket for which this kernel refuses GSO without IPsec.
     */
    static UdpSocket open(InetSocketAddress bind, UdpOptions options, int protocol) throws NativeIoException {
        EncodedEndpoint address = EncodedEndpoint.of(bind);
        String context = address.toString();
        NativeSockets.LibC libc = NativeSockets.libc("socket");
        int family = address.family();
        int fd = Sockets.open(libc, family, SocketConstants.SOCK_DGRAM, protocol, context);
        Pointer scratchMemory = NativeSockets.allocate(Sockets.SCRATCH_BYTES);
        try {
            long scratch = scratchMemory.address();
            if (family == SocketConstants.AF_INET6) {
                Sockets.setInt(libc, fd, scratch, SocketConstants.IPPROTO_IPV6, SocketConstants.IPV6_V6ONLY, 1,
                        "IPV6_V6ONLY", context);
            }
            boolean forced = setBuffer(libc, fd, scratch, SocketConstants.SO_RCVBUFFORCE, SocketConstants.SO_RCVBUF,
                    "SO_RCVBUF", options.receiveBufferBytes(), context);
            forced &= setBuffer(libc, fd, scratch, SocketConstants.SO_SNDBUFFORCE, SocketConstants.SO_SNDBUF,
                    "SO_SNDBUF", options.sendBufferBytes(), context);
            Sockets.setInt(libc, fd, scratch, SocketConstants.SOL_SOCKET, SocketConstants.SO_RXQ_OVFL, 1,
                    "SO_RXQ_OVFL", context);
            setPmtuMode(libc, fd, scratch, family, options.pmtuMode(), context);
            if (options.reusePort()) {
                Sockets.setInt(libc, fd, scratch, SocketConstants.SOL_SOCKET, SocketConstants.SO_REUSEPORT, 1,
                        "SO_REUSEPORT", context);
            }
            Sockets.bind(libc, fd, scratch, address, options.reusePort());
            InetSocketAddress localAddress = Sockets.localAddress(libc, fd, scratch, context);
            int receiveBytes = Sockets.getInt(libc, fd, scratch, SocketConstants.SOL_SOCKET, SocketConstants.SO_RCVBUF,
                    "SO_RCVBUF", context);
            int sendBytes = Sockets.getInt(libc, fd, scratch, SocketConstants.SOL_SOCKET, SocketConstants.SO_SNDBUF,
                    "SO_SNDBUF", context);
            // Kernels before 4.18 know no UDP_SEGMENT: getsockopt says ENOPROTOOPT, and a send would ignore
            // the control message and try one oversized datagram.
            boolean gso = Sockets.tryGetInt(libc, fd, scratch, SocketConstants.SOL_UDP, SocketConstants.UDP_SEGMENT) >= 0;
            boolean gro = false;
            String groRefusal = null;
            if (options.gro()) {
                int errno = Sockets.trySetInt(libc, fd, scratch, SocketConstants.SOL_UDP, SocketConstants.UDP_GRO, 1);
                if (errno == 0) {
                    gro = Sockets.tryGetInt(libc, fd, scratch, SocketConstants.SOL_UDP, SocketConstants.UDP_GRO) > 0;
                    groRefusal = gro ? null : "UDP_GRO reads back 0";
                } else if (errno == Errno.ENOPROTOOPT || errno == Errno.EINVAL || errno == Errno.EOPNOTSUPP) {
                    groRefusal = "setsockopt(UDP_GRO): " + Errno.name(errno) + " (Linux 5.0+ has it)";
                } else {
                    throw new NativeIoException("setsockopt(UDP_GRO=1)", context, errno);
                }
            }
            return new UdpSocket(libc, fd, family, localAddress, options.pmtuMode(), receiveBytes, sendBytes, forced,
                    gro, groRefusal, gso, options.reusePort());
        } catch (NativeIoException | RuntimeException | Error e) {
            NativeSockets.closeQuietly(libc, fd);
            throw e;
        } finally {
            Reference.reachabilityFence(scratchMemory); // the GC frees it: not while the kernel reads it
        }
    }

    /** SO_*BUFFORCE first (needs CAP_NET_ADMIN, ignores the sysctl cap); on EPERM the capped plain option. */
    private static boolean setBuffer(NativeSockets.LibC libc, int fd, long scratch, int forceOption, int option,
            String name, int bytes, String context) throws NativeIoException {
        int errno = Sockets.trySetInt(libc, fd, scratch, SocketConstants.SOL_SOCKET, forceOption, bytes);
        if (errno == 0) {
            return true;
        }
        if (errno != Errno.EPERM) {
            throw new NativeIoException("setsockopt(" + name + "FORCE=" + bytes + ")", context, errno);
        }
        Sockets.setInt(libc, fd, scratch, SocketConstants.SOL_SOCKET, option, bytes, name, context);
        return false;
    }

    private static void setPmtuMode(NativeSockets.LibC libc, int fd, long scratch, int family,
            UdpOptions.PmtuMode mode, String context) throws NativeIoException {
        if (family == SocketConstants.AF_INET) {
            int value = mode == UdpOptions.PmtuMode.DO ? SocketConstants.IP_PMTUDISC_DO : SocketConstants.IP_PMTUDISC_PROBE;
            Sockets.setInt(libc, fd, scratch, SocketConstants.IPPROTO_IP, SocketConstants.IP_MTU_DISCOVER, value,
                    "IP_MTU_DISCOVER", context);
        } else {
            int value = mode == UdpOptions.PmtuMode.DO ? SocketConstants.IPV6_PMTUDISC_DO
                    : SocketConstants.IPV6_PMTUDISC_PROBE;
            Sockets.setInt(libc, fd, scratch, SocketConstants.IPPROTO_IPV6, SocketConstants.IPV6_MTU_DISCOVER, value,
                    "IPV6_MTU_DISCOVER", context);
        }
    }

    /**
     * Receives up to {@code max} datagrams into messages [0, max) of the batch without waiting; returns how
     * many arrived, 0 when none was queued (EAGAIN). Updates {@link #rxQueueDrops()}. No allocation.
     */
    public int receive(DatagramBatch batch, int max) throws NativeIoException {
        if (max < 1 || max > batch.capacity()) {
            throw new IllegalArgumentException("receive max=" + max + " is outside the batch's 1.." + batch.capacity());
        }
        ensureOpen("recvmmsg");
        batch.prepareReceive(max);
        int softErrors = 0;
        while (true) {
            int n = libc.recvmmsg(fd, batch.message(0), max, SocketConstants.MSG_DONTWAIT, 0);
            if (n >= 0) {
                noteOverflow(batch, n);
                return n;
            }
            int errno = NativeSockets.errno();
            if (errno == Errno.EAGAIN) {
                return 0;
            }
            if (errno == Errno.EINTR) {
                continue;
            }
            if (Errno.isDescriptorFailure(errno) || errno == Errno.EINVAL || !open) {
                throw new NativeIoException("recvmmsg", local, errno, open ? null : "the socket was closed");
            }
            // A pending error from an ICMP report (ECONNREFUSED ...): reading it cleared it, datagrams may follow.
            receiveErrors++;
            if (++softErrors >= MAX_SOFT_ERRORS_PER_RECEIVE) {
                return 0;
            }
        }
    }

    private void noteOverflow(DatagramBatch batch, int received) {
        for (int i = received - 1; i >= 0; i--) {
            // Counts only grow along the queue: the last message that carries one has the newest.
            long count = batch.rxQueueOverflow(i);
            if (count >= 0) {
                rxQueueDrops += (count - lastOverflowCount) & 0xffffffffL;
                lastOverflowCount = count;
                return;
            }
        }
    }

    /**
     * Sends messages [0, count) of the batch (lengths and targets set) without waiting; returns how many the
     * kernel took. Partial sends continue after the sent ones. A message's own error (see
     * {@link DatagramBatch#status}) skips just that message; EAGAIN (socket buffer full) stops, leaving EAGAIN
     * in the status of every message not attempted, for the caller to count as drops. Throws only when the
     * descriptor itself fails (EBADF, ENOTSOCK, EFAULT, EOPNOTSUPP). No allocation.
     */
    public int send(DatagramBatch batch, int count) throws NativeIoException {
        if (count < 0 || count > batch.capacity()) {
            throw new IllegalArgumentException("send count=" + count + " is outside the batch's 0.." + batch.capacity());
        }
        ensureOpen("sendmmsg");
        batch.prepareSend(count);
        int next = 0;
        int sent = 0;
        while (next < count) {
            int n = libc.sendmmsg(fd, batch.message(next), count - next, SocketConstants.MSG_DONTWAIT);
            if (n > 0) {
                next += n;
                sent += n;
                continue;
            }
            int errno = n == 0 ? Errno.EAGAIN : NativeSockets.errno();
            if (errno == Errno.EINTR) {
                continue;
            }
            if (errno == Errno.EAGAIN) {
                for (int i = next; i < count; i++) {
                    batch.setStatus(i, Errno.EAGAIN);
                }
                break;
            }
            if (Errno.isDescriptorFailure(errno) || !open) {
                throw new NativeIoException("sendmmsg", local, errno, open ? null : "the socket was closed");
            }
            batch.setStatus(next, errno);
            if (batch.segmentationRefused(next)) {
                gsoRefusals++;
                if (errno == Errno.EIO) {
                    // EIO is about the path or the socket (IPsec, UDP-Lite; in older kernels also a device without
                    // checksum offload), not this message: every later segmented send would fail the same way.
                    gsoSupported = false;
                }
            }
            next++;
        }
        return sent;
    }

    /**
     * The kernel's current path MTU towards {@code peer}: the route's MTU, or a smaller one learned from an
     * ICMP "fragmentation needed"/"packet too big" report. Asked through a throwaway connected socket of
     * this socket's family and PMTU mode, created in the calling thread's network namespace (the daemon's own,
     * unless a test moved the thread). Allocates; control path.
     */
    public int pathMtu(InetSocketAddress peer) throws NativeIoException {
        EncodedEndpoint target = EncodedEndpoint.of(peer);
        if (target.family() != family) {
            throw new IllegalArgumentException("peer " + target + " is " + Sockets.familyName(target.family())
                    + " but this socket is " + Sockets.familyName(family));
        }
        String context = target.toString();
        int probe = Sockets.open(libc, family, SocketConstants.SOCK_DGRAM, context);
        Pointer scratchMemory = NativeSockets.allocate(Sockets.SCRATCH_BYTES);
        try {
            long scratch = scratchMemory.address();
            setPmtuMode(libc, probe, scratch, family, pmtuMode, context);
            int errno = Sockets.connect(libc, probe, scratch, target);
            if (errno != 0) {
                throw new NativeIoException("connect", context, errno, "no route to the peer, so no path MTU");
            }
            return family == SocketConstants.AF_INET
                    ? Sockets.getInt(libc, probe, scratch, SocketConstants.IPPROTO_IP, SocketConstants.IP_MTU,
                            "IP_MTU", context)
                    : Sockets.getInt(libc, probe, scratch, SocketConstants.IPPROTO_IPV6, SocketConstants.IPV6_MTU,
                            "IPV6_MTU", context);
        } finally {
            NativeSockets.closeQuietly(libc, probe);
            Reference.reachabilityFence(scratchMemory);
        }
    }

    /**
     * Makes the kernel give each datagram arriving at this socket's reuseport group to the socket whose index
     * is the datagram's UDP payload byte at {@code payloadOffset} (0..{@value LaneSteering#MAX_PAYLOAD_OFFSET}),
     * when that byte is below {@code lanes} (1..{@value LaneSteering#MAX_LANES}); a datagram with a larger byte,
     * or too short to have one, goes to socket 0. Attaches the classic BPF program of {@link LaneSteering} with
     * setsockopt(SO_ATTACH_REUSEPORT_CBPF); it belongs to the group, so calling this on any one member steers
     * for all of them, and a later call (from any member) replaces it. Control path; allocates.
     *
     * <p>Socket index i is the i-th socket bound to the port, so bind lane 0 first. Give {@code lanes} the
     * group's size: a byte below {@code lanes} but at or beyond the size falls back to the kernel's hash. Closing
     * a member moves the group's last socket into its index, so close and reopen the whole group, never one
     * lane. With {@link UdpOptions#gro} the kernel may coalesce several datagrams of one sender before choosing,
     * and the whole batch then goes where its first datagram's byte points.
     *
     * @throws IllegalArgumentException when an argument is out of range
     * @throws IllegalStateException    when the socket was opened without {@link UdpOptions#withReusePort}, so
     *                                  it has no group to steer
     */
    public void steerToLaneByte(int payloadOffset, int lanes) throws NativeIoException {
        LaneSteering program = new LaneSteering(payloadOffset, lanes);
        if (!reusePort) {
            throw new IllegalStateException("UDP " + local + " has no SO_REUSEPORT group to steer by a lane byte:"
                    + " open every lane's socket with UdpOptions.withReusePort(true)");
        }
        String call = "setsockopt(SO_ATTACH_REUSEPORT_CBPF, " + program + ")";
        ensureOpen(call);
        Pointer memory = NativeSockets.allocate(LaneSteering.NATIVE_BYTES);
        try {
            long fprog = memory.address();
            program.writeTo(fprog);
            while (libc.setsockopt(fd, SocketConstants.SOL_SOCKET, SocketConstants.SO_ATTACH_REUSEPORT_CBPF, fprog,
                    LaneSteering.SOCK_FPROG_SIZE) != 0) {
                int errno = NativeSockets.errno();
                if (errno != Errno.EINTR) {
                    throw new NativeIoException(call, local, errno, errno == Errno.ENOPROTOOPT
                            ? "this kernel has no SO_ATTACH_REUSEPORT_CBPF (Linux 4.5 added it)" : null);
                }
            }
        } finally {
            Reference.reachabilityFence(memory); // setsockopt copied the program; until then the GC must not free it
        }
    }

    /**
     * Cumulative datagrams the kernel dropped because the receive queue was full (SO_RXQ_OVFL), widened to 64
     * bits. The kernel attaches its count to datagrams queued after a drop, so the figure lags until the next
     * datagram arrives after a burst of drops.
     */
    public long rxQueueDrops() {
        return rxQueueDrops;
    }

    /** Pending socket errors (ICMP reports) that receives consumed and skipped. */
    public long receiveErrors() {
        return receiveErrors;
    }

    /** SO_RCVBUF as the kernel reports it: twice the granted request, which accounts for its overhead. */
    public int receiveBufferBytes() {
        return receiveBufferBytes;
    }

    /** SO_SNDBUF as the kernel reports it (twice the granted request). */
    public int sendBufferBytes() {
        return sendBufferBytes;
    }

    /**
     * True while segmented sends ({@link DatagramBatch#setSegmentSize}) can work: the kernel knows
     * UDP_SEGMENT, and has not refused one with EIO. Once false it stays false; send datagrams one by one.
     */
    public boolean gsoSupported() {
        return gsoSupported;
    }

    /** Segmented messages the kernel refused (see {@link DatagramBatch#segmentationRefused}). */
    public long gsoRefusals() {
        return gsoRefusals;
    }

    /** True when UDP_GRO is on: receive buffers must then be {@link #GRO_BUFFER_BYTES}. */
    public boolean groEnabled() {
        return groEnabled;
    }

    /** Why UDP_GRO was asked for and is off, or null (asked for and on, or not asked for). */
    public String groRefusal() {
        return groRefusal;
    }

    /** True when the socket was opened with SO_REUSEPORT, in its port's reuseport group. */
    public boolean reusePort() {
        return reusePort;
    }

    /** True when both buffers were set with SO_*BUFFORCE; false when the sysctl caps applied. */
    public boolean buffersForced() {
        return buffersForced;
    }

    public UdpOptions.PmtuMode pmtuMode() {
        return pmtuMode;
    }

    /** AF_INET (2) or AF_INET6 (10), following the bind address. */
    public int family() {
        return family;
    }

    public int fd() {
        return fd;
    }

    /** The bound address, with the kernel's port when the request said 0. */
    public InetSocketAddress localAddress() {
        return localAddress;
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
        return "UDP " + local + " (fd " + fd + ", SO_RCVBUF " + receiveBufferBytes + ", SO_SNDBUF " + sendBufferBytes
                + (buffersForced ? ", forced" : ", capped by net.core.rmem_max/wmem_max") + ", PMTU " + pmtuMode
                + (groEnabled ? ", GRO" : "") + (reusePort ? ", SO_REUSEPORT" : "") + ")";
    }

    private void ensureOpen(String call) throws NativeIoException {
        if (!open) {
            throw new NativeIoException(call, local, 0, "the socket was closed");
        }
    }
}
