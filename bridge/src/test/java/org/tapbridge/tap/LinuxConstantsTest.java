package org.tapbridge.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Pins every ABI number, both as the measured literal and as the kernel's _IOW/_IOR formula. */
class LinuxConstantsTest {
    // <asm-generic/ioctl.h>: dir << 30 | size << 16 | type << 8 | nr.
    private static long ioc(int dir, int type, int nr, int size) {
        return ((long) dir << 30) | ((long) size << 16) | ((long) type << 8) | nr;
    }

    private static final int WRITE = 1;
    private static final int READ = 2;

    @Test
    void tunIoctlNumbersMatchTheMeasuredValuesAndTheFormula() {
        assertEquals(0x400454caL, LinuxConstants.TUNSETIFF);
        assertEquals(ioc(WRITE, 'T', 202, 4), LinuxConstants.TUNSETIFF);
        assertEquals(ioc(WRITE, 'T', 203, 4), LinuxConstants.TUNSETPERSIST);
        assertEquals(ioc(READ, 'T', 210, 4), LinuxConstants.TUNGETIFF);
        assertEquals(0x800454d2L, LinuxConstants.TUNGETIFF);
    }

    @Test
    void offloadIoctlNumbersMatchWhatGccPrintedAndTheFormula() {
        // Printed by a C program including <linux/if_tun.h> on this host (kernel 6.18, UAPI headers 6.1).
        assertEquals(0x800454cfL, LinuxConstants.TUNGETFEATURES);
        assertEquals(ioc(READ, 'T', 207, 4), LinuxConstants.TUNGETFEATURES);
        assertEquals(0x400454d0L, LinuxConstants.TUNSETOFFLOAD);
        assertEquals(ioc(WRITE, 'T', 208, 4), LinuxConstants.TUNSETOFFLOAD);
        assertEquals(0x800454d7L, LinuxConstants.TUNGETVNETHDRSZ);
        assertEquals(ioc(READ, 'T', 215, 4), LinuxConstants.TUNGETVNETHDRSZ);
        assertEquals(0x400454d8L, LinuxConstants.TUNSETVNETHDRSZ);
        assertEquals(ioc(WRITE, 'T', 216, 4), LinuxConstants.TUNSETVNETHDRSZ);
        assertEquals(0x400454dcL, LinuxConstants.TUNSETVNETLE);
        assertEquals(ioc(WRITE, 'T', 220, 4), LinuxConstants.TUNSETVNETLE);
        assertEquals(0x800454ddL, LinuxConstants.TUNGETVNETLE);
        assertEquals(ioc(READ, 'T', 221, 4), LinuxConstants.TUNGETVNETLE);
    }

    @Test
    void queueIoctlAndFlagsMatchWhatGccPrintedAndTheFormula() {
        // Printed by a C program including <linux/if_tun.h> on this host (kernel 6.18, UAPI headers 6.1).
        assertEquals(0x400454d9L, LinuxConstants.TUNSETQUEUE);
        assertEquals(ioc(WRITE, 'T', 217, 4), LinuxConstants.TUNSETQUEUE);
        assertEquals(0x0200, LinuxConstants.IFF_ATTACH_QUEUE);
        assertEquals(0x0400, LinuxConstants.IFF_DETACH_QUEUE);
        assertEquals("Argument list too long", NativeLibC.strerror(LinuxConstants.E2BIG));
    }

    @Test
    void offloadBitsAreTheIfTunValues() {
        assertEquals(0x4000, LinuxConstants.IFF_VNET_HDR);
        assertEquals(0x01, LinuxConstants.TUN_F_CSUM);
        assertEquals(0x02, LinuxConstants.TUN_F_TSO4);
        assertEquals(0x04, LinuxConstants.TUN_F_TSO6);
        assertEquals(0x08, LinuxConstants.TUN_F_TSO_ECN);
        assertEquals(0x10, LinuxConstants.TUN_F_UFO);
        assertEquals(0x20, LinuxConstants.TUN_F_USO4);
        assertEquals(0x40, LinuxConstants.TUN_F_USO6);
    }

    @Test
    void socketIoctlNumbersAreTheSockiosValues() {
        assertEquals(0x8913, LinuxConstants.SIOCGIFFLAGS);
        assertEquals(0x8914, LinuxConstants.SIOCSIFFLAGS);
        assertEquals(0x8921, LinuxConstants.SIOCGIFMTU);
        assertEquals(0x8922, LinuxConstants.SIOCSIFMTU);
    }

    @Test
    void flagBitsAreTheIfTunValues() {
        assertEquals(0x0001, LinuxConstants.IFF_TUN);
        assertEquals(0x0002, LinuxConstants.IFF_TAP);
        assertEquals(0x0100, LinuxConstants.IFF_MULTI_QUEUE);
        assertEquals(0x0800, LinuxConstants.IFF_PERSIST);
        assertEquals(0x1000, LinuxConstants.IFF_NO_PI);
        assertEquals(0x0001, LinuxConstants.IFF_UP);
    }

    @Test
    void openPollAndEventfdFlagsAreTheLinuxValues() {
        assertEquals(02, LinuxConstants.O_RDWR);
        assertEquals(04000, LinuxConstants.O_NONBLOCK);
        assertEquals(02000000, LinuxConstants.O_CLOEXEC);
        assertEquals(LinuxConstants.O_NONBLOCK, LinuxConstants.EFD_NONBLOCK);
        assertEquals(LinuxConstants.O_CLOEXEC, LinuxConstants.EFD_CLOEXEC);
        assertEquals(1, LinuxConstants.POLLIN);
        assertEquals(8, LinuxConstants.POLLERR);
        assertEquals(0x10, LinuxConstants.POLLHUP);
        assertEquals(0x20, LinuxConstants.POLLNVAL);
    }

    @Test
    void errnoValuesAgreeWithTheCLibrary() {
        assertEquals("Operation not permitted", NativeLibC.strerror(LinuxConstants.EPERM));
        assertEquals("No such file or directory", NativeLibC.strerror(LinuxConstants.ENOENT));
        assertEquals("Interrupted system call", NativeLibC.strerror(LinuxConstants.EINTR));
        assertEquals("Resource temporarily unavailable", NativeLibC.strerror(LinuxConstants.EAGAIN));
        assertEquals("Device or resource busy", NativeLibC.strerror(LinuxConstants.EBUSY));
        assertEquals("Invalid argument", NativeLibC.strerror(LinuxConstants.EINVAL));
        assertEquals("No such device", NativeLibC.strerror(LinuxConstants.ENODEV));
        assertEquals("Bad file descriptor", NativeLibC.strerror(LinuxConstants.EBADF));
        assertEquals("Inappropriate ioctl for device", NativeLibC.strerror(LinuxConstants.ENOTTY));
        assertEquals("EBUSY", LinuxConstants.errnoName(LinuxConstants.EBUSY));
        assertEquals("errno 999", LinuxConstants.errnoName(999));
    }
}
