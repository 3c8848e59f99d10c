package org.tapbridge.os;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Pins every socket ABI number to the value a C program printed from the glibc and kernel headers on Linux
 * x86_64 (bits/socket.h, asm-generic/socket.h, linux/in.h, linux/in6.h, linux/udp.h, poll.h, eventfd.h).
 */
class SocketConstantsTest {
    @Test
    void addressFamiliesAndSocketTypesAreTheLinuxValues() {
        assertEquals(2, SocketConstants.AF_INET);
        assertEquals(10, SocketConstants.AF_INET6);
        assertEquals(1, SocketConstants.SOCK_STREAM);
        assertEquals(2, SocketConstants.SOCK_DGRAM);
        assertEquals(0x800, SocketConstants.SOCK_NONBLOCK);
        assertEquals(0x80000, SocketConstants.SOCK_CLOEXEC);
        assertEquals(SocketConstants.AF_INET, SockAddr.AF_INET);
        assertEquals(SocketConstants.AF_INET6, SockAddr.AF_INET6);
    }

    @Test
    void optionLevelsAreTheProtocolNumbers() {
        assertEquals(1, SocketConstants.SOL_SOCKET);
        assertEquals(0, SocketConstants.IPPROTO_IP);
        assertEquals(6, SocketConstants.IPPROTO_TCP);
        assertEquals(17, SocketConstants.IPPROTO_UDP);
        assertEquals(41, SocketConstants.IPPROTO_IPV6);
        assertEquals(136, SocketConstants.IPPROTO_UDPLITE);
        assertEquals(17, SocketConstants.SOL_UDP);
    }

    @Test
    void socketLevelOptionsAreTheAsmGenericValues() {
        assertEquals(2, SocketConstants.SO_REUSEADDR);
        assertEquals(4, SocketConstants.SO_ERROR);
        assertEquals(7, SocketConstants.SO_SNDBUF);
        assertEquals(8, SocketConstants.SO_RCVBUF);
        assertEquals(9, SocketConstants.SO_KEEPALIVE);
        assertEquals(15, SocketConstants.SO_REUSEPORT);
        assertEquals(32, SocketConstants.SO_SNDBUFFORCE);
        assertEquals(33, SocketConstants.SO_RCVBUFFORCE);
        assertEquals(40, SocketConstants.SO_RXQ_OVFL);
        assertEquals(51, SocketConstants.SO_ATTACH_REUSEPORT_CBPF);
    }

    @Test
    void ipAndIpv6OptionsAreTheLinuxInValues() {
        assertEquals(10, SocketConstants.IP_MTU_DISCOVER);
        assertEquals(14, SocketConstants.IP_MTU);
        assertEquals(2, SocketConstants.IP_PMTUDISC_DO);
        assertEquals(3, SocketConstants.IP_PMTUDISC_PROBE);
        assertEquals(23, SocketConstants.IPV6_MTU_DISCOVER);
        assertEquals(24, SocketConstants.IPV6_MTU);
        assertEquals(26, SocketConstants.IPV6_V6ONLY);
        assertEquals(2, SocketConstants.IPV6_PMTUDISC_DO);
        assertEquals(3, SocketConstants.IPV6_PMTUDISC_PROBE);
    }

    @Test
    void tcpAndUdpOptionsAreTheLinuxValues() {
        assertEquals(1, SocketConstants.TCP_NODELAY);
        assertEquals(103, SocketConstants.UDP_SEGMENT);
        assertEquals(104, SocketConstants.UDP_GRO);
    }

    @Test
    void messageFlagsAreTheBitsSocketValues() {
        assertEquals(0x08, SocketConstants.MSG_CTRUNC);
        assertEquals(0x20, SocketConstants.MSG_TRUNC);
        assertEquals(0x40, SocketConstants.MSG_DONTWAIT);
        assertEquals(0x4000, SocketConstants.MSG_NOSIGNAL);
        assertEquals(1, SocketConstants.SHUT_WR);
    }

    @Test
    void pollAndEventfdFlagsAreTheLinuxValues() {
        assertEquals(0x01, SocketConstants.POLLIN);
        assertEquals(0x02, SocketConstants.POLLPRI);
        assertEquals(0x04, SocketConstants.POLLOUT);
        assertEquals(0x08, SocketConstants.POLLERR);
        assertEquals(0x10, SocketConstants.POLLHUP);
        assertEquals(0x20, SocketConstants.POLLNVAL);
        assertEquals(SocketConstants.POLLIN, Poller.POLLIN);
        assertEquals(SocketConstants.POLLOUT, Poller.POLLOUT);
        assertEquals(0x800, SocketConstants.EFD_NONBLOCK);
        assertEquals(0x80000, SocketConstants.EFD_CLOEXEC);
    }
}
