package org.tapbridge.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * Opens persistent TAPs from a child JVM running as an unprivileged user (root may always attach, so the
 * ownership rules can only be seen from another uid). The classpath is copied where that user can read it.
 *
 * <p>Some hosts (this one) ship /dev/net/tun as 0600; most ship 0666. So that the test does not depend on
 * it, the child opens a private node of the same character device (10:200) made with the mode we need.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TapPermissionsTest {
    private static final int OWNER_UID = 65534; // nobody
    private static final int STRANGER_UID = 65533; // an unused uid: not the owner, no capabilities

    private static Path classpathCopy;
    private static Path openCloneDevice;
    private static Path rootOnlyCloneDevice;
    private static String childClasspath;
    private final List<String> devicesToDelete = new ArrayList<>();

    @BeforeAll
    static void copyTheClasspathWhereAnyUserCanReadIt() throws IOException {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("setpriv", "util-linux");
        classpathCopy = Files.createTempDirectory("tbt-tap-cp");
        List<String> entries = new ArrayList<>();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        int n = 0;
        for (String entry : classpath.split(File.pathSeparator)) {
            Path source = Path.of(entry);
            String fileName = source.getFileName() == null ? "" : source.getFileName().toString();
            boolean needed = Files.isDirectory(source) || fileName.startsWith("jnr-") || fileName.startsWith("jffi")
                    || fileName.startsWith("asm");
            if (entry.isEmpty() || !Files.exists(source) || !needed) {
                continue;
            }
            Path target = classpathCopy.resolve((n++) + "-" + fileName);
            copyTree(source, target);
            entries.add(target.toString());
        }
        childClasspath = String.join(File.pathSeparator, entries);
        openCloneDevice = classpathCopy.resolve("tun");
        rootOnlyCloneDevice = classpathCopy.resolve("tun-root-only");
        Shell.run("mknod", "-m", "666", openCloneDevice.toString(), "c", "10", "200");
        Shell.run("mknod", "-m", "600", rootOnlyCloneDevice.toString(), "c", "10", "200");
        try (Stream<Path> all = Files.walk(classpathCopy)) {
            all.forEach(p -> {
                try {
                    if (p.equals(openCloneDevice) || p.equals(rootOnlyCloneDevice)) {
                        return;
                    }
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                            Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    @AfterAll
    static void deleteTheCopy() throws IOException {
        if (classpathCopy == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(classpathCopy)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @BeforeEach
    void requireRoot() {
        Privileges.requireNetworkAdmin();
    }

    @AfterEach
    void deleteDevices() {
        for (String device : devicesToDelete) {
            Shell.quiet("ip", "link", "del", device);
        }
    }

    @Test
    void anotherUsersTapIsRefusedAsNotTheOwner() {
        String name = persistentTapOwnedBy(OWNER_UID);
        Shell.Result r = openAs(STRANGER_UID, name, 0, false);
        assertEquals(3, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().startsWith("ioctl(TUNSETIFF) on " + name + ": Operation not permitted (EPERM)."
                + " not the owner: " + name + " belongs to uid " + OWNER_UID + ", this process runs as uid "
                + STRANGER_UID + " without CAP_NET_ADMIN."), r.stdout() + r.stderr());
        assertTrue(LinuxTapDeviceTest.exists(name), "the device must be left alone");
    }

    @Test
    void theOwnerAttachesWithoutAnyPrivilege() {
        String name = persistentTapOwnedBy(OWNER_UID);
        Shell.Result r = openAs(OWNER_UID, name, 0, false);
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().startsWith("attached " + name + " "), r.stdout());
        assertTrue(r.stdout().contains("createdByUs=false"), r.stdout());
    }

    @Test
    void theOwnerUsesADevicePreparedUpWithTheRightMtuWithoutPrivilege() {
        String name = persistentTapOwnedBy(OWNER_UID);
        Shell.run("ip", "link", "set", "dev", name, "mtu", "1400", "up"); // what setup-bridge.sh does
        Shell.Result r = openAs(OWNER_UID, name, 1400, true);
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("mtu=1400"), r.stdout());
    }

    @Test
    void theOwnerIsToldHowToPrepareAMtuItMayNotSet() {
        String name = persistentTapOwnedBy(OWNER_UID);
        Shell.Result r = openAs(OWNER_UID, name, 1400, false);
        assertEquals(3, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().startsWith("ioctl(SIOCSIFMTU) on " + name + ": Operation not permitted (EPERM)."),
                r.stdout());
        assertTrue(r.stdout().contains("'ip link set dev " + name + " mtu 1400'"), r.stdout());
    }

    @Test
    void anUnprivilegedUserCannotCreateATapAndIsToldWhy() {
        String name = Netns.deviceName("q");
        devicesToDelete.add(name);
        Shell.Result r = openAs(STRANGER_UID, name, 0, false);
        assertEquals(3, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().startsWith("ioctl(TUNSETIFF) on " + name + ": Operation not permitted (EPERM). creating TAP "
                + name + " needs CAP_NET_ADMIN, which this process (uid " + STRANGER_UID + ") does not have."),
                r.stdout());
        assertTrue(!LinuxTapDeviceTest.exists(name));
    }

    private String persistentTapOwnedBy(int uid) {
        String name = Netns.deviceName("o");
        devicesToDelete.add(name);
        Shell.run("ip", "tuntap", "add", "dev", name, "mode", "tap", "user", Integer.toString(uid));
        return name;
    }

    @Test
    void aCloneDeviceThisUserMayNotOpenIsExplained() {
        String name = Netns.deviceName("a");
        devicesToDelete.add(name);
        Shell.Result r = openAs(STRANGER_UID, name, 0, false, rootOnlyCloneDevice);
        assertEquals(3, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().startsWith("open(" + rootOnlyCloneDevice + ") on " + name
                + ": Permission denied (EACCES). this process may not open " + rootOnlyCloneDevice + " (uid "
                + STRANGER_UID + ")."), r.stdout());
    }

    private static Shell.Result openAs(int uid, String name, int mtu, boolean bringUp) {
        return openAs(uid, name, mtu, bringUp, openCloneDevice);
    }

    private static Shell.Result openAs(int uid, String name, int mtu, boolean bringUp, Path cloneDevice) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return Shell.exec(60, "setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--",
                java, "-Xshare:auto", "-Djava.io.tmpdir=/tmp", "-cp", childClasspath,
                TapOpenProbe.class.getName(), name, Integer.toString(mtu), Boolean.toString(bringUp),
                cloneDevice.toString());
    }

    private static void copyTree(Path source, Path target) throws IOException {
        if (!Files.isDirectory(source)) {
            Files.copy(source, target);
            return;
        }
        try (Stream<Path> all = Files.walk(source)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path t = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
