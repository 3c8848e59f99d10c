package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No allocation per frame on the data-path threads of two back-to-back daemons, beyond what the JCE's
 * AES-GCM allocates itself (accepted, measured, printed). See {@link DataPathProbe} for the method.
 */
class DataPathAllocationTest {
    /**
     * Upper bound on what the switch and tap-reader threads may allocate over the whole measured window.
     * A per-frame allocation costs at least 16 bytes (the smallest object), i.e. 800 000 bytes over 50 000
     * frames; even one frame in 500 allocating would pass 1 KB. Only per-tick or one-off work (about ten
     * ticks a second) could hide under it, and that is not per frame.
     */
    private static final long PER_WINDOW_LIMIT_BYTES = 1024;
    /**
     * What our code on the crypto threads may add per frame beyond the JCE: half the smallest object, so an
     * allocation on every frame, or on every other frame, fails; periodic work (ticks, keepalives) spread over
     * 50 000 frames stays far below it.
     */
    private static final double OURS_PER_FRAME_LIMIT_BYTES = 8.0;
    private static final long CHILD_JVM_TIMEOUT_SECONDS = 180;

    @TempDir
    Path dir;

    /**
     * In this JVM, as production runs. The switch and the reader are proven exactly. On the crypto threads the
     * JIT removes a varying share of the JCE's garbage by escape analysis depending on the call site (we saw
     * the same seal cost 1000, 1088 or 1112 bytes), so the reference can only bound them from above here; the
     * exact check is {@link #withEscapeAnalysisOffTheCryptoThreadsAllocateExactlyWhatTheJceDoes}.
     */
    @Test
    void switchAndTapReaderAllocateNothingAndCryptoThreadsNoMoreThanTheJce() throws Exception {
        DataPathProbe.Figures figures = DataPathProbe.measure(dir);
        figures.print("this JVM");
        for (String site : new String[] {"a", "b"}) {
            assertNothingOnSwitchAndReader(figures, site);
            assertWithinJce(figures, site);
        }
    }

    /**
     * In a child JVM with escape analysis off, every {@code new} on the path really allocates, in the JCE as
     * in our code, so the JCE's cost measured on the test thread is the same as on the daemon's threads and
     * the difference is exactly ours, whatever the JIT would inline in production.
     */
    @Test
    void withEscapeAnalysisOffTheCryptoThreadsAllocateExactlyWhatTheJceDoes() throws Exception {
        DataPathProbe.Figures figures = runInChildJvm("-XX:-DoEscapeAnalysis");
        figures.print("-XX:-DoEscapeAnalysis");
        for (String site : new String[] {"a", "b"}) {
            assertNothingOnSwitchAndReader(figures, site);
            assertWithinJce(figures, site);
            double egress = figures.egressOursPerFrame(site);
            double receive = figures.receiveOursPerFrame(site);
            // Below the reference would mean it measured a different JCE path: the subtraction would be void.
            assertTrue(egress > -OURS_PER_FRAME_LIMIT_BYTES, "site " + site + " egress is " + egress
                    + " B/frame below the JCE reference: the reference does not match the daemon's seal");
            assertTrue(receive > -OURS_PER_FRAME_LIMIT_BYTES, "site " + site + " peer-rx-udp is " + receive
                    + " B/frame below the JCE reference: the reference does not match the daemon's open");
        }
    }

    private static void assertNothingOnSwitchAndReader(DataPathProbe.Figures figures, String site) {
        long[] used = figures.site(site);
        assertTrue(used[DataPathProbe.TAP_READER] < PER_WINDOW_LIMIT_BYTES, "site " + site + " tap-reader allocated "
                + used[DataPathProbe.TAP_READER] + " B over " + DataPathProbe.MEASURED_FRAMES + " frames, limit "
                + PER_WINDOW_LIMIT_BYTES);
        assertTrue(used[DataPathProbe.SWITCH] < PER_WINDOW_LIMIT_BYTES, "site " + site + " switch allocated "
                + used[DataPathProbe.SWITCH] + " B over " + 2 * DataPathProbe.MEASURED_FRAMES + " frames, limit "
                + PER_WINDOW_LIMIT_BYTES);
    }

    private static void assertWithinJce(DataPathProbe.Figures figures, String site) {
        // Egress seals every a->b frame (JCE) and writes every b->a frame to the TAP (no JCE).
        double egress = figures.egressOursPerFrame(site);
        assertTrue(egress < OURS_PER_FRAME_LIMIT_BYTES, String.format("site %s egress allocates %.2f B/frame"
                + " beyond the JCE's %.1f B/seal, limit %.1f", site, egress, figures.sealJceBytes(),
                OURS_PER_FRAME_LIMIT_BYTES));
        double receive = figures.receiveOursPerFrame(site);
        assertTrue(receive < OURS_PER_FRAME_LIMIT_BYTES, String.format("site %s peer-rx-udp allocates %.2f B/frame"
                + " beyond the JCE's %.1f B/open, limit %.1f", site, receive, figures.openJceBytes(),
                OURS_PER_FRAME_LIMIT_BYTES));
    }

    /** Runs {@link DataPathProbe#main} in a JVM of our own with {@code flag}; kills it if it overstays. */
    private static DataPathProbe.Figures runInChildJvm(String flag) throws Exception {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(List.of(java, flag, "-cp", System.getProperty("java.class.path"),
                DataPathProbe.class.getName())).redirectErrorStream(true).start();
        try {
            String figuresLine = null;
            StringBuilder output = new StringBuilder();
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    output.append(line).append('\n');
                    if (line.startsWith(DataPathProbe.Figures.PREFIX)) {
                        figuresLine = line;
                    }
                }
            }
            assertTrue(child.waitFor(CHILD_JVM_TIMEOUT_SECONDS, TimeUnit.SECONDS), "child JVM did not exit");
            assertEquals(0, child.exitValue(), "child JVM failed:\n" + output);
            assertNotNull(figuresLine, "child JVM printed no figures:\n" + output);
            return DataPathProbe.Figures.parse(figuresLine);
        } finally {
            child.destroyForcibly();
        }
    }
}
