package org.tapbridge.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * scripts/soak.sh for 2 minutes, as CI runs it: three sites in namespaces (prefix tbsk), traffic, restarts,
 * MAC churn and a handshake flood. The script itself judges growth; this test holds it to its word by
 * reading the samples it wrote.
 */
class SoakTest {
    private static final int MINUTES = 2;
    /** The soak, the daemons' start (warm-up off) and the end checks, with room for a busy machine. */
    private static final long TIMEOUT_SECONDS = MINUTES * 60 + 150;
    private static final List<String> COLUMNS =
            List.of("t_s", "site", "pid", "rss_kb", "heap_after_gc_kb", "fds", "threads");

    @Test
    void twoMinuteSoakKeepsEveryDaemonFlatAndWritesSamplesForEach(@TempDir Path dir) throws Exception {
        Privileges.requireNetworkAdmin();
        Path tsv = dir.resolve("soak.tsv");
        Path log = dir.resolve("soak.log");
        ProcessBuilder pb = new ProcessBuilder(Repo.path("scripts/soak.sh"), "--minutes", String.valueOf(MINUTES),
                "--out", tsv.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        // The JIT warm-up gains nothing here and costs ~20 s per daemon start on a busy machine.
        pb.environment().put("TAPBRIDGE_JAVA_OPTS", "-Dtapbridge.warm-up=false");
        Process soak = pb.start();
        soak.getOutputStream().close();
        if (!soak.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            soak.destroy();   // SIGTERM: the script's trap removes its namespaces and daemons
            if (!soak.waitFor(60, TimeUnit.SECONDS)) {
                soak.destroyForcibly();
            }
            fail("soak.sh did not finish within " + TIMEOUT_SECONDS + " s\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        assertEquals(0, soak.exitValue(), output);
        assertTrue(output.contains("verdict: PASS"), output);

        Map<String, Integer> samplesPerSite = samplesPerSite(tsv);
        for (String site : List.of("a", "b", "c")) {
            // 10 s sampling over 120 s: a judged daemon has about 12; fewer than 8 means sampling stalled.
            int min = site.equals("c") ? 4 : 8;
            assertTrue(samplesPerSite.getOrDefault(site, 0) >= min,
                    "site " + site + ": " + samplesPerSite.getOrDefault(site, 0) + " samples < " + min + "\n" + output);
        }
        assertTrue(output.contains("restarts of c: ") && !output.contains("restarts of c: 0"),
                "site c was never restarted\n" + output);
        assertTrue(output.contains("flood 1 sent"), "no handshake flood ran\n" + output);
    }

    @Test
    void judgePassesFlatSamplesAndForgivesOneSpike(@TempDir Path dir) throws Exception {
        // A flat daemon with one GC-unlucky sample in the last third: the median ignores it.
        Path tsv = samples(dir, i -> new long[] {140_000, i == 10 ? 60_000 : 9_000, 20, 26});
        Shell.Result r = judge(tsv);
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("verdict: PASS"), r.stdout());
    }

    @Test
    void judgeFailsAHeapThatKeepsGrowing(@TempDir Path dir) throws Exception {
        Path tsv = samples(dir, i -> new long[] {140_000, 9_000 + i * 1_500L, 20, 26});
        Shell.Result r = judge(tsv);
        assertEquals(1, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("heap_after_gc: first third") && r.stdout().contains("KEEPS GROWING"), r.stdout());
    }

    @Test
    void judgeFailsAnFdLeakOfOnePerSample(@TempDir Path dir) throws Exception {
        Path tsv = samples(dir, i -> new long[] {140_000, 9_000, 20 + i, 26});
        Shell.Result r = judge(tsv);
        assertEquals(1, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().lines().anyMatch(l -> l.contains(" fds: ") && l.endsWith("KEEPS GROWING")), r.stdout());
    }

    /** 12 samples, 10 s apart, for sites a and b; {@code figures(i)} gives rss, heap, fds and threads. */
    private static Path samples(Path dir, java.util.function.IntFunction<long[]> figures) throws IOException {
        StringBuilder tsv = new StringBuilder(String.join("\t", COLUMNS)).append('\n');
        for (int i = 0; i < 12; i++) {
            for (String site : List.of("a", "b")) {
                long[] f = figures.apply(i);
                tsv.append(10 * (i + 1)).append('\t').append(site).append('\t').append(site.equals("a") ? 101 : 102);
                for (long v : f) {
                    tsv.append('\t').append(v);
                }
                tsv.append('\n');
            }
        }
        Path file = dir.resolve("samples.tsv");
        Files.writeString(file, tsv);
        return file;
    }

    private static Shell.Result judge(Path tsv) {
        Privileges.requireCommand("python3", "python3");
        return Shell.exec(60, Repo.path("scripts/soak.sh"), "--judge", tsv.toString(), "--warmup", "30");
    }

    /** Sample rows per site, after checking the header and that every figure is a positive number. */
    private static Map<String, Integer> samplesPerSite(Path tsv) throws IOException {
        List<String> lines = Files.readAllLines(tsv);
        assertEquals(String.join("\t", COLUMNS), lines.get(0));
        Map<String, Integer> counts = new TreeMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t");
            assertEquals(COLUMNS.size(), f.length, line);
            for (int i = 2; i < f.length; i++) {
                assertTrue(Long.parseLong(f[i]) > 0, "non-positive " + COLUMNS.get(i) + ": " + line);
            }
            counts.merge(f[1], 1, Integer::sum);
        }
        return counts;
    }
}
