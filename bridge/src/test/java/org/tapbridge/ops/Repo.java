package org.tapbridge.ops;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository's scripts and units for the ops tests (surefire sets TAPBRIDGE_REPO_ROOT). */
final class Repo {
    private Repo() {
    }

    static Path root() {
        String env = System.getenv("TAPBRIDGE_REPO_ROOT");
        if (env != null && Files.isRegularFile(Path.of(env, "scripts", "setup-bridge.sh"))) {
            return Path.of(env);
        }
        // Run from an IDE: walk up from the module directory.
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("scripts/setup-bridge.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository: set TAPBRIDGE_REPO_ROOT");
    }

    static String path(String relative) {
        return root().resolve(relative).toString();
    }
}
