package org.tapbridge.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Installs, reinstalls, removes and purges the .deb in a {@link ThrowawayRoot}, never on this machine:
 * files land with their modes, postinst makes the tapbridge user in that root's /etc/passwd and locks
 * down /etc/tapbridge, the installed launcher finds the installed jar, systemd accepts the installed
 * units, {@code dpkg -r} keeps /etc/tapbridge and {@code dpkg -P} deletes it.
 */
class DebianPackageInstallTest {
    private ThrowawayRoot root;
    private String hostUserBefore;
    private String hostStatusBefore;

    @BeforeEach
    void freshRoot() throws IOException {
        Commands.requireRoot();
        for (String[] tool : new String[][] {{"dpkg", "dpkg"}, {"dpkg-query", "dpkg"}, {"useradd", "passwd"}}) {
            Commands.requireCommand(tool[0], tool[1]);
        }
        hostUserBefore = hostUser();
        hostStatusBefore = hostStatus();
        root = new ThrowawayRoot();
    }

    @AfterEach
    void removeRootAndCheckTheHost() throws IOException {
        if (root != null) {
            root.close();
            assertEquals(hostUserBefore, hostUser(), "the host's tapbridge user changed");
            assertEquals(hostStatusBefore, hostStatus(), "the host's dpkg database changed");
        }
    }

    @Test
    void installLaysOutTheFilesAndCreatesTheSystemUser() throws IOException {
        root.dpkg("--install", BuiltPackage.deb().toString());
        assertEquals("install ok installed", root.status("tapbridge"));
        for (Map.Entry<String, String> e : DebianPackageContentsTest.FILES.entrySet()) {
            Path p = root.path(e.getKey());
            assertTrue(Files.isRegularFile(p), e.getKey());
            assertEquals(e.getValue().substring(1, 10), PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), e.getKey());
        }
        // dpkg's own check of every file against the package's md5sums.
        assertEquals("", root.dpkg("--verify", "tapbridge").strip());

        String[] user = passwdEntry();
        assertEquals(7, user.length, String.join(":", user));
        int uid = Integer.parseInt(user[2]);
        assertTrue(uid > 0 && uid < 1000, "a system uid: " + uid);
        assertEquals("/nonexistent", user[5]);
        assertEquals("/usr/sbin/nologin", user[6]);
        int gid = Integer.parseInt(user[3]);
        assertEquals("tapbridge:x:" + gid + ":", groupLine());

