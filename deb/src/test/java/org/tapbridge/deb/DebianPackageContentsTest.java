package org.tapbridge.deb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the built .deb holds, read with dpkg-deb alone (nothing is installed): control fields, file
 * list with modes and owners, conffiles, maintainer scripts, and that every shipped file is the
 * repository's own, byte for byte.
 */
class DebianPackageContentsTest {
    /** Regular files the package ships, and their mode and owner in the archive. */
    static final Map<String, String> FILES = new TreeMap<>(Map.of(
            "/usr/bin/tapbridge", "-rwxr-xr-x root/root",
            "/usr/share/tapbridge/tapbridge.jar", "-rw-r--r-- root/root",
            "/usr/lib/tapbridge/setup-bridge.sh", "-rwxr-xr-x root/root",
            "/lib/systemd/system/tapbridge@.service", "-rw-r--r-- root/root",
            "/lib/systemd/system/tapbridge-setup@.service", "-rw-r--r-- root/root",
            "/lib/systemd/system/tapbridge@.service.d/package-paths.conf", "-rw-r--r-- root/root",
            "/lib/systemd/system/tapbridge-setup@.service.d/package-paths.conf", "-rw-r--r-- root/root",
            "/etc/tapbridge/example.toml", "-rw-r--r-- root/root",
            "/etc/tapbridge/example.bridge", "-rw-r--r-- root/root",
            "/usr/share/doc/tapbridge/copyright", "-rw-r--r-- root/root"));

    /** Shipped file to its source in the repository (the rest are checked on their own). */
    static final Map<String, String> SOURCES = Map.of(
            "/usr/bin/tapbridge", "scripts/tapbridge",
            "/usr/share/tapbridge/tapbridge.jar", "bridge/target/tapbridge.jar",
            "/usr/lib/tapbridge/setup-bridge.sh", "scripts/setup-bridge.sh",
            "/lib/systemd/system/tapbridge@.service", "systemd/tapbridge@.service",
            "/lib/systemd/system/tapbridge-setup@.service", "systemd/tapbridge-setup@.service",
            "/etc/tapbridge/example.toml", "packaging/example.toml",
            "/etc/tapbridge/example.bridge", "packaging/example.bridge",
            "/usr/share/doc/tapbridge/copyright", "deb/src/deb/copyright");

    private static final List<String> SCRIPTS = List.of("postinst", "prerm", "postrm");

    private static Path extracted;
    private static Path control;

    @BeforeAll
    static void extract() throws IOException {
        Commands.requireCommand("dpkg-deb", "dpkg");
        extracted = Files.createTempDirectory("tbdb-data");
        control = Files.createTempDirectory("tbdb-control");
        Commands.run("dpkg-deb", "-x", BuiltPackage.deb().toString(), extracted.toString());
        Files.delete(control); // dpkg-deb -e makes the directory itself
        Commands.run("dpkg-deb", "-e", BuiltPackage.deb().toString(), control.toString());
    }

