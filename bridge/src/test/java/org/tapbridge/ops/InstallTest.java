package org.tapbridge.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * install.sh into a temporary --root, never the real system. The jar is a stand-in unless the build
 * produced one (this test runs before packaging): install.sh copies it as an opaque file either way.
 */
class InstallTest {
    private Path root;
    private Path inputs;

    @BeforeEach
    void temporaryRoot() throws IOException {
        Privileges.requireNetworkAdmin(); // install.sh insists on root
        root = Files.createTempDirectory("tb-install-root");
        inputs = Files.createTempDirectory("tb-install-inputs");
    }

    @AfterEach
    void removeRoot() throws IOException {
        for (Path dir : new Path[] {root, inputs}) {
            if (dir != null) {
                try (Stream<Path> all = Files.walk(dir)) {
                    for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
    }

    /** The launcher and jar to install: the real ones when present, else stand-ins. */
    static List<String> artifactArgs(Path inputs) throws IOException {
        List<String> args = new ArrayList<>();
        Path jar = Repo.root().resolve("bridge/target/tapbridge.jar");
        if (!Files.isRegularFile(jar)) {
            jar = Files.writeString(inputs.resolve("tapbridge.jar"), "stand-in jar\n");
        }
        Path launcher = Repo.root().resolve("scripts/tapbridge");
        if (!Files.isRegularFile(launcher)) {
            launcher = Files.writeString(inputs.resolve("tapbridge"), "#!/bin/sh\nexit 1\n");
        }
        args.addAll(List.of("--jar", jar.toString(), "--launcher", launcher.toString()));
        return args;
    }

    private Shell.Result install(String... more) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Repo.path("scripts/install.sh"), "--root", root.toString()));
        cmd.addAll(artifactArgs(inputs));
        cmd.addAll(List.of(more));
        return Shell.exec(60, cmd.toArray(new String[0]));
    }

    private static Shell.Result ok(Shell.Result r) {
        if (!r.ok()) {
            fail("install.sh exited " + r.exitCode() + "\nstdout: " + r.stdout() + "\nstderr: " + r.stderr());
        }
        return r;
    }

    /** Every file and directory under the root with its mode, size and modification time. */
    private TreeMap<String, String> tree() {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                out.put("/" + root.relativize(p), PosixFilePermissions.toString(Files.getPosixFilePermissions(p))
                        + (Files.isRegularFile(p) ? " " + Files.size(p) + " " + Files.getLastModifiedTime(p) : "/"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private List<String> regularFiles() throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(Files::isRegularFile).map(p -> "/" + root.relativize(p)).sorted().toList();
        }
    }

    @Test
    void installsTwiceWithoutChangesAndUninstallsEverything() throws IOException {
        ok(install());
        assertEquals(List.of("/etc/tapbridge/example.bridge", "/etc/tapbridge/example.toml",
                "/usr/local/bin/tapbridge", "/usr/local/lib/systemd/system/tapbridge-setup@.service",
                "/usr/local/lib/systemd/system/tapbridge@.service", "/usr/local/lib/tapbridge/setup-bridge.sh",
                "/usr/local/lib/tapbridge/tapbridge.jar"), regularFiles());
        TreeMap<String, String> first = tree();
        assertTrue(first.get("/etc/tapbridge").startsWith("rwxr-x---"), first.get("/etc/tapbridge"));
        assertTrue(first.get("/usr/local/bin/tapbridge").startsWith("rwxr-xr-x"));
        assertTrue(first.get("/usr/local/lib/tapbridge/setup-bridge.sh").startsWith("rwxr-xr-x"));
        assertTrue(first.get("/etc/tapbridge/example.toml").startsWith("rw-r-----"));
        assertEquals(Files.readString(Repo.root().resolve("systemd/tapbridge@.service")),
                Files.readString(root.resolve("usr/local/lib/systemd/system/tapbridge@.service")));

        Shell.Result again = ok(install());
        assertTrue(again.stdout().contains("nothing to change"), again.stdout());
        assertEquals(first, tree(), "a second run touches no file");

        Shell.Result gone = ok(install("--uninstall"));
        assertTrue(gone.stdout().contains("removed /usr/local/lib/tapbridge/tapbridge.jar"), gone.stdout());
        assertEquals(List.of(), regularFiles(), "every installed file is removed");
        assertTrue(ok(install("--uninstall")).stdout().contains("nothing to change"));
    }

    @Test
    void uninstallKeepsWhatTheOperatorWrote() throws IOException {
        ok(install());
        Path site = root.resolve("etc/tapbridge/site-a.toml");
        Files.writeString(site, "[site]\nname = \"site-a\"\n");
        Path example = root.resolve("etc/tapbridge/example.toml");
        Files.writeString(example, Files.readString(example) + "# edited\n");

        Shell.Result again = ok(install());
        assertTrue(again.stdout().contains("kept /etc/tapbridge/example.toml"), again.stdout());
        assertTrue(Files.readString(example).endsWith("# edited\n"), "install never overwrites an edited config");

        Shell.Result gone = ok(install("--uninstall"));
        assertTrue(gone.stdout().contains("kept /etc/tapbridge"), gone.stdout());
        assertEquals(List.of("/etc/tapbridge/example.toml", "/etc/tapbridge/site-a.toml"), regularFiles());
    }

    @Test
    void refusesWithoutAJarAndSaysHowToBuildIt() {
        Shell.Result r = Shell.exec(60, Repo.path("scripts/install.sh"), "--root", root.toString(),
                "--jar", root.resolve("missing.jar").toString());
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains("missing.jar not found: build it first (mvn -B -pl bridge -am package)"),
                r.stderr());
    }
}
