package org.tapbridge.deb;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A fresh directory that dpkg treats as a whole system: {@code dpkg --root=DIR} reads and writes DIR's
 * status database, and {@code --force-script-chrootless} runs the maintainer scripts on the host with
 * {@code DPKG_ROOT=DIR} instead of chroot(2)ing into a DIR that has no shell. Dependencies are not
 * checked ({@code --force-depends}): DIR has no packages, so a Java runtime cannot be "installed" there.
 *
 * <pre>
 *   DIR/etc/{passwd,group,shadow,gshadow}   root only; postinst's useradd adds tapbridge here
 *   DIR/var/lib/dpkg/{status,info,updates}  an empty dpkg database
 *   DIR/var/log/dpkg.log                    dpkg's log (--log), so the host's stays untouched
 * </pre>
 */
final class ThrowawayRoot implements AutoCloseable {
    final Path dir;

    ThrowawayRoot() throws IOException {
        dir = Files.createTempDirectory("tbdb-root").toRealPath();
        // The one promise that matters: nothing here may ever point dpkg at the machine itself.
        assertTrue(dir.getNameCount() >= 2 && dir.getFileName().toString().startsWith("tbdb-root"), dir.toString());
        Files.createDirectories(dir.resolve("var/lib/dpkg/info"));
        Files.createDirectories(dir.resolve("var/lib/dpkg/updates"));
        Files.createDirectories(dir.resolve("var/log"));
        Files.createFile(dir.resolve("var/lib/dpkg/status"));
        Files.createDirectories(dir.resolve("etc"));
        Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(dir.resolve("etc/group"), "root:x:0:\n");
        Files.writeString(dir.resolve("etc/shadow"), "root:*:20000:0:99999:7:::\n");
        Files.writeString(dir.resolve("etc/gshadow"), "root:*::\n");
        Files.setPosixFilePermissions(dir.resolve("etc/shadow"), PosixFilePermissions.fromString("rw-r-----"));
        Files.setPosixFilePermissions(dir.resolve("etc/gshadow"), PosixFilePermissions.fromString("rw-r-----"));
    }

    Path path(String absolute) {
        return dir.resolve(absolute.replaceFirst("^/+", ""));
    }

    /** dpkg ARGS on this root only; fails the test, with dpkg's output, unless it exits 0. */
    String dpkg(String... args) {
        List<String> cmd = new ArrayList<>(List.of("dpkg", "--root=" + dir, "--log=" + path("/var/log/dpkg.log"),
                "--force-script-chrootless", "--force-depends"));
        cmd.addAll(List.of(args));
        // An inherited DPKG_ROOT or DPKG_ADMINDIR would take precedence over --root.
        Commands.Result r = Commands.exec(nullEnv("DPKG_ROOT", "DPKG_ADMINDIR"), cmd.toArray(new String[0]));
        if (r.exitCode() != 0) {
            throw new AssertionError(String.join(" ", cmd) + ": " + r.both());
        }
        return r.stdout() + r.stderr();
    }

    /** The package's state in this root's database, e.g. "install ok installed", or "" when unknown. */
    String status(String pkg) {
        Commands.Result r = Commands.exec(nullEnv("DPKG_ROOT", "DPKG_ADMINDIR"), "dpkg-query", "--root=" + dir,
                "--show", "--showformat=${Status}", pkg);
        return r.exitCode() == 0 ? r.stdout().strip() : "";
    }

    private static Map<String, String> nullEnv(String... names) {
        java.util.HashMap<String, String> env = new java.util.HashMap<>();
        for (String n : names) {
            env.put(n, null);
        }
        return env;
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
