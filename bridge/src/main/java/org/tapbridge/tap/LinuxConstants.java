package org.tapbridge.tap;

/**
 * Linux ABI numbers used by the TAP layer (x86_64 and aarch64 share them all). Each one is pinned by a
 * unit test against the value measured on a real kernel, because a wrong number fails silently.
 */
final class LinuxConstants {
    private LinuxConstants() {
    }

    // ioctl requests from <linux/if_tun.h>: _IOW('T', n, int), hence the 4-byte size in bits 16..29.
    static final long TUNSETIFF = 0x400454caL;
    static final long TUNGETIFF = 0x800454d2L;
    static final long TUNSETPERSIST = 0x400454cbL;
    // _IOR('T', 207, unsigned int): the IFF_* flags TUNSETIFF accepts, asked before attaching.
    static final long TUNGETFEATURES = 0x800454cfL;
    // _IOW('T', 208, unsigned int), but the value travels in the argument itself, not behind a pointer.
    static final long TUNSETOFFLOAD = 0x400454d0L;
    // _IOR/_IOW('T', 215/216, int): the vnet header length of this open file (not of the device).
    static final long TUNGETVNETHDRSZ = 0x800454d7L;
    static final long TUNSETVNETHDRSZ = 0x400454d8L;
    // _IOW/_IOR('T', 220/221, int): vnet header fields little-endian whatever the host's order.
    static final long TUNSETVNETLE = 0x400454dcL;
    static final long TUNGETVNETLE = 0x800454ddL;
    // _IOW('T', 217, int): attaches or detaches this file's queue of a multi-queue device (ifr_flags).
    static final long TUNSETQUEUE = 0x400454d9L;

    // ioctl requests from <linux/sockios.h>, issued on any AF_INET socket.
    static final long SIOCGIFFLAGS = 0x8913;
    static final long SIOCSIFFLAGS = 0x8914;
    static final long SIOCGIFMTU = 0x8921;
    static final long SIOCSIFMTU = 0x8922;

    // struct ifreq.ifr_flags bits for TUNSETIFF, and tun_flags in sysfs.
    static final int IFF_TUN = 0x0001;
    static final int IFF_TAP = 0x0002;
    static final int IFF_MULTI_QUEUE = 0x0100;
    static final int IFF_NO_PI = 0x1000;
    static final int IFF_PERSIST = 0x0800;
    static final int IFF_VNET_HDR = 0x4000;
    // struct ifreq.ifr_flags for TUNSETQUEUE: only these, never combined with the TUNSETIFF bits.
    static final int IFF_ATTACH_QUEUE = 0x0200;
    static final int IFF_DETACH_QUEUE = 0x0400;

    // TUNSETOFFLOAD bits: what user space can take from the kernel (partial checksums, super-frames).
    // The UAPI headers of this host (6.1) predate USO; 0x20/0x40 are those of the 6.2+ if_tun.h.
    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    static final int TUN_F_TSO6 = 0x04;
    static final int TUN_F_TSO_ECN = 0x08;
    static final int TUN_F_UFO = 0x10;
    static final int TUN_F_USO4 = 0x20;
    static final int TUN_F_USO6 = 0x40;

    // struct ifreq.ifr_flags bits for SIOCGIFFLAGS.
    static final int IFF_UP = 0x0001;

    // open(2), fcntl(2), eventfd(2), socket(2).
    static final int O_RDWR = 0x0002;
    static final int O_NONBLOCK = 0x0800;
    static final int O_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = O_NONBLOCK;
    static final int EFD_CLOEXEC = O_CLOEXEC;
    static final int AF_INET = 2;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = O_CLOEXEC;

    // poll(2).
    static final short POLLIN = 0x0001;
    static final short POLLERR = 0x0008;
    static final short POLLHUP = 0x0010;
    static final short POLLNVAL = 0x0020;

    // errno values.
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int ENXIO = 6;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EBUSY = 16;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int EIO = 5;
    static final int EBADFD = 77;
    static final int ENOTTY = 25;
    static final int E2BIG = 7;

    /** The symbolic name of an errno we explain, or "errno N". */
    static String errnoName(int errno) {
        switch (errno) {
            case EPERM: return "EPERM";
            case ENOENT: return "ENOENT";
            case EINTR: return "EINTR";
            case ENXIO: return "ENXIO";
            case EBADF: return "EBADF";
            case EAGAIN: return "EAGAIN";
            case EACCES: return "EACCES";
            case EBUSY: return "EBUSY";
            case ENODEV: return "ENODEV";
            case EINVAL: return "EINVAL";
            case EIO: return "EIO";
            case EBADFD: return "EBADFD";
            case ENOTTY: return "ENOTTY";
            case E2BIG: return "E2BIG";
            default: return "errno " + errno;
        }
    }
}
