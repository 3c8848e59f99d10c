package org.tapbridge.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tapbridge.testing.Netns;

/** The plain-words causes for each errno and situation, fed with invented sysfs facts. */
class TapErrorsTest {
    private static final NetDeviceFacts ABSENT = new NetDeviceFacts("tap0", false, -1, -1, -1, "");
    private static final NetDeviceFacts TAP_OWNED_BY_1000 = new NetDeviceFacts("tap0", true, 0x1802, 1000, -1, "");
    private static final NetDeviceFacts TAP_OWNED_BY_GROUP = new NetDeviceFacts("tap0", true, 0x1802, 1000, 27, "");
    private static final NetDeviceFacts TAP_NO_OWNER = new NetDeviceFacts("tap0", true, 0x1802, -1, -1, "");
    private static final NetDeviceFacts TUN = new NetDeviceFacts("tap0", true, 0x1801, -1, -1, "");
    private static final NetDeviceFacts MULTI_QUEUE = new NetDeviceFacts("tap0", true, 0x1902, -1, -1, "");
    private static final NetDeviceFacts MULTI_QUEUE_HELD = new NetDeviceFacts("tap0", true, 0x1102, -1, -1, "");
    private static final NetDeviceFacts BRIDGE = new NetDeviceFacts("tap0", true, -1, -1, -1, "bridge");

    @Test
    void aMissingCloneDeviceSaysHowToLoadTheTunModule() {
        String name = Netns.deviceName("m"); // does not exist, so nothing before open() can fail
        TapException e = assertThrows(TapException.class,
                () -> LinuxTapDevice.open(new TapOptions(name, 0, false), "/nonexistent-tb/net/tun"));
        assertEquals(name, e.device());
        assertEquals("open(/nonexistent-tb/net/tun)", e.call());
        assertEquals(LinuxConstants.ENOENT, e.errno());
        assertTrue(e.getMessage().startsWith("open(/nonexistent-tb/net/tun) on " + name
                + ": No such file or directory (ENOENT). /nonexistent-tb/net/tun does not exist"), e.getMessage());
        assertTrue(e.getMessage().contains("modprobe tun"), e.getMessage());
    }

    @Test
    void aCloneDeviceWithoutDriverAlsoPointsAtTheModule() {
        assertTrue(TapErrors.openCloneDevice("/dev/net/tun", LinuxConstants.ENODEV).contains("modprobe tun"));
        assertTrue(TapErrors.openCloneDevice("/dev/net/tun", LinuxConstants.EACCES).contains("ls -l /dev/net/tun"));
    }

    @Test
    void epermOnAnotherUsersDeviceSaysNotTheOwnerAndWhoIs() {
        String text = TapErrors.setIff("tap0", LinuxConstants.EPERM, TAP_OWNED_BY_1000, 65534, "nobody", List.of());
        assertTrue(text.startsWith("not the owner: tap0 belongs to uid 1000, this process runs as uid 65534"
                + " without CAP_NET_ADMIN."), text);
        assertTrue(text.contains("ip tuntap add dev tap0 mode tap user nobody"), text);
        assertTrue(text.contains("CAP_NET_ADMIN"), text);
        String withGroup = TapErrors.setIff("tap0", LinuxConstants.EPERM, TAP_OWNED_BY_GROUP, 65534, "nobody", List.of());
        assertTrue(withGroup.contains("belongs to uid 1000 and gid 27"), withGroup);
    }

    @Test
    void epermWhenCreatingSaysCapNetAdminIsMissing() {
        String text = TapErrors.setIff("tap0", LinuxConstants.EPERM, ABSENT, 1000, "alice", List.of());
        assertTrue(text.startsWith("creating TAP tap0 needs CAP_NET_ADMIN, which this process (uid 1000) does not"
                + " have."), text);
        assertTrue(text.contains("mode tap user alice"), text);
    }

    @Test
    void epermOnAnOwnerlessDevicePointsAtSecurityModules() {
        String text = TapErrors.setIff("tap0", LinuxConstants.EPERM, TAP_NO_OWNER, 1000, "alice", List.of());
        assertTrue(text.contains("security module"), text);
    }

    @Test
    void ebusySaysAlreadyAttachedAndNamesTheHolder() {
        String text = TapErrors.setIff("tap0", LinuxConstants.EBUSY, TAP_NO_OWNER, 0, "root", List.of("pid 42 (qemu)"));
        assertTrue(text.startsWith("tap0 is already attached to another open file"), text);
        assertTrue(text.contains("(held by pid 42 (qemu))"), text);
        String noHolder = TapErrors.setIff("tap0", LinuxConstants.EBUSY, TAP_NO_OWNER, 0, "root", List.of());
        assertTrue(noHolder.contains("one reader at a time. Stop"), noHolder);
    }

