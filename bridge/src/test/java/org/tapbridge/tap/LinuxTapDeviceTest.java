package org.tapbridge.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/** Real TAP devices in the root namespace (unique names, never carrying traffic there) and in test namespaces. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LinuxTapDeviceTest {
    private final List<String> devicesToDelete = new ArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void requireRoot() {
        Privileges.requireNetworkAdmin();
    }

    @AfterEach
    void removeEverythingThisTestMade() throws Exception {
        // Devices first (closing a fd may remove its device), namespaces last.
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        for (String device : devicesToDelete) {
            if (exists(device)) {
                Shell.quiet("ip", "link", "del", device);
            }
        }
    }

    @Test
    void createsAMissingTapAndRemovesItOnClose() throws Exception {
        String name = Netns.deviceName("c");
        devicesToDelete.add(name);
        assertFalse(exists(name));

        LinuxTapDevice tap = LinuxTapDevice.open(new TapOptions(name, 1400, false));
        try {
            assertEquals(name, tap.name());
            assertTrue(tap.createdByUs());
            assertTrue(exists(name), "/sys/class/net/" + name + " should exist while open");
            assertEquals("0x" + Integer.toHexString(LinuxConstants.IFF_TAP | LinuxConstants.IFF_NO_PI),
                    sysfs(name, "tun_flags"));
            assertEquals(1400, tap.mtu());
            assertEquals("1400", sysfs(name, "mtu"));
        } finally {
            tap.close();
        }
        assertFalse(exists(name), "a TAP we created must be gone after close");
        tap.close(); // idempotent
    }

    @Test
    void bringsTheDeviceUpWhenAsked() throws Exception {
        String name = Netns.deviceName("u");
        devicesToDelete.add(name);
        try (LinuxTapDevice tap = LinuxTapDevice.open(new TapOptions(name, 0, true))) {
            int flags = (int) NetDeviceFacts.parse(sysfs(name, "flags"), 0);
            assertEquals(LinuxConstants.IFF_UP, flags & LinuxConstants.IFF_UP, "flags " + sysfs(name, "flags"));
            assertEquals(Integer.parseInt(sysfs(name, "mtu")), tap.mtu());
        }
    }

    @Test
    void attachesToAPersistentTapAndLeavesItInPlaceOnClose() throws Exception {
        String name = persistentDevice("p", "tap");
        try (LinuxTapDevice tap = LinuxTapDevice.open(new TapOptions(name, 0, false))) {
            assertFalse(tap.createdByUs());
            assertEquals(name, tap.name());
        }
        assertTrue(exists(name), "a persistent TAP must survive close");
        // It can be attached again: close really detached it.
        try (LinuxTapDevice again = LinuxTapDevice.open(new TapOptions(name, 0, false))) {
            assertFalse(again.createdByUs());
        }
        assertTrue(exists(name));
    }

    @Test
    void refusesATunModeDeviceWithTheWrongModeAndTheFix() {
        String name = persistentDevice("n", "tun");
        TapException e = assertThrows(TapException.class, () -> LinuxTapDevice.open(new TapOptions(name, 0, false)));
        assertEquals(name, e.device());
        assertTrue(e.getMessage().contains(name + " exists in the wrong mode"), e.getMessage());
        assertTrue(e.getMessage().contains("TUN (layer 3, mode tun)"), e.getMessage());
        assertTrue(e.getMessage().contains("ip tuntap add dev " + name + " mode tap"), e.getMessage());
        assertTrue(exists(name), "the other device must be left alone");
    }

    @Test
    void kernelEinvalForAWrongModeIsExplainedToo() {
        // Same situation as above but as if sysfs had not been read: the explanation comes from the errno.
        String name = persistentDevice("k", "tun");
        NetDeviceFacts facts = NetDeviceFacts.read(name);
        assertTrue(facts.isTunMode(), facts.toString());
        String text = TapErrors.setIff(name, LinuxConstants.EINVAL, facts, 0, "root", List.of());
        assertTrue(text.contains("wrong mode"), text);
    }

    @Test
    void refusesANameTakenByAnotherKindOfInterface() {
        String name = Netns.deviceName("d");
        devicesToDelete.add(name);
        Shell.run("ip", "link", "add", name, "type", "bridge"); // down and unconnected: carries nothing
        TapException e = assertThrows(TapException.class, () -> LinuxTapDevice.open(new TapOptions(name, 0, false)));
        assertTrue(e.getMessage().contains(name + " already exists as a bridge interface"), e.getMessage());
        assertTrue(e.getMessage().contains("not a TAP device"), e.getMessage());
    }

    @Test
    void secondAttachOfAnAttachedDeviceSaysAlreadyAttached() throws Exception {
        String name = persistentDevice("b", "tap");
        try (LinuxTapDevice first = LinuxTapDevice.open(new TapOptions(name, 0, false))) {
            TapException e = assertThrows(TapException.class,
                    () -> LinuxTapDevice.open(new TapOptions(name, 0, false)));
            assertEquals("ioctl(TUNSETIFF)", e.call());
            assertEquals(LinuxConstants.EBUSY, e.errno());
            assertTrue(e.getMessage().startsWith("ioctl(TUNSETIFF) on " + name + ": Device or resource busy (EBUSY)."),
                    e.getMessage());
            assertTrue(e.getMessage().contains("already attached"), e.getMessage());
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
            // The first attachment is unharmed by the failed second one.
            assertEquals(0, first.read(ByteBuffer.allocateDirect(2048), 0, 2048));
        }
    }

    @Test
    void awaitReadableReturnsPromptlyAfterWakeupFromAnotherThread() throws Exception {
        String name = Netns.deviceName("w");
        devicesToDelete.add(name);
        try (LinuxTapDevice tap = LinuxTapDevice.open(new TapOptions(name, 0, false))) {
            CountDownLatch waiting = new CountDownLatch(1);
            AtomicReference<Object> outcome = new AtomicReference<>();
            AtomicLong waitedMs = new AtomicLong();
            Thread reader = new Thread(() -> {
                long start = System.nanoTime();
                waiting.countDown();
                try {
                    outcome.set(tap.awaitReadable(30_000));
                } catch (Exception e) {
                    outcome.set(e);
                }
                waitedMs.set((System.nanoTime() - start) / 1_000_000);
            }, "tap-reader-test");
            reader.start();
            waiting.await();
            Thread.sleep(100); // let it enter poll(); liveness only, not a timing assertion
            tap.wakeup();
            reader.join(10_000);
            assertFalse(reader.isAlive(), "awaitReadable did not return after wakeup()");
            assertEquals(Boolean.FALSE, outcome.get(), "woken, not readable");
            assertTrue(waitedMs.get() < 10_000, "waited " + waitedMs.get() + " ms");

            // A wakeup before the wait also counts, once: the next wait returns at once, the one after times out.
            tap.wakeup();
            assertFalse(tap.awaitReadable(30_000));
            long start = System.nanoTime();
            assertFalse(tap.awaitReadable(50));
            assertTrue(System.nanoTime() - start >= 40_000_000L, "the drained wake-up must not fire again");
        }
    }

    @Test
    void closeWakesAWaitingReader() throws Exception {
        String name = Netns.deviceName("x");
        devicesToDelete.add(name);
        LinuxTapDevice tap = LinuxTapDevice.open(new TapOptions(name, 0, false));
        AtomicBoolean returned = new AtomicBoolean();
        Thread reader = new Thread(() -> {
            try {
                tap.awaitReadable(30_000);
            } catch (Exception e) {
                // A closed device may also report itself as closed: either way the reader is free.
            }
            returned.set(true);
        }, "tap-reader-test");
        reader.start();
        Thread.sleep(100);
        tap.close();
        reader.join(10_000);
        assertTrue(returned.get(), "the reader should leave awaitReadable when the device is closed");
        TapException e = assertThrows(TapException.class, () -> tap.awaitReadable(0));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void aDeviceDeletedWhileAttachedIsReportedInsteadOfSpinning() throws Exception {
        String name = persistentDevice("g", "tap");
        try (LinuxTapDevice tap = LinuxTapDevice.open(new TapOptions(name, 0, false))) {
            Shell.run("ip", "link", "del", "dev", name);
            TapException e = assertThrows(TapException.class, () -> tap.awaitReadable(5_000));
            assertEquals(name, e.device());
            assertTrue(e.getMessage().contains("deleted while attached"), e.getMessage());
        }
    }

    @Test
    void readReturnsZeroWhenNoFrameIsWaiting() throws Exception {
        String name = Netns.deviceName("r");
        devicesToDelete.add(name);
        try (LinuxTapDevice tap = LinuxTapDevice.open(new TapOptions(name, 0, false))) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(2048);
            assertEquals(0, tap.read(buffer, 0, 2048));
            assertFalse(tap.awaitReadable(0));
        }
    }

    @Test
    void refusesHeapBuffersAndRegionsOutsideTheBuffer() throws Exception {
        String name = Netns.deviceName("h");
        devicesToDelete.add(name);
        try (LinuxTapDevice tap = LinuxTapDevice.open(new TapOptions(name, 0, false))) {
            IllegalArgumentException heap = assertThrows(IllegalArgumentException.class,
                    () -> tap.read(ByteBuffer.allocate(2048), 0, 2048));
            assertTrue(heap.getMessage().contains("direct ByteBuffer"), heap.getMessage());
            ByteBuffer buffer = ByteBuffer.allocateDirect(2048);
            assertThrows(IndexOutOfBoundsException.class, () -> tap.read(buffer, 100, 2000));
            assertThrows(IndexOutOfBoundsException.class, () -> tap.write(buffer, -1, 60));
            assertThrows(IndexOutOfBoundsException.class, () -> tap.write(buffer, 0, 0));
        }
    }

    private String persistentDevice(String label, String mode) {
        String name = Netns.deviceName(label);
        devicesToDelete.add(name);
        Shell.run("ip", "tuntap", "add", "dev", name, "mode", mode);
        return name;
    }

    static boolean exists(String device) {
        return Files.isDirectory(Path.of("/sys/class/net", device));
    }

    private static String sysfs(String device, String attribute) throws Exception {
        return Files.readString(Path.of("/sys/class/net", device, attribute)).trim();
    }
}
