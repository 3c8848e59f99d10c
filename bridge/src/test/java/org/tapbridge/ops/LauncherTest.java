package org.tapbridge.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, defect 6: the launcher sets the direct-memory limit itself (it used to follow the heap size),
 * and lets the operator change it. A stand-in java prints the arguments it was given.
 */
class LauncherTest {
    @TempDir
    Path dir;

    private List<String> jvmArguments(Map<String, String> env) throws IOException, InterruptedException {
        Path java = dir.resolve("java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = Files.writeString(dir.resolve("tapbridge.jar"), "stand-in\n");
        ProcessBuilder pb = new ProcessBuilder(Repo.path("scripts/tapbridge"), "run", "--config", "x.toml")
                .redirectErrorStream(true);
        pb.environment().put("TAPBRIDGE_JAVA", java.toString());
        pb.environment().put("TAPBRIDGE_JAR", jar.toString());
        pb.environment().remove("TAPBRIDGE_DIRECT_MEMORY");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.lines().toList();
    }

    @Test
    void setsTheDirectMemoryLimitTo256MegabytesByDefault() throws Exception {
        List<String> args = jvmArguments(Map.of());
        assertTrue(args.contains("-XX:MaxDirectMemorySize=256m"), args.toString());
        assertTrue(args.indexOf("-XX:MaxDirectMemorySize=256m") < args.indexOf("-jar"), args.toString());
    }

    @Test
    void takesTheDirectMemoryLimitFromTheEnvironment() throws Exception {
        List<String> args = jvmArguments(Map.of("TAPBRIDGE_DIRECT_MEMORY", "512m"));
        assertTrue(args.contains("-XX:MaxDirectMemorySize=512m"), args.toString());
        assertTrue(args.stream().noneMatch(a -> a.equals("-XX:MaxDirectMemorySize=256m")), args.toString());
    }
}
