package org.tapbridge.integration;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Shell;

/** Bulk TCP transfers between two sites' hosts with nc, checked end to end by SHA-256. Test thread only. */
final class Transfers {
    private Transfers() {
    }

    /** A file of deterministic random bytes and its SHA-256. */
    record Payload(Path file, long bytes, String sha256) {
    }

    /** What a transfer did: the receiver's SHA-256 and how long from the sender's start to the receiver's end. */
    record Outcome(String receivedSha256, long elapsedNs, String senderErrors) {
        double seconds() {
            return elapsedNs / 1e9;
        }
    }

    /** {@code megabytes} MiB from {@code new Random(seed)}. */
    static Payload randomFile(Path file, int megabytes, long seed) throws IOException {
        byte[] chunk = new byte[1 << 20];
        Random random = new Random(seed);
        MessageDigest sha = sha256();
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < megabytes; i++) {
                random.nextBytes(chunk);
                sha.update(chunk);
                out.write(chunk);
            }
        }
        return new Payload(file, (long) megabytes << 20, HexFormat.of().formatHex(sha.digest()));
    }

    /**
     * Sends the payload from host {@code from} to host {@code to} over one TCP connection, with nc on both
     * ends; returns when the receiver has hashed everything, or after {@code timeoutSeconds}.
     */
    static Outcome tcp(Testbed bed, String from, String to, Payload payload, int port, int timeoutSeconds)
            throws IOException, InterruptedException {
        return tcp(bed, from, to, bed.site(to).hostIp(), payload, port, timeoutSeconds);
    }

    /** As {@link #tcp}, to {@code address} of host {@code to} (e.g. an IPv6 link-local with its scope). */
    static Outcome tcp(Testbed bed, String from, String to, String address, Payload payload, int port,
                       int timeoutSeconds) throws IOException, InterruptedException {
        Testbed.Site sender = bed.site(from);
        Testbed.Site receiver = bed.site(to);
        Path received = payload.file().resolveSibling(payload.file().getFileName() + ".received.sha256");
        Files.deleteIfExists(received);
        String family = address.contains(":") ? "-6 " : "-4 ";
        Process sink = new ProcessBuilder(receiver.host().inside("sh", "-c", "timeout " + timeoutSeconds
                + " nc " + family + "-l -p " + port + " | sha256sum > " + received)).start();
        try {
            awaitListening(receiver.host(), "-t", port, 10);
            long startNs = System.nanoTime();
            Shell.Result send = sender.host().exec(timeoutSeconds + 10L, "sh", "-c", "timeout " + timeoutSeconds
                    + " nc " + family + "-N " + address + " " + port + " < " + payload.file());
            long leftMs = Math.max(1000, timeoutSeconds * 1000L - (System.nanoTime() - startNs) / 1_000_000);
            boolean done = sink.waitFor(leftMs, TimeUnit.MILLISECONDS);
            long elapsedNs = System.nanoTime() - startNs;
            String errors = send.ok() ? "" : "sender exit " + send.exitCode() + ": " + send.stderr();
            if (!done) {
                return new Outcome("(receiver still running after " + timeoutSeconds + " s)", elapsedNs, errors);
            }
            String line = Files.exists(received) ? Files.readString(received).trim() : "";
            return new Outcome(line.isEmpty() ? "(nothing)" : line.split(" ")[0], elapsedNs, errors);
        } finally {
            sink.destroyForcibly();
        }
    }

    /** Waits until something in {@code ns} listens on {@code port} ({@code -t} TCP, {@code -u} UDP). */
    static void awaitListening(Netns ns, String protocol, int port, int timeoutSeconds) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (!ns.exec(10, "ss", "-Hln", protocol, "sport = :" + port).stdout().contains(":" + port)) {
            if (System.nanoTime() > deadlineNs) {
                throw new AssertionError("nothing listens on port " + port + " in " + ns.name() + " after "
                        + timeoutSeconds + " s");
            }
            Thread.sleep(50);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
