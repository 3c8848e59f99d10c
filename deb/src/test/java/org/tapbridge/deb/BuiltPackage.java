package org.tapbridge.deb;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the build put the package and the repository it came from (surefire passes both). */
final class BuiltPackage {
    private BuiltPackage() {
    }

    /**
     * Maven's version as Debian orders it: '-' becomes '~', so that 0.1.0-SNAPSHOT sorts before the
     * 0.1.0 release that follows it (a '-' would start a Debian revision instead).
     */
    static String debianVersion() {
        String v = System.getProperty("tapbridge.project.version");
        assertTrue(v != null && !v.isEmpty(), "surefire did not pass tapbridge.project.version");
        return v.replace('-', '~');
    }

    static Path deb() {
        String dir = System.getProperty("tapbridge.deb.dir");
        assertTrue(dir != null, "surefire did not pass tapbridge.deb.dir");
        Path deb = Path.of(dir, "tapbridge_" + debianVersion() + "_all.deb");
        assertTrue(Files.isRegularFile(deb), deb + " is missing: the tests run after jdeb, in `mvn verify`");
        return deb;
    }

    static Path repo() {
        String env = System.getenv("TAPBRIDGE_REPO_ROOT");
        Path root = env != null ? Path.of(env) : Path.of("").toAbsolutePath().getParent();
        assertTrue(Files.isRegularFile(root.resolve("scripts/tapbridge")), "no repository at " + root);
        return root;
    }
}
