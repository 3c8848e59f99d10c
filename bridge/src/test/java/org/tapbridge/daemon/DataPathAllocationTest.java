package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No allocation per frame or per tick on the data-path loop of two back-to-back daemons, beyond what the
 * JCE's AES-GCM allocates itself on each seal and open (accepted, measured, printed). See
 * {@link DataPathProbe} for the method, for what "quiet" means with escape analysis on and off, and for
 * the JIT's one-off work that the settling windows wait out.
 */
class DataPathAllocationTest {
    private static final long CHILD_JVM_TIMEOUT_SECONDS = 240;

    @TempDir
    Path dir;

    /**
     * In this JVM, as production runs. C2 removes a varying share of the JCE's garbage by escape analysis,
     * depending on how each call site was inlined, so the reference only bounds ours from above, and can
     * come out high enough to hide a small per-frame allocation; the exact check, per frame and per tick,
     * is {@link #withEscapeAnalysisOffTheLoopAllocatesExactlyWhatTheJceDoesOverWindowsSpanningTicks}.
     */
    @ParameterizedTest(name = "{0}-byte frames")
    @ValueSource(ints = {1400, 64})
    void loopAllocatesLessThanHalfAnObjectPerFrameBeyondTheJce(int frameLength) throws Exception {
        DataPathProbe.Figures figures = DataPathProbe.measure(frameLength);
        figures.print("this JVM");
        assertSettled(figures);
        for (String site : new String[] {"a", "b"}) {
            double ours = figures.oursPerFrame(figures.proof(), site);
            assertTrue(ours < DataPathProbe.PER_FRAME_LIMIT_BYTES, String.format("site %s's loop allocates %.3f B per"
                    + " frame beyond the JCE's %.1f B/seal + %.1f B/open, limit %.1f:%s", site, ours,
                    figures.sealJceBytes(), figures.openJceBytes(), DataPathProbe.PER_FRAME_LIMIT_BYTES,
                    figures.history()));
        }
    }

    /**
     * In a child JVM with escape analysis off, every {@code new} really allocates, in the JCE as in our code,
     * so the JCE's cost measured on the test thread is the loop's to the byte: over a whole window that spans
     * ticks on both sites, the loops allocate exactly N seals and N opens' worth, not one object more.
     */
    @ParameterizedTest(name = "{0}-byte frames")
    @ValueSource(ints = {1400, 64})
    void withEscapeAnalysisOffTheLoopAllocatesExactlyWhatTheJceDoesOverWindowsSpanningTicks(int frameLength)
            throws Exception {
        DataPathProbe.Figures figures = runInChildJvm(frameLength, "-XX:-DoEscapeAnalysis");
        figures.print("-XX:-DoEscapeAnalysis");
        assertFalse(figures.escapeAnalysis(), "the child JVM ran with escape analysis on");
        assertSettled(figures);
        for (String site : new String[] {"a", "b"}) {
            double ours = figures.oursPerFrame(figures.proof(), site);
            // Below the reference would mean it measured another JCE path than the loop's: no subtraction then.
            assertTrue(ours > -DataPathProbe.PER_FRAME_LIMIT_BYTES && ours < DataPathProbe.PER_FRAME_LIMIT_BYTES,
                    String.format("site %s's loop: %.3f B per frame beyond the JCE, outside (-%.0f, %.0f):%s", site,
                            ours, DataPathProbe.PER_FRAME_LIMIT_BYTES, DataPathProbe.PER_FRAME_LIMIT_BYTES,
                            figures.history()));
        }
    }

    /** Some window within the limit was quiet, and it covered ticks on both loops. */
    private static void assertSettled(DataPathProbe.Figures figures) {
        DataPathProbe.Window proof = figures.proof();
        assertTrue(figures.quiet(proof), "in none of " + figures.windows().size() + " windows was the data path"
                + " quiet; one-off JIT work is over within a window or two, so this is allocation on the path"
                + " (per frame, or per tick if the windows are otherwise near zero):" + figures.history());
        assertTrue(proof.ticksA() >= DataPathProbe.MIN_TICKS && proof.ticksB() >= DataPathProbe.MIN_TICKS,
                "the quiet window ran fewer than " + DataPathProbe.MIN_TICKS + " ticks on a loop, so it does not"
                        + " show that tick handling allocates nothing:" + figures.history());
    }

    /**
     * Runs {@link DataPathProbe#main} in a JVM of our own with {@code flag}, its output to a file so that a
     * hung child cannot hang the test; kills it if it overstays.
     */
    private DataPathProbe.Figures runInChildJvm(int frameLength, String flag) throws Exception {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve("probe-" + frameLength + ".log");
        Process child = new ProcessBuilder(List.of(java, flag, "-cp", System.getProperty("java.class.path"),
                DataPathProbe.class.getName(), Integer.toString(frameLength))).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            boolean exited = child.waitFor(CHILD_JVM_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(exited, "child JVM did not exit within " + CHILD_JVM_TIMEOUT_SECONDS + " s:\n" + output);
            assertEquals(0, child.exitValue(), "child JVM failed:\n" + output);
            String figuresLine = output.lines().filter(l -> l.startsWith(DataPathProbe.Figures.PREFIX)).reduce(
                    null, (first, next) -> next);
            assertNotNull(figuresLine, "child JVM printed no figures:\n" + output);
            return DataPathProbe.Figures.parse(figuresLine);
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