    @AfterAll
    static void removeExtracted() throws IOException {
        for (Path dir : new Path[] {extracted, control}) {
            if (dir != null && Files.exists(dir)) {
                try (Stream<Path> all = Files.walk(dir)) {
                    for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
    }

    @Test
    void isNamedAfterTheDebianFormOfTheMavenVersion() {
        String fileName = BuiltPackage.deb().getFileName().toString();
        assertTrue(fileName.matches("tapbridge_[0-9][A-Za-z0-9.+~]*_all\\.deb"), fileName);
        assertEquals(BuiltPackage.debianVersion(), field("Version"));
        // The reason for '~': a snapshot must be older than its release, or apt would never upgrade to it.
        String release = BuiltPackage.debianVersion().replaceFirst("~.*$", "");
        if (!release.equals(BuiltPackage.debianVersion())) {
            assertEquals(0, Commands.exec("dpkg", "--compare-versions", BuiltPackage.debianVersion(), "lt", release).exitCode());
        }
    }

    @Test
    void controlFieldsNameTheRuntimeAndTheToolsTheScriptsUse() {
        assertEquals("tapbridge", field("Package"));
        assertEquals("all", field("Architecture"));
        assertEquals("net", field("Section"));
        List<String> depends = List.of(field("Depends").split(",\\s*"));
        assertEquals(List.of("default-jre-headless (>= 2:1.17) | java17-runtime-headless", "iproute2", "jq", "passwd"),
                depends);
        assertEquals("bridge-utils", field("Recommends"));
        assertTrue(field("Maintainer").matches(".+ <[^@ ]+@[^@ ]+>"), field("Maintainer"));
        assertTrue(Integer.parseInt(field("Installed-Size")) > 1000, "Installed-Size in KiB: " + field("Installed-Size"));
    }

    @Test
    void holdsExactlyTheJarLauncherUnitsExamplesAndCopyrightWithTheirModes() {
        Map<String, String> files = new TreeMap<>();
        for (String line : Commands.run("dpkg-deb", "-c", BuiltPackage.deb().toString()).split("\n")) {
            // -rwxr-xr-x root/root      1702 2026-11-30 14:42 ./usr/bin/tapbridge
            String[] f = line.trim().split("\\s+", 6);
            if (f.length == 6 && f[0].startsWith("-")) {
                files.put(f[5].substring(1), f[0] + " " + f[1]);
            }
        }
        assertEquals(FILES, files);
    }

    @Test
    void shipsTheRepositorysFilesByteForByte() throws IOException {
        for (Map.Entry<String, String> e : SOURCES.entrySet()) {
            assertArrayEquals(Files.readAllBytes(BuiltPackage.repo().resolve(e.getValue())),
                    Files.readAllBytes(extracted.resolve(e.getKey().substring(1))), e.getKey() + " differs from " + e.getValue());
        }
    }

    @Test
    void marksTheExampleConfigurationsAsConffiles() throws IOException {
        assertEquals(List.of("/etc/tapbridge/example.bridge", "/etc/tapbridge/example.toml"),
                Files.readAllLines(control.resolve("conffiles")).stream().map(String::strip).sorted().toList());
    }

    @Test
    void maintainerScriptsAreTheRepositorysUnfilteredAndPassShellcheck() throws IOException {
        Commands.requireCommand("shellcheck", "shellcheck");
        for (String script : SCRIPTS) {
            Path shipped = control.resolve(script);
            // jdeb substitutes [[tokens]] in maintainer scripts: none may have been touched.
            assertArrayEquals(Files.readAllBytes(BuiltPackage.repo().resolve("deb/src/deb/control/" + script)),
                    Files.readAllBytes(shipped), script + " changed on its way into the package");
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(shipped)), script);
            assertTrue(Files.readString(shipped).startsWith("#!/bin/sh\n"), script + " must be a POSIX sh script");
            Commands.run("sh", "-n", shipped.toString());
            Commands.Result lint = Commands.exec("shellcheck", "--shell=sh", "--severity=style", shipped.toString());
            assertEquals(0, lint.exitCode(), script + ": " + lint.both());
        }
        assertEquals(List.of("conffiles", "control", "md5sums", "postinst", "postrm", "prerm"),
                listNames(control));
    }

    @Test
    void shellcheckWouldReportAnUnquotedDpkgRoot() throws IOException {
        // Shows that the lint above can fail on the mistake it is there for.
        Commands.requireCommand("shellcheck", "shellcheck");
        Path bad = Files.createTempFile("tbdb-lint", ".sh");
        try {
            Files.writeString(bad, "#!/bin/sh\nrm -rf $DPKG_ROOT/etc/tapbridge\n");
            assertEquals(1, Commands.exec("shellcheck", "--shell=sh", bad.toString()).exitCode());
        } finally {
            Files.delete(bad);
        }
    }

    /**
     * The units in systemd/ run install.sh's /usr/local paths; each packaged drop-in must replace every
     * such command with its /usr twin and nothing else, so that a command added to a unit later (an
     * ExecReload=, say) cannot be forgotten here. systemd-analyze verify, in the install test, then
     * checks that the programs exist where the effective commands say.
     */
    @Test
    void dropInsMoveEveryUsrLocalCommandOfTheUnitsToUsr() throws IOException {
        for (String unit : List.of("tapbridge@.service", "tapbridge-setup@.service")) {
            List<String> unitLines = meaningfulLines(BuiltPackage.repo().resolve("systemd/" + unit));
            Map<String, List<String>> moved = new LinkedHashMap<>();
            for (String line : unitLines) {
                if (!line.contains("/usr/local/")) {
                    continue;
                }
                String key = line.substring(0, line.indexOf('='));
                assertTrue(key.startsWith("Exec"), unit + ": /usr/local outside a command: " + line);
                moved.computeIfAbsent(key, k -> new ArrayList<>()).add(line.substring(key.length() + 1)
                        .replace("/usr/local/bin/", "/usr/bin/").replace("/usr/local/lib/tapbridge/", "/usr/lib/tapbridge/"));
            }
            assertTrue(!moved.isEmpty(), unit + " no longer names /usr/local: the drop-in can go");
            List<String> expected = new ArrayList<>(List.of("[Service]"));
            moved.forEach((key, values) -> {
                expected.add(key + "=");
                values.forEach(v -> expected.add(key + "=" + v));
            });
            Path dropIn = extracted.resolve("lib/systemd/system/" + unit + ".d/package-paths.conf");
            List<String> actual = meaningfulLines(dropIn);
            assertEquals(expected, actual, dropIn.toString());
            assertTrue(actual.stream().noneMatch(l -> l.contains("/usr/local")), actual.toString());
        }
    }

    private static List<String> meaningfulLines(Path file) throws IOException {
        return Files.readAllLines(file).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#") && !l.startsWith(";")).toList();
    }

    private static List<String> listNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String field(String name) {
        return Commands.run("dpkg-deb", "-f", BuiltPackage.deb().toString(), name).strip();
    }
}
