package org.tapbridge.integration;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.tapbridge.testing.Netns;

/**
 * A tcpdump inside a namespace writing whole packets to a pcap file, bounded by its own timeout and
 * stopped early on demand; the test reads the file back with {@link Pcap}. Test thread only.
 */
final class PcapCapture implements AutoCloseable {
    private final Process process;
    private final Path file;
    private final StringBuilder stderr = new StringBuilder();

    private PcapCapture(Process process, Path file) {
        this.process = process;
        this.file = file;
    }

    /**
     * Starts tcpdump on {@code device} for at most {@code seconds} and returns once it listens.
     * Immediate mode: otherwise packets wait in the kernel's ring for its block timeout, and a capture
     * stopped within that time writes none of them.
     */
    static PcapCapture start(Netns ns, String device, Path file, int seconds, String filter) throws IOException {
        return start(ns, device, file, seconds, filter, 0);
    }

    /** As above, keeping only the first {@code snapLength} bytes of each packet (0: whole packets). */
    static PcapCapture start(Netns ns, String device, Path file, int seconds, String filter, int snapLength)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ns.inside("timeout", String.valueOf(seconds), "tcpdump", "-i",
                device, "-n", "-U", "--immediate-mode", "-s", String.valueOf(snapLength), "-w", file.toString())));
        if (filter != null) {
            cmd.add(filter);
        }
        PcapCapture capture = new PcapCapture(new ProcessBuilder(cmd).start(), file);
        BufferedReader err = new BufferedReader(
                new InputStreamReader(capture.process.getErrorStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = err.readLine()) != null) {
            capture.stderr.append(line).append('\n');
            if (line.contains("listening on")) {
                break;
            }
        }
        if (line == null) {
            throw new IOException("tcpdump on " + device + " in " + ns.name() + " did not start: " + capture.stderr);
        }
        Thread drain = new Thread(() -> {
            try {
                String more;
                while ((more = err.readLine()) != null) {
                    synchronized (capture.stderr) {
                        capture.stderr.append(more).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // The capture ended.
            }
        }, "pcap-stderr");
        drain.setDaemon(true);
        drain.start();
        return capture;
    }

    /** Stops the capture now (SIGTERM lets tcpdump flush) and returns the packets it wrote. */
    List<Pcap.Packet> stop() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        return Pcap.read(file);
    }

    /** The raw frames the file holds so far (all of them once stopped). */
    List<byte[]> frames() throws IOException {
        return Pcap.frames(file);
    }

    /** How many packets the file holds, whatever their kind. */
    int records() throws IOException {
        return Pcap.records(file);
    }

    /** What tcpdump said, for failure messages. */
    String messages() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    /** The raw file, to search for bytes that must never be on the wire. */
    byte[] rawBytes() throws IOException {
        return Files.readAllBytes(file);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
