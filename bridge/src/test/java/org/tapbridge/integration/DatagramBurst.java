package org.tapbridge.integration;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tapbridge.testing.Netns;

/**
 * A separate JVM, started inside a namespace on the WAN, that sends prepared UDP payloads to one address
 * at a fixed pace and stops at a time bound; prints {@code sent N}. Used to replay captured datagrams and
 * to flood a daemon with handshake-shaped messages. Runs on its main thread only.
 *
 * <p>Payload file: each datagram as a big-endian u16 length followed by that many bytes.
 */
final class DatagramBurst {
    private DatagramBurst() {
    }

    /** Writes payloads in the file format {@link #main} reads. */
    static void writePayloads(Path file, List<byte[]> payloads) throws IOException {
        try (var out = new java.io.DataOutputStream(Files.newOutputStream(file))) {
            for (byte[] p : payloads) {
                out.writeShort(p.length);
                out.write(p);
            }
        }
    }

    /** The argv that runs a burst inside {@code ns}, on this test run's JVM and classpath. */
    static String[] command(Netns ns, Path payloads, String host, int port, int perSecond, int maxSeconds) {
        return command(ns, payloads, host, port, perSecond, maxSeconds, null, 0);
    }

    /** As above, sending from {@code bindHost:bindPort}, e.g. a stopped peer's own endpoint. */
    static String[] command(Netns ns, Path payloads, String host, int port, int perSecond, int maxSeconds,
            String bindHost, int bindPort) {
        List<String> args = new ArrayList<>(List.of(payloads.toString(), host, String.valueOf(port),
                String.valueOf(perSecond), String.valueOf(maxSeconds)));
        if (bindHost != null) {
            args.add(bindHost);
            args.add(String.valueOf(bindPort));
        }
        return HelperJvm.command(ns, DatagramBurst.class, args);
    }

    /** Parses the {@code sent N} line printed by {@link #main}. */
    static int sentCount(String stdout) {
        for (String line : stdout.split("\n")) {
            if (line.startsWith("sent ")) {
                return Integer.parseInt(line.substring(5).trim());
            }
        }
        throw new AssertionError("no 'sent N' line in: " + stdout);
    }

    /** Arguments: payload file, host, port, datagrams per second, maximum seconds[, bind host, bind port]. */
    public static void main(String[] args) throws IOException, InterruptedException {
        List<byte[]> payloads = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(Files.newInputStream(Path.of(args[0])))) {
            while (true) {
                int length;
                try {
                    length = in.readUnsignedShort();
                } catch (EOFException end) {
                    break;
                }
                byte[] p = new byte[length];
                in.readFully(p);
                payloads.add(p);
            }
        }
        InetSocketAddress target = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
        long intervalNs = 1_000_000_000L / Integer.parseInt(args[3]);
        long deadlineNs = System.nanoTime() + Long.parseLong(args[4]) * 1_000_000_000L;
        int sent = 0;
        try (DatagramChannel channel = DatagramChannel.open()) {
            if (args.length >= 7) {
                channel.bind(new InetSocketAddress(args[5], Integer.parseInt(args[6])));
            }
            long startNs = System.nanoTime();
            for (byte[] p : payloads) {
                long dueNs = startNs + sent * intervalNs;
                long nowNs = System.nanoTime();
                if (nowNs > deadlineNs) {
                    break;
                }
                if (dueNs > nowNs) {
                    Thread.sleep((dueNs - nowNs) / 1_000_000, (int) ((dueNs - nowNs) % 1_000_000));
                }
                channel.send(ByteBuffer.wrap(p), target);
                sent++;
            }
        }
        System.out.println("sent " + sent);
    }
}
