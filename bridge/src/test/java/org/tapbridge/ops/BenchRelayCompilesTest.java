package org.tapbridge.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/bench/JavaFloorRelay.java is compiled only when a benchmark runs it, against the daemon's own crypto
 * classes: a renamed method would break it silently until the next ping measurement. Compile it here.
 */
class BenchRelayCompilesTest {
    @Test
    void theJavaFloorRelayCompilesAgainstTheDaemonsClasses(@TempDir Path out) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "the tests need a JDK, not a JRE: javax.tools has no compiler");
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int status = javac.run(null, null, new PrintStream(errors, true, StandardCharsets.UTF_8),
                "-cp", System.getProperty("java.class.path"), "-d", out.toString(),
                Repo.path("scripts/bench/JavaFloorRelay.java"));
        assertEquals(0, status, errors.toString(StandardCharsets.UTF_8));
        assertTrue(Files.isRegularFile(out.resolve("JavaFloorRelay.class")));
    }
}
