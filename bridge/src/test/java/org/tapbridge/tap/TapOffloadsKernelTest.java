package org.tapbridge.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * What the kernel (6.18 here) does with vnet headers and TUNSETOFFLOAD on real TAPs: the negotiation, its
 * fallbacks, persistent devices, and offloads that outlive the descriptor that set them. Device and
 * namespace names start with "off"; traffic only inside the test's own namespace.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TapOffloadsKernelTest {
    private static final int UNKNOWN_BIT = 0x4000_0000;
    /** One 5000-byte UDP_SEGMENT send of 1000-byte datagrams to a neighbour behind the TAP. */
    private static final String UDP_GSO_SEND = "import socket\n"
            + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            + "s.setsockopt(17, 103, 1000)\n" // SOL_UDP, UDP_SEGMENT
            + "s.sendto(bytes(5000), ('198.51.100.2', 9))\n";

    private final List<String> devicesToDelete = new ArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void requireRoot() {
        Privileges.requireNetworkAdmin();
    }

    @AfterEach
    void removeEverythingThisTestMade() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        for (String device : devicesToDelete) {
            if (LinuxTapDeviceTest.exists(device)) {
                Shell.quiet("ip", "link", "del", device);
            }
        }
    }

    @Test
    void opensANewTapWithTheV1HeaderLittleEndianAndEveryDefaultOffload() throws Exception {
        String name = device("n");
        try (LinuxTapDevice tap = LinuxTapDevice.open(new TapOptions(name, 1500, false).withOffloads(TapOffloads.DEFAULT))) {
            assertTrue(tap.createdByUs());
            assertEquals(12, tap.vnetHeaderLength());
            assertEquals(TapOffloads.DEFAULT, tap.offloads());
            assertEquals(TapOffloads.DEFAULT, tap.requestedOffloads());
            assertEquals(List.of(), tap.offloadRefusals());
            assertEquals("vnet header 12 B (virtio_net_hdr_v1), offloads csum tso4 tso6 tso-ecn uso4 uso6",
                    tap.offloadDescription());
            assertEquals("0x5002", sysfs(name, "tun_flags"), "IFF_TAP|IFF_NO_PI|IFF_VNET_HDR");
            assertEquals(12, getInt(tap.fd(), LinuxConstants.TUNGETVNETHDRSZ), "TUNGETVNETHDRSZ");
            assertEquals(1, getInt(tap.fd(), LinuxConstants.TUNGETVNETLE), "TUNGETVNETLE");
            assertEquals(12 + 65535 + 18, tap.minimumReadCapacity(), "header plus the largest super-frame");
            assertTrue(tap.toString().endsWith(", created by tapbridge, vnet header 12 B (virtio_net_hdr_v1),"
                    + " offloads csum tso4 tso6 tso-ecn uso4 uso6)"), tap.toString());
        }
    }

    @Test
    void aPlainOpenStaysAsItWasWithoutHeaderOrOffloads() throws Exception {
        String name = device("p");
        try (LinuxTapDevice tap = LinuxTapDevice.open(new TapOptions(name, 1500, false))) {
            assertEquals(0, tap.vnetHeaderLength());
            assertEquals(0, tap.offloads());
            assertEquals("0x1002", sysfs(name, "tun_flags"));
            assertEquals(1500 + 18, tap.minimumReadCapacity());
            assertEquals("no vnet header, offloads none", tap.offloadDescription());
            assertEquals("TAP " + name + " (mtu 1500, created by tapbridge)", tap.toString());
        }
    }

    @Test
    void aHeaderWithoutSegmentationOffloadsAddsOnlyTheHeaderToTheReadCapacity() throws Exception {
        String name = device("h");
        try (LinuxTapDevice tap = LinuxTapDevice.open(new TapOptions(name, 1400, false).withOffloads(TapOffloads.CSUM))) {
            assertEquals(12, tap.vnetHeaderLength());
            assertEquals(TapOffloads.CSUM, tap.offloads());
            assertEquals(12 + 1400 + 18, tap.minimumReadCapacity());
        }
    }

    @Test
    void theKernelRefusesHalfOfUsoSegmentationWithoutChecksumsAndUnknownBits() throws Exception {
        String name = device("k");
        try (LinuxTapDevice tap = LinuxTapDevice.open(new TapOptions(name, 0, false).withOffloads(0))) {
            int fd = tap.fd();
            assertEquals(LinuxConstants.EINVAL, setOffload(fd, TapOffloads.CSUM | TapOffloads.USO4), "USO4 alone");
            assertEquals(LinuxConstants.EINVAL, setOffload(fd, TapOffloads.CSUM | TapOffloads.USO6), "USO6 alone");
            assertEquals(LinuxConstants.EINVAL, setOffload(fd, TapOffloads.TSO4), "TSO without CSUM");
            assertEquals(LinuxConstants.EINVAL, setOffload(fd, TapOffloads.CSUM | UNKNOWN_BIT), "an unknown bit");
            assertEquals(0, setOffload(fd, TapOffloads.DEFAULT));
            assertEquals(0, setOffload(fd, TapOffloads.KNOWN), "UFO is still accepted");
            assertEquals(0, setOffload(fd, 0));
        }
    }

    @Test
    void fallsBackStepByStepAndKeepsTheReasonForEachRefusal() throws Exception {
        String name = device("f");
        try (LinuxTapDevice tap = LinuxTapDevice.open(new TapOptions(name, 0, false).withOffloads(0))) {
            // A bit no kernel knows makes the first two steps fail as USO does on kernels before 6.2.
            VnetSetup.Outcome outcome = VnetSetup.negotiate(NativeLibC.libcOrNull(), tap.fd(), name,
                    TapOffloads.DEFAULT | UNKNOWN_BIT);
            assertEquals(12, outcome.vnetHeaderLength());
            assertEquals(TapOffloads.CSUM, outcome.offloads());
            assertEquals(List.of("offloads csum tso4 tso6 tso-ecn uso4 uso6 0x40000000: EINVAL",
                    "offloads csum tso4 tso6 tso-ecn 0x40000000: EINVAL"), outcome.refusals());
            assertEquals("vnet header 12 B (virtio_net_hdr_v1), offloads csum; refused: offloads csum tso4 tso6"
                    + " tso-ecn uso4 uso6 0x40000000: EINVAL; offloads csum tso4 tso6 tso-ecn 0x40000000: EINVAL",
                    outcome.describe());
        }
    }

    @Test
    void attachesWithAVnetHeaderToAPersistentTapCreatedWithoutOne() throws Exception {
        String name = device("a");
        Shell.run("ip", "tuntap", "add", "dev", name, "mode", "tap");
        assertEquals("0x1802", sysfs(name, "tun_flags"));
        try (LinuxTapDevice tap = LinuxTapDevice.open(new TapOptions(name, 0, false).withOffloads(TapOffloads.DEFAULT))) {
            assertFalse(tap.createdByUs());
            assertEquals(12, tap.vnetHeaderLength());
            assertEquals(TapOffloads.DEFAULT, tap.offloads());
            assertEquals("0x5802", sysfs(name, "tun_flags"));
        }
        assertEquals("0x5802", sysfs(name, "tun_flags"), "the flags of the last attach stay with the device");
        try (LinuxTapDevice tap = LinuxTapDevice.open(new TapOptions(name, 0, false))) {
            assertEquals(0, tap.vnetHeaderLength());
            assertEquals("0x1802", sysfs(name, "tun_flags"), "a plain attach takes IFF_VNET_HDR away");
        }
    }

    @Test
    void aPlainAttachSwitchesOffTheOffloadsThatAPreviousAttachLeftOnAPersistentTap() throws Exception {
        Privileges.requireCommand("python3", "python3");
        Netns ns = Netns.createWithPrefix("off", "persist");
        toClose.add(ns);
        String name = device("l");
        ns.run("ip", "tuntap", "add", "dev", name, "mode", "tap");
        ns.run("sysctl", "-q", "-w", "net.ipv6.conf." + name + ".disable_ipv6=1");
        ns.run("ip", "addr", "add", "198.51.100.1/24", "dev", name);
        ns.run("ip", "link", "set", name, "up");
        ns.run("ip", "neigh", "replace", "198.51.100.2", "lladdr", "02:00:00:00:00:02", "dev", name, "nud", "permanent");
        ns.call(() -> {
            LinuxTapDevice.open(new TapOptions(name, 0, false).withOffloads(TapOffloads.DEFAULT)).close();
            return null;
        });

        // A bare attach, as tapbridge did before: the USO offload is still on, and the datagrams come as one
        // 5042-byte frame with a partial checksum and no header to say so.
        int bare = ns.call(() -> bareAttach(name));
        try {
            ns.run("python3", "-c", UDP_GSO_SEND);
            assertEquals(List.of(14 + 20 + 8 + 5000), frameLengths(bare, 1));
        } finally {
            NativeLibC.libcOrNull().close(bare);
        }

        try (LinuxTapDevice tap = ns.call(() -> LinuxTapDevice.open(new TapOptions(name, 0, false)))) {
            ns.run("python3", "-c", UDP_GSO_SEND);
            assertEquals(List.of(1042, 1042, 1042, 1042, 1042), frameLengths(tap.fd(), 5),
                    "five datagrams cut by the kernel, as a plain reader expects");
        }
    }

    /** TUNSETIFF with IFF_TAP|IFF_NO_PI and nothing else, on a new non-blocking descriptor. */
    private static int bareAttach(String name) throws TapException {
        NativeLibC.LibC libc = NativeLibC.libcOrNull();
        int fd = libc.open(LinuxTapDevice.CLONE_DEVICE, LinuxConstants.O_RDWR | LinuxConstants.O_NONBLOCK
                | LinuxConstants.O_CLOEXEC);
        Ifreq ifreq = Ifreq.allocate().name(name).flags(LinuxConstants.IFF_TAP | LinuxConstants.IFF_NO_PI);
        if (LinuxTapDevice.ioctl(libc, fd, LinuxConstants.TUNSETIFF, ifreq.address()) < 0) {
            int errno = NativeLibC.errno();
            libc.close(fd);
            throw new TapException(name, "ioctl(TUNSETIFF)", errno, null, "bare attach");
        }
        return fd;
    }

    /** Lengths of the frames read from {@code fd} until {@code expected} arrived and 300 ms passed quietly. */
    private static List<Integer> frameLengths(int fd, int expected) throws InterruptedException {
        NativeLibC.LibC libc = NativeLibC.libcOrNull();
        Pointer buffer = Memory.allocateDirect(NativeLibC.runtime(), 70_000, true);
        List<Integer> lengths = new ArrayList<>();
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long quietUntilNs = Long.MAX_VALUE;
        while (System.nanoTime() < Math.min(deadlineNs, quietUntilNs)) {
            long n = libc.read(fd, buffer.address(), 70_000);
            if (n > 0) {
                lengths.add((int) n);
                if (lengths.size() >= expected) {
                    quietUntilNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
                }
            } else {
                Thread.sleep(5);
            }
        }
        return lengths;
    }

    private static int setOffload(int fd, int mask) {
        return LinuxTapDevice.ioctl(NativeLibC.libcOrNull(), fd, LinuxConstants.TUNSETOFFLOAD,
                Integer.toUnsignedLong(mask)) < 0 ? NativeLibC.errno() : 0;
    }

    private static int getInt(int fd, long request) {
        Pointer value = Memory.allocateDirect(NativeLibC.runtime(), 4, true);
        if (LinuxTapDevice.ioctl(NativeLibC.libcOrNull(), fd, request, value.address()) < 0) {
            throw new AssertionError("ioctl 0x" + Long.toHexString(request) + ": errno " + NativeLibC.errno());
        }
        return value.getInt(0);
    }

    private String device(String label) {
        String name = Netns.deviceName("off", label);
        devicesToDelete.add(name);
        return name;
    }

    private static String sysfs(String device, String attribute) throws Exception {
        return Files.readString(Path.of("/sys/class/net", device, attribute)).trim();
    }
}