    @Test
    void einvalExplainsTunModeMultiQueueAndOtherKinds() {
        assertTrue(TapErrors.setIff("tap0", LinuxConstants.EINVAL, TUN, 0, "root", List.of())
                .startsWith("tap0 exists in the wrong mode: it is a TUN (layer 3, mode tun) device"));
        assertTrue(TapErrors.setIff("tap0", LinuxConstants.EINVAL, MULTI_QUEUE, 0, "root", List.of())
                .contains("multi-queue"));
        assertTrue(TapErrors.setIff("tap0", LinuxConstants.EINVAL, BRIDGE, 0, "root", List.of())
                .startsWith("tap0 already exists as a bridge interface, not a TAP device."));
    }

    @Test
    void aSingleQueueTapHasNothingWrongWithItsKind() {
        assertNull(TapErrors.wrongKind("tap0", TAP_NO_OWNER, "root"));
    }

    @Test
    void aPersistentMultiQueueTapFitsOneQueueAndMany() {
        assertNull(TapErrors.wrongKind("tap0", MULTI_QUEUE, "root"));
        assertNull(TapErrors.queueMismatch("tap0", MULTI_QUEUE, "root", 1));
        assertNull(TapErrors.queueMismatch("tap0", MULTI_QUEUE, "root", 4));
        assertNull(TapErrors.queueMismatch("tap0", TAP_NO_OWNER, "root", 1));
    }

    @Test
    void aSingleQueueTapAskedForSeveralQueuesNamesTheSetupFlagTheIpCommandsAndQueuesOne() {
        String text = TapErrors.queueMismatch("tap0", TAP_OWNED_BY_1000, "tapbridge", 4);
        assertEquals("tap0 is a single-queue TAP, but [site] queues = 4 needs a multi-queue TAP. Recreate it with"
                + " 'scripts/setup-bridge.sh ... --queues 4' (or 'ip tuntap del dev tap0 mode tap', then 'ip tuntap"
                + " add dev tap0 mode tap multi_queue user tapbridge vnet_hdr'), or set queues = 1", text);
    }

    @Test
    void aMultiQueueTapHeldByAnotherProcessIsNotShared() {
        String text = TapErrors.queueMismatch("tap0", MULTI_QUEUE_HELD, "root", 1);
        assertTrue(text.startsWith("tap0 is a multi-queue TAP created by another process (it is not persistent)"),
                text);
    }

    @Test
    void einvalForAMultiQueueAttachOfASingleQueueTapSaysSingleQueueAndNamesTheFlag() {
        int flags = LinuxConstants.IFF_TAP | LinuxConstants.IFF_NO_PI | LinuxConstants.IFF_MULTI_QUEUE;
        String text = TapErrors.setIff("tap0", LinuxConstants.EINVAL, TAP_NO_OWNER, 0, "root", List.of(), flags, 2);
        assertTrue(text.startsWith("tap0 is a single-queue TAP, but [site] queues = 2"), text);
        assertTrue(text.contains("--queues 2"), text);
        String absent = TapErrors.setIff("tap0", LinuxConstants.EINVAL, ABSENT, 0, "root", List.of(), flags, 2);
        assertTrue(absent.contains("flags IFF_TAP|IFF_NO_PI|IFF_MULTI_QUEUE"), absent);
    }

    @Test
    void configureFailuresGiveTheCommandThatPreparesTheDevice() {
        String text = TapErrors.configure("tap0", "setting the MTU of tap0 to 9000 (it is 1500)", LinuxConstants.EPERM,
                "ip link set dev tap0 mtu 9000");
        assertTrue(text.startsWith("setting the MTU of tap0 to 9000 (it is 1500) needs CAP_NET_ADMIN"), text);
        assertTrue(text.contains("'ip link set dev tap0 mtu 9000'"), text);
    }

    @Test
    void exceptionMessageCarriesCallDeviceErrnoTextAndCause() {
        TapException e = new TapException("tap0", "ioctl(TUNSETIFF)", LinuxConstants.EPERM, null, "not the owner");
        assertEquals("ioctl(TUNSETIFF) on tap0: Operation not permitted (EPERM). not the owner", e.getMessage());
        assertEquals("tap0", e.device());
        assertEquals("ioctl(TUNSETIFF)", e.call());
        assertEquals(LinuxConstants.EPERM, e.errno());
        assertEquals("not the owner", e.explanation());
        TapException noErrno = new TapException("tap0", "inspect /sys/class/net/tap0", 0, null, "wrong mode");
        assertEquals("inspect /sys/class/net/tap0 on tap0: wrong mode", noErrno.getMessage());
    }
}
