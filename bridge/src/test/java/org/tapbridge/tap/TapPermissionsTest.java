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

    @Test
    void theOwnerAttachesWithVnetHeadersAndOffloadsToATapMadeWithoutThem() throws Exception {
        String name = persistentTapOwnedBy(OWNER_UID); // the command setup-bridge.sh runs: no vnet_hdr
        assertEquals("0x1802", tunFlags(name), "IFF_TAP|IFF_NO_PI|IFF_PERSIST, no IFF_VNET_HDR");
        Shell.Result r = openAs(OWNER_UID, name, 0, false, openCloneDevice, TapOffloads.DEFAULT);
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains(" vnet=12 offloads=0x6f (vnet header 12 B (virtio_net_hdr_v1), offloads csum"
                + " tso4 tso6 tso-ecn uso4 uso6)"), r.stdout());
        // The kernel took the flags from the attach and leaves them until the next one...
        assertEquals("0x5802", tunFlags(name), "IFF_VNET_HDR added by an unprivileged attach");
        // ...which, without a vnet header, takes them away again.
        Shell.Result plain = openAs(OWNER_UID, name, 0, false);
        assertEquals(0, plain.exitCode(), plain.stdout() + plain.stderr());
        assertEquals("0x1802", tunFlags(name));
    }

    @Test
    void aStrangerAskingForOffloadsIsStillRefusedAsNotTheOwner() throws IOException {
        String name = persistentTapOwnedBy(OWNER_UID);
        Shell.Result r = openAs(STRANGER_UID, name, 0, false, openCloneDevice, TapOffloads.DEFAULT);
        assertEquals(3, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().startsWith("ioctl(TUNSETIFF) on " + name + ": Operation not permitted (EPERM)."
                + " not the owner"), r.stdout());
        assertEquals("0x1802", tunFlags(name), "a refused attach changes nothing");
    }

    @Test
    void aTapThatSetupBridgeMadeForNobodyTakesOffloadsFromNobodyInItsNamespace() throws Exception {
        Privileges.requireCommand("jq", "jq");
        try (Netns gw = Netns.createWithPrefix("off", "gw"); Netns lan = Netns.createWithPrefix("off", "lan")) {
            lan.vethTo(gw, "eth0", "lan0");
            Path state = Files.createTempDirectory("off-setup-state");
            try {
                Shell.Result setup = gw.exec(60, setupBridgeScript(), "--lan-if", "lan0", "--bridge",
                        "br0", "--tap", "tap0", "--user", "nobody", "--state-dir", state.toString());
                assertEquals(0, setup.exitCode(), setup.stdout() + setup.stderr());
                assertEquals("0x1802", gw.run("cat", "/sys/class/net/tap0/tun_flags").trim());
                Shell.Result r = Shell.exec(60, gw.inside(probeAs(OWNER_UID, "tap0", 0, false, openCloneDevice,
                        TapOffloads.DEFAULT)));
                assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
                assertTrue(r.stdout().contains("createdByUs=false vnet=12 offloads=0x6f"), r.stdout());
                assertEquals("0x5802", gw.run("cat", "/sys/class/net/tap0/tun_flags").trim());
                // The daemon as it runs today, without offloads, attaches as before, and as nobody switches off
                // the offloads the previous attach left on the device.
                Shell.Result plain = Shell.exec(60, gw.inside(probeAs(OWNER_UID, "tap0", 0, true, openCloneDevice, -1)));
                assertEquals(0, plain.exitCode(), plain.stdout() + plain.stderr());
                assertTrue(plain.stdout().contains("createdByUs=false refusals=[]"), plain.stdout());
                assertEquals("0x1802", gw.run("cat", "/sys/class/net/tap0/tun_flags").trim());
            } finally {
                try (Stream<Path> all = Files.walk(state)) {
                    all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** scripts/setup-bridge.sh of this checkout (surefire sets TAPBRIDGE_REPO_ROOT; else walk up). */
    private static String setupBridgeScript() {
        String env = System.getenv("TAPBRIDGE_REPO_ROOT");
        for (Path p = env != null ? Path.of(env) : Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path script = p.resolve("scripts/setup-bridge.sh");
            if (Files.isRegularFile(script)) {
                return script.toString();
            }
        }
        throw new IllegalStateException("cannot find scripts/setup-bridge.sh: set TAPBRIDGE_REPO_ROOT");
    }

    private static String tunFlags(String device) throws IOException {
        return Files.readString(Path.of("/sys/class/net", device, "tun_flags")).trim();
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
        return openAs(uid, name, mtu, bringUp, cloneDevice, -1);
    }

    /** {@code offloads} -1 for a plain open, otherwise a vnet header and these offloads. */
    private static Shell.Result openAs(int uid, String name, int mtu, boolean bringUp, Path cloneDevice,
            int offloads) {
        return Shell.exec(60, probeAs(uid, name, mtu, bringUp, cloneDevice, offloads));
    }

    private static String[] probeAs(int uid, String name, int mtu, boolean bringUp, Path cloneDevice, int offloads) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid,
                "--clear-groups", "--", java, "-Xshare:auto", "-Djava.io.tmpdir=/tmp", "-cp", childClasspath,
                TapOpenProbe.class.getName(), name, Integer.toString(mtu), Boolean.toString(bringUp),
                cloneDevice.toString()));
        if (offloads >= 0) {
            command.add(Integer.toHexString(offloads));
        }
        return command.toArray(new String[0]);
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
