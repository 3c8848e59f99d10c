package org.tapbridge.os;

/**
 * Linux ABI numbers of the socket layer (x86_64 and aarch64 share them all). Each one is pinned by
 * {@code SocketConstantsTest} against the value a C program printed from the system headers, because a
 * wrong number fails silently or, worse, sets some other option.
 */
final class SocketConstants {
    private SocketConstants() {
    }

    // socket(2): <bits/socket.h>, <bits/socket_type.h>.
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_STREAM = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_NONBLOCK = 0x800;
    static final int AF_UNIX = 1;
    static final int SOCK_SEQPACKET = 5;
    static final int SOCK_CLOEXEC = 0x80000;

    // Option levels: SOL_SOCKET, and the protocol numbers that double as levels.
    static final int SOL_SOCKET = 1;
    static final int IPPROTO_IP = 0;
    static final int IPPROTO_TCP = 6;
    static final int IPPROTO_UDP = 17;
    static final int IPPROTO_IPV6 = 41;
    /** UDP-Lite: only for the test that makes the kernel refuse GSO (it does for UDP-Lite, and for IPsec). */
    static final int IPPROTO_UDPLITE = 136;
    static final int SOL_UDP = 17;

    // SOL_SOCKET options: <asm-generic/socket.h>.
    static final int SO_REUSEADDR = 2;
    static final int SO_ERROR = 4;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_KEEPALIVE = 9;
    static final int SO_REUSEPORT = 15;
    static final int SO_SNDBUFFORCE = 32;
    static final int SO_RCVBUFFORCE = 33;
    static final int SO_RXQ_OVFL = 40;
    static final int SO_ATTACH_REUSEPORT_CBPF = 51;

    // IPPROTO_IP / IPPROTO_IPV6 options: <linux/in.h>, <linux/in6.h>.
    static final int IP_MTU_DISCOVER = 10;
    static final int IP_MTU = 14;
    static final int IP_PMTUDISC_DO = 2;
    static final int IP_PMTUDISC_PROBE = 3;
    static final int IPV6_MTU_DISCOVER = 23;
    static final int IPV6_MTU = 24;
    static final int IPV6_V6ONLY = 26;
    static final int IPV6_PMTUDISC_DO = 2;
    static final int IPV6_PMTUDISC_PROBE = 3;

    // IPPROTO_TCP and SOL_UDP options: <linux/tcp.h>, <linux/udp.h>.
    static final int TCP_NODELAY = 1;
    static final int UDP_SEGMENT = 103;
    static final int UDP_GRO = 104;

    // send/recv flags: <bits/socket.h>.
    static final int MSG_CTRUNC = 0x08;
    static final int MSG_TRUNC = 0x20;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_NOSIGNAL = 0x4000;

    // shutdown(2).
    static final int SHUT_WR = 1;

    // poll(2): <asm-generic/poll.h>.
    static final short POLLIN = 0x0001;
    static final short POLLPRI = 0x0002;
    static final short POLLOUT = 0x0004;
    static final short POLLERR = 0x0008;
    static final short POLLHUP = 0x0010;
    static final short POLLNVAL = 0x0020;

    // eventfd(2), equal to O_NONBLOCK and O_CLOEXEC.
    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;
}
