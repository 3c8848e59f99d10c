package org.tapbridge.integration;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.tapbridge.testing.Netns;

/** A bounded tcpdump inside a namespace that reports once it is listening, then counts matching packets. */
final class Capture implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private Capture(Process process) {
        this.process = process;
        this.reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    synchronized (lines) {
                        lines.add(line);
                    }
                }
            } catch (IOException ignored) {
                // The capture ended.
            }
        }, "capture");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts tcpdump on {@code device} for at most {@code seconds}, and waits until it listens. */
    static Capture start(Netns ns, String device, int seconds, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ns.inside("timeout", String.valueOf(seconds), "tcpdump", "-i",
                device, "-n", "-l", "-U")));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).start();
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = err.readLine()) != null) {
            if (line.contains("listening on")) {
                break;
            }
        }
        Thread drain = new Thread(() -> {
            try {
                err.transferTo(java.io.Writer.nullWriter());
            } catch (IOException ignored) {
                // The capture ended.
            }
        }, "capture-stderr");
        drain.setDaemon(true);
        drain.start();
        return new Capture(p);
    }

    /** Waits for tcpdump to end (its own timeout) and returns the packets it printed, one line each. */
    List<String> finish() throws InterruptedException {
        process.waitFor(60, TimeUnit.SECONDS);
        reader.join(2000);
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
