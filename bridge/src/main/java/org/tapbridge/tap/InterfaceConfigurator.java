package org.tapbridge.tap;

/**
 * Sets the MTU and the up flag of an interface through SIOC*IF* ioctls on a throw-away AF_INET socket.
 * Changes only what differs, so that a device prepared by root works for an unprivileged daemon.
 * Control path, one use per open.
 */
final class InterfaceConfigurator {
    private final NativeLibC.LibC libc;
    private final String device;

    InterfaceConfigurator(NativeLibC.LibC libc, String device) {
        this.libc = libc;
        this.device = device;
    }

    /** Applies mtu (0 = leave) and bringUp; returns the MTU the device has afterwards. */
    int configure(int mtu, boolean bringUp) throws TapException {
        int socket = libc.socket(LinuxConstants.AF_INET, LinuxConstants.SOCK_DGRAM | LinuxConstants.SOCK_CLOEXEC, 0);
        if (socket < 0) {
            throw new TapException(device, "socket(AF_INET, SOCK_DGRAM)", NativeLibC.errno(), null,
                    "needed to set the MTU and the up flag; is IPv4 disabled in this kernel?");
        }
        try {
            int current = currentMtu(socket);
            if (mtu != 0 && current != mtu) {
                Ifreq request = Ifreq.allocate().name(device).mtu(mtu);
                call(socket, LinuxConstants.SIOCSIFMTU, request, "ioctl(SIOCSIFMTU)",
                        "setting the MTU of " + device + " to " + mtu + " (it is " + current + ")",
                        "ip link set dev " + device + " mtu " + mtu);
                current = currentMtu(socket);
            }
            if (bringUp) {
                Ifreq flags = Ifreq.allocate().name(device);
                call(socket, LinuxConstants.SIOCGIFFLAGS, flags, "ioctl(SIOCGIFFLAGS)", "reading the flags of " + device,
                        "ip link show dev " + device);
                if ((flags.flags() & LinuxConstants.IFF_UP) == 0) {
                    flags.flags(flags.flags() | LinuxConstants.IFF_UP);
                    call(socket, LinuxConstants.SIOCSIFFLAGS, flags, "ioctl(SIOCSIFFLAGS)",
                            "bringing " + device + " up", "ip link set dev " + device + " up");
                }
            }
            return current;
        } finally {
            LinuxTapDevice.closeQuietly(libc, socket);
        }
    }

    private int currentMtu(int socket) throws TapException {
        Ifreq request = Ifreq.allocate().name(device);
        call(socket, LinuxConstants.SIOCGIFMTU, request, "ioctl(SIOCGIFMTU)", "reading the MTU of " + device,
                "ip link show dev " + device);
        return request.mtu();
    }

    private void call(int socket, long request, Ifreq ifreq, String call, String what, String command)
            throws TapException {
        if (LinuxTapDevice.ioctl(libc, socket, request, ifreq.address()) < 0) {
            int errno = NativeLibC.errno();
            throw new TapException(device, call, errno, null, TapErrors.configure(device, what, errno, command));
        }
    }
}
