package org.tapbridge.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads a fake /sys/class/net laid out like the kernel's. */
class NetDeviceFactsTest {
    @TempDir
    Path sys;

    @Test
    void anAbsentDeviceIsReportedAsAbsent() {
        NetDeviceFacts facts = NetDeviceFacts.read(sys, "tap0");
        assertFalse(facts.exists());
        assertFalse(facts.isTunTap());
    }

    @Test
    void readsModeOwnerAndGroupOfATap() throws Exception {
        device("tap0", "tun_flags", "0x1802\n", "owner", "1000\n", "group", "-1\n");
        NetDeviceFacts facts = NetDeviceFacts.read(sys, "tap0");
        assertTrue(facts.exists());
        assertTrue(facts.isTapMode());
        assertFalse(facts.isTunMode());
        assertTrue(facts.isPersistent());
        assertFalse(facts.isMultiQueue());
        assertEquals(1000, facts.owner());
        assertEquals(-1, facts.group());
    }

    @Test
    void tellsATunModeDeviceApart() throws Exception {
        device("tun0", "tun_flags", "0x1001\n", "owner", "-1\n", "group", "-1\n");
        NetDeviceFacts facts = NetDeviceFacts.read(sys, "tun0");
        assertTrue(facts.isTunMode());
        assertFalse(facts.isTapMode());
        assertEquals("a TUN (layer 3, mode tun) device", facts.kindForPeople());
    }

    @Test
    void aDeviceWithoutTunFlagsIsAnotherKindNamedFromUevent() throws Exception {
        device("br0", "uevent", "DEVTYPE=bridge\nINTERFACE=br0\n");
        NetDeviceFacts facts = NetDeviceFacts.read(sys, "br0");
        assertTrue(facts.exists());
        assertFalse(facts.isTunTap());
        assertEquals("a bridge interface", facts.kindForPeople());
        device("eth0", "uevent", "INTERFACE=eth0\n");
        assertEquals("an interface that is not a TUN/TAP device", NetDeviceFacts.read(sys, "eth0").kindForPeople());
    }

    @Test
    void malformedFilesFallBackInsteadOfFailing() throws Exception {
        device("tap1", "tun_flags", "garbage", "owner", "");
        NetDeviceFacts facts = NetDeviceFacts.read(sys, "tap1");
        assertTrue(facts.exists());
        assertFalse(facts.isTunTap());
        assertEquals(-1, facts.owner());
    }

    private void device(String name, String... fileAndContent) throws Exception {
        Path dir = Files.createDirectories(sys.resolve(name));
        for (int i = 0; i < fileAndContent.length; i += 2) {
            Files.writeString(dir.resolve(fileAndContent[i]), fileAndContent[i + 1]);
        }
    }
}
