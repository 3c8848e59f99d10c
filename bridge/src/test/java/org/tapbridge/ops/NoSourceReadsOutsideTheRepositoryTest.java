package org.tapbridge.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A user's clone has nothing beside it, so no code, script or build file may name a path there. The
 * development machines keep test data and tools in a {@code shared/} directory next to the checkout;
 * a reference to it passes locally and fails (or silently skips) everywhere else. This is the quick
 * textual check; {@code .ci/run} catches every other spelling by running the suite from a copy of the
 * checkout that has nothing beside it. Markdown is documentation, not a dependency, and is not checked.
 */
class NoSourceReadsOutsideTheRepositoryTest {
    /** A path through a directory named {@code shared}: the repository has none of its own. */
    private static final Pattern SHARED_DIRECTORY = Pattern.compile("(?<![\\w.-])shared/");
    /** Climbing out of the repository to a sibling {@code shared}, with or without a trailing slash. */
    private static final Pattern SIBLING_SHARED = Pattern.compile("\\.\\./+shared(?![\\w.-])");

    private static final Set<String> SKIPPED_DIRECTORIES = Set.of("target", ".git", ".idea");

    /** This file states the patterns it forbids, so it is the one file not held to them. */
    private static final String SELF = "bridge/src/test/java/org/tapbridge/ops/NoSourceReadsOutsideTheRepositoryTest.java";

    @Test
    void noSourceScriptOrBuildFileNamesAPathBesideTheRepository() throws IOException {
        Path root = Repo.root();
        assertFalse(Files.exists(root.resolve("shared")),
                "the repository now has a shared/ directory of its own: the rule below must tell it apart");
        List<String> checked = sourceFiles(root);
        for (String must : List.of(SELF, "pom.xml", "bridge/pom.xml", ".ci/run", "scripts/test.sh",
                "bridge/src/test/java/org/tapbridge/crypto/NoiseVectorsTest.java")) {
            assertTrue(checked.contains(must), "the walk of " + root + " missed " + must + ": " + checked.size() + " files");
        }
        List<String> offences = new ArrayList<>();
        for (String relative : checked) {
            if (relative.equals(SELF)) {
                continue;
            }
            List<String> lines = Files.readAllLines(root.resolve(relative), StandardCharsets.ISO_8859_1);
            for (int i = 0; i < lines.size(); i++) {
                if (namesAPathOutside(lines.get(i))) {
                    offences.add(relative + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        assertEquals(List.of(), offences, "files that depend on something outside the repository; vendor it instead");
    }

    @Test
    void theRuleFlagsTheSpellingsThatBrokeClonesAndSparesPathsInsideTheRepository() {
        // The lines that once made NoiseVectorsTest depend on the development machine.
        assertTrue(namesAPathOutside("Path candidate = dir.resolve(\"shared/vectors/cacophony.txt\");"));
        assertTrue(namesAPathOutside(" * {@code $TAPBRIDGE_REPO_ROOT/../shared/vectors/cacophony.txt}"));
        assertTrue(namesAPathOutside("    B=$PWD/../shared/bench"));
        assertTrue(namesAPathOutside("cd ../../shared && ./measure.sh"));
        assertTrue(namesAPathOutside("VECTORS=\"$(dirname \"$0\")/../..//shared\""));
        assertTrue(namesAPathOutside("java -jar /work/shared/tools/x.jar"));

        assertFalse(namesAPathOutside("for candidate in \"$here/../lib/tapbridge/tapbridge.jar\" \"$here/../bridge/target/tapbridge.jar\"; do"));
        assertFalse(namesAPathOutside("getResourceAsStream(\"/noise/cacophony-ik-25519-aesgcm-sha256.json\")"));
        assertFalse(namesAPathOutside("mount --make-shared /run/netns; unshared/ stays; shared_dir/ too"));
        assertFalse(namesAPathOutside("// keys are shared between threads"));
    }

    static boolean namesAPathOutside(String line) {
        return SHARED_DIRECTORY.matcher(line).find() || SIBLING_SHARED.matcher(line).find();
    }

    /**
     * Code, build files, scripts and units, found by walking the tree rather than asking git: the CI copy
     * of the checkout has no {@code .git}. Build output and IDE folders are not entered (surefire writes
     * into target/ while this runs).
     */
    private static List<String> sourceFiles(Path root) throws IOException {
        List<String> files = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                boolean skip = !dir.equals(root) && SKIPPED_DIRECTORIES.contains(name);
                return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String relative = root.relativize(file).toString().replace('\\', '/');
                if (attrs.isRegularFile() && isSource(relative)) {
                    files.add(relative);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        files.sort(null);
        return files;
    }

    private static boolean isSource(String relative) {
        if (relative.endsWith(".md")) {
            return false;
        }
        String name = relative.substring(relative.lastIndexOf('/') + 1);
        return name.endsWith(".java") || name.endsWith(".sh") || name.equals("pom.xml")
                || relative.startsWith(".ci/") || relative.startsWith("scripts/") || relative.startsWith("systemd/");
    }
}
