package org.tapbridge.os;

/**
 * How to set up a {@link UdpSocket}. Validated on construction, so a bad value fails before any socket exists.
 *
 * @param receiveBufferBytes requested SO_RCVBUF, {@value #MIN_BUFFER_BYTES}..{@value #MAX_BUFFER_BYTES}
 * @param sendBufferBytes    requested SO_SNDBUF, same range
 * @param pmtuMode           IP(V6)_MTU_DISCOVER mode: DF on every datagram either way
 * @param gro                ask for UDP_GRO: the kernel may then hand over several datagrams of one sender in
 *                           one buffer (see {@link DatagramBatch#receivedSegmentSize}), so that every receive
 *                           buffer must hold {@link UdpSocket#GRO_BUFFER_BYTES}
 * @param reusePort          set SO_REUSEPORT before bind, so that several sockets (one per data-path loop) share
 *                           the port as one reuseport group; see {@link #withReusePort} for what else that admits
 */
public record UdpOptions(int receiveBufferBytes, int sendBufferBytes, PmtuMode pmtuMode, boolean gro,
        boolean reusePort) {
    /**
     * 4 MiB per direction: at about 2.3 KB of kernel memory per queued 1400-byte datagram that is some 1800
     * datagrams, a 20 ms burst at 1 Gbit/s, so that the loop thread can spend a few milliseconds on TCP or
     * crypto work without the kernel dropping. Linux's default (208 KiB) holds under 100.
     */
    public static final int DEFAULT_BUFFER_BYTES = 4 << 20;
    /** Below this the kernel raises the buffer to its own floor (SOCK_MIN_RCVBUF) anyway. */
    public static final int MIN_BUFFER_BYTES = 1024;
    /** The kernel doubles the value into an int; 512 MiB is far beyond any burst and far from overflow. */
    public static final int MAX_BUFFER_BYTES = 512 << 20;

    /** Path MTU discovery modes; both set DF, so routers never fragment our datagrams. */
    public enum PmtuMode {
        /**
         * IP_PMTUDISC_DO: the kernel refuses (EMSGSIZE) datagrams above the path MTU it knows, including one
         * learned from ICMP "fragmentation needed", so oversize datagrams fail locally and visibly.
         */
        DO,
        /**
         * IP_PMTUDISC_PROBE: DF is set but only the device MTU limits sends; learned path MTUs are ignored.
         * For probing a path with datagrams larger than the current estimate.
         */
        PROBE
    }

    /** Without UDP_GRO: one datagram per receive buffer, as the daemon has always had it. */
    public UdpOptions(int receiveBufferBytes, int sendBufferBytes, PmtuMode pmtuMode) {
        this(receiveBufferBytes, sendBufferBytes, pmtuMode, false, false);
    }

    /** Without SO_REUSEPORT: the one socket of its port, as the daemon has always had it. */
    public UdpOptions(int receiveBufferBytes, int sendBufferBytes, PmtuMode pmtuMode, boolean gro) {
        this(receiveBufferBytes, sendBufferBytes, pmtuMode, gro, false);
    }

    public UdpOptions {
        checkBuffer("udp-receive-buffer-bytes", receiveBufferBytes);
        checkBuffer("udp-send-buffer-bytes", sendBufferBytes);
        if (pmtuMode == null) {
            throw new IllegalArgumentException("udp pmtu-mode is missing: use DO or PROBE");
        }
    }

    /** 4 MiB buffers each way and PMTU discovery DO. */
    public static UdpOptions defaults() {
        return new UdpOptions(DEFAULT_BUFFER_BYTES, DEFAULT_BUFFER_BYTES, PmtuMode.DO);
    }

    public UdpOptions withReceiveBufferBytes(int bytes) {
        return new UdpOptions(bytes, sendBufferBytes, pmtuMode, gro, reusePort);
    }

    public UdpOptions withSendBufferBytes(int bytes) {
        return new UdpOptions(receiveBufferBytes, bytes, pmtuMode, gro, reusePort);
    }

    public UdpOptions withPmtuMode(PmtuMode mode) {
        return new UdpOptions(receiveBufferBytes, sendBufferBytes, mode, gro, reusePort);
    }

    /** The same with UDP_GRO asked for (true) or not. */
    public UdpOptions withGro(boolean on) {
        return new UdpOptions(receiveBufferBytes, sendBufferBytes, pmtuMode, on, reusePort);
    }

    /**
     * The same with SO_REUSEPORT set before bind (true) or not. Several sockets of one port then form a
     * reuseport group in the order they were bound, and the kernel gives each datagram to one of them: by a
     * hash of its addresses and ports, or by the program {@link UdpSocket#steerToLaneByte} attaches.
     *
     * <p>The risk: the kernel admits a socket to the group when it also has SO_REUSEPORT and the same
     * effective uid. A second daemon of another user still fails with EADDRINUSE, as does any socket without
     * the option; but a second daemon of the same user, with this option on, joins the group without an error
     * and from then on takes a share of the port's datagrams: the hash's share while no program is attached,
     * and whatever its own program sends it if it attaches one, which replaces ours for the whole group. Nothing
     * in the socket layer can tell such a daemon from our own next lane; refuse it above (one daemon per port,
     * e.g. by a lock file).
     * SO_REUSEADDR stays off for the reasons given at {@link UdpSocket#open}.
     */
    public UdpOptions withReusePort(boolean on) {
        return new UdpOptions(receiveBufferBytes, sendBufferBytes, pmtuMode, gro, on);
    }

    private static void checkBuffer(String key, int bytes) {
        if (bytes < MIN_BUFFER_BYTES) {
            throw new IllegalArgumentException(key + "=" + bytes + " < " + MIN_BUFFER_BYTES);
        }
        if (bytes > MAX_BUFFER_BYTES) {
            throw new IllegalArgumentException(key + "=" + bytes + " > " + MAX_BUFFER_BYTES);
        }
    }
}