        // /etc/tapbridge holds private keys: root's, readable by the daemon's group only.
        Path etc = root.path("/etc/tapbridge");
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(etc)));
        assertEquals(0, Files.getAttribute(etc, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(gid, Files.getAttribute(etc, "unix:gid", LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void installedLauncherRunsTheInstalledJar() {
        Commands.requireCommand("java", "default-jre-headless");
        root.dpkg("--install", BuiltPackage.deb().toString());
        Map<String, String> env = new HashMap<>();
        env.put("TAPBRIDGE_JAR", null); // the launcher must find the jar on its own, as on a gateway
        Commands.Result r = Commands.exec(env, root.path("/usr/bin/tapbridge").toString(), "--version");
        assertEquals(0, r.exitCode(), r.both());
        assertTrue(r.stdout().startsWith("tapbridge"), r.both());
        // And fails, naming the jar, when the jar is not where the package put it.
        Commands.run("rm", root.path("/usr/share/tapbridge/tapbridge.jar").toString());
        Commands.Result gone = Commands.exec(env, root.path("/usr/bin/tapbridge").toString(), "--version");
        assertEquals(1, gone.exitCode(), gone.both());
        assertTrue(gone.stderr().contains("cannot find tapbridge.jar"), gone.both());
    }

    @Test
    void systemdAcceptsTheInstalledUnitsWithTheirDropIns() {
        Commands.requireCommand("systemd-analyze", "systemd");
        root.dpkg("--install", BuiltPackage.deb().toString());
        // Our units order themselves after network-online.target and friends: verify needs the
        // distribution's units in the same root.
        Commands.run("mkdir", "-p", root.path("/usr/lib/systemd").toString());
        Commands.run("cp", "-r", "/usr/lib/systemd/system", root.path("/usr/lib/systemd/").toString());
        Commands.Result r = Commands.exec("systemd-analyze", "verify", "--man=no", "--root=" + root.dir,
                "tapbridge@site1.service", "tapbridge-setup@site1.service");
        assertEquals(0, r.exitCode(), r.both());
        assertEquals("", (r.stdout() + r.stderr()).strip(), "verify reported something");

        // Shows that verify would catch a command whose program is missing, as without the drop-ins.
        Commands.run("rm", "-r", root.path("/lib/systemd/system/tapbridge@.service.d").toString());
        Commands.Result without = Commands.exec("systemd-analyze", "verify", "--man=no", "--root=" + root.dir,
                "tapbridge@site1.service");
        assertTrue((without.stdout() + without.stderr()).contains("/usr/local/bin/tapbridge is not executable"), without.both());
    }

    @Test
    void reinstallKeepsOneUserAndTheOperatorsEdits() throws IOException {
        root.dpkg("--install", BuiltPackage.deb().toString());
        String firstUser = String.join(":", passwdEntry());
        Path example = root.path("/etc/tapbridge/example.toml");
        Files.writeString(example, Files.readString(example) + "# edited by the operator\n");
        root.dpkg("--install", BuiltPackage.deb().toString());
        assertEquals("install ok installed", root.status("tapbridge"));
        assertEquals(firstUser, String.join(":", passwdEntry()));
        assertEquals(1, Files.readAllLines(root.path("/etc/passwd")).stream().filter(l -> l.startsWith("tapbridge:")).count());
        assertTrue(Files.readString(example).endsWith("# edited by the operator\n"), "dpkg replaced an edited conffile");
    }

    @Test
    void removeKeepsTheConfigurationAndPurgeDeletesIt() throws IOException {
        root.dpkg("--install", BuiltPackage.deb().toString());
        // What an operator adds: a site, a key, and `systemctl enable tapbridge@paris`.
        Files.writeString(root.path("/etc/tapbridge/paris.toml"), "[site]\nname = \"paris\"\n");
        Files.writeString(root.path("/etc/tapbridge/paris.key"), "not a real key\n");
        Path wants = root.path("/etc/systemd/system/multi-user.target.wants");
        Files.createDirectories(wants);
        Path link = wants.resolve("tapbridge@paris.service");
        Files.createSymbolicLink(link, Path.of("/lib/systemd/system/tapbridge@.service"));
        Path otherLink = wants.resolve("ssh.service");
        Files.createSymbolicLink(otherLink, Path.of("/lib/systemd/system/ssh.service"));

        root.dpkg("--remove", "tapbridge");
        assertEquals("deinstall ok config-files", root.status("tapbridge"));
        for (String gone : List.of("/usr/bin/tapbridge", "/usr/lib/tapbridge", "/usr/share/tapbridge", "/lib/systemd/system/tapbridge@.service",
                "/lib/systemd/system/tapbridge-setup@.service.d", "/usr/share/doc/tapbridge")) {
            assertFalse(Files.exists(root.path(gone), LinkOption.NOFOLLOW_LINKS), gone + " survived dpkg -r");
        }
        for (String kept : List.of("example.toml", "example.bridge", "paris.toml", "paris.key")) {
            assertTrue(Files.isRegularFile(root.path("/etc/tapbridge/" + kept)), kept + " lost on dpkg -r");
        }
        assertTrue(Files.isSymbolicLink(link), "dpkg -r dropped the enablement: a reinstall should resume it");

        root.dpkg("--purge", "tapbridge");
        assertEquals("", root.status("tapbridge"));
        assertFalse(Files.exists(root.path("/etc/tapbridge")), "/etc/tapbridge survived dpkg -P");
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS), "a dangling enablement link survived dpkg -P");
        assertTrue(Files.isSymbolicLink(otherLink), "purge removed another package's link");
        // Kept on purpose (see postrm): files and TAPs may still belong to the uid.
        assertEquals(7, passwdEntry().length);
    }

    /**
     * An upgrade runs the other branches: prerm and postrm with "upgrade", postinst "configure OLD".
     * The newer package is this one repacked under a higher version.
     */
    @Test
    void upgradeKeepsTheUserTheEditsAndTheLockedDirectory() throws IOException {
        String newer = BuiltPackage.debianVersion() + "+tbdb1";
        assertEquals(0, Commands.exec("dpkg", "--compare-versions", newer, "gt", BuiltPackage.debianVersion()).exitCode());
        Path tree = root.path("/repack");
        Commands.run("dpkg-deb", "-R", BuiltPackage.deb().toString(), tree.toString());
        Path controlFile = tree.resolve("DEBIAN/control");
        Files.writeString(controlFile, Files.readString(controlFile).replaceFirst("(?m)^Version: .*$", "Version: " + newer));
        Path newerDeb = root.path("/tapbridge_newer.deb");
        Commands.run("dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "-b", tree.toString(), newerDeb.toString());

        root.dpkg("--install", BuiltPackage.deb().toString());
        String user = String.join(":", passwdEntry());
        Path example = root.path("/etc/tapbridge/example.bridge");
        Files.writeString(example, Files.readString(example) + "LAN_IF=eth1\n");
        Files.writeString(root.path("/etc/tapbridge/paris.key"), "not a real key\n");

        String out = root.dpkg("--install", newerDeb.toString());
        assertTrue(out.contains("Unpacking tapbridge (" + newer + ") over (" + BuiltPackage.debianVersion() + ")"), out);
        assertEquals("install ok installed", root.status("tapbridge"));
        assertEquals(user, String.join(":", passwdEntry()));
        assertTrue(Files.readString(example).endsWith("LAN_IF=eth1\n"), "the upgrade replaced an edited conffile");
        assertTrue(Files.isRegularFile(root.path("/etc/tapbridge/paris.key")));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.path("/etc/tapbridge"))));
    }

    @Test
    void anExistingTapbridgeGroupBecomesTheUsersGroup() throws IOException {
        Files.writeString(root.path("/etc/group"), "root:x:0:\ntapbridge:x:4242:\n");
        Files.writeString(root.path("/etc/gshadow"), "root:*::\ntapbridge:!::\n");
        root.dpkg("--install", BuiltPackage.deb().toString());
        assertEquals("4242", passwdEntry()[3]);
        assertEquals(4242, Files.getAttribute(root.path("/etc/tapbridge"), "unix:gid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(1, Files.readAllLines(root.path("/etc/group")).stream().filter(l -> l.startsWith("tapbridge:")).count());
    }

    /**
     * The branch dpkg takes on a real system (no DPKG_ROOT: getent, plain useradd, dpkg-statoverride),
     * run in a private mount namespace whose /etc is the throwaway root's and whose /run is empty
     * (so systemd looks absent): the script believes it runs on the machine, and the machine is not
     * touched.
     */
    @Test
    void postinstOnARunningSystemCreatesTheUserThroughTheSystemTools() throws IOException {
        Commands.requireCommand("unshare", "util-linux");
        Path control = root.path("/control");
        Commands.run("dpkg-deb", "-e", BuiltPackage.deb().toString(), control.toString());
        Files.createDirectories(root.path("/etc/tapbridge"));
        for (String f : List.of("nsswitch.conf", "login.defs")) {
            if (Files.isRegularFile(Path.of("/etc", f))) {
                Files.copy(Path.of("/etc", f), root.path("/etc/" + f));
            }
        }
        Map<String, String> env = new HashMap<>();
        env.put("DPKG_ROOT", null);
        Commands.Result r = Commands.exec(env, "unshare", "--mount", "--propagation", "private", "sh", "-ec",
                "mount -t tmpfs tbdb-run /run; mount --bind \"$1\" /etc; exec \"$2\" configure ''", "sh",
                root.path("/etc").toString(), control.resolve("postinst").toString());
        assertEquals(0, r.exitCode(), r.both());
        String[] user = passwdEntry();
        assertEquals("/usr/sbin/nologin", user[6]);
        assertEquals(Integer.parseInt(user[3]), Files.getAttribute(root.path("/etc/tapbridge"), "unix:gid", LinkOption.NOFOLLOW_LINKS));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.path("/etc/tapbridge"))));
    }

    private String[] passwdEntry() throws IOException {
        return Files.readAllLines(root.path("/etc/passwd")).stream().filter(l -> l.startsWith("tapbridge:"))
                .findFirst().orElseThrow(() -> new AssertionError("no tapbridge user in the root's /etc/passwd")).split(":", -1);
    }

    private String groupLine() throws IOException {
        return Files.readAllLines(root.path("/etc/group")).stream().filter(l -> l.startsWith("tapbridge:"))
                .findFirst().orElseThrow(() -> new AssertionError("no tapbridge group in the root's /etc/group"));
    }

    /** Read-only looks at the machine itself, to show the tests left it alone. */
    private static String hostUser() {
        return Commands.exec("getent", "passwd", "tapbridge").stdout();
    }

    private static String hostStatus() {
        Map<String, String> env = new HashMap<>();
        env.put("DPKG_ROOT", null);
        env.put("DPKG_ADMINDIR", null);
        Commands.Result r = Commands.exec(env, "dpkg-query", "--show", "--showformat=${Status}", "tapbridge");
        return r.exitCode() + " " + r.stdout();
    }
}
