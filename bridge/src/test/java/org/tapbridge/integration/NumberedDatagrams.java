package org.tapbridge.integration;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.BitSet;
import java.util.List;
import org.tapbridge.testing.Netns;

/**
 * A separate JVM, started inside a host namespace, that sends or receives numbered UDP datagrams whose
 * lengths and bytes follow from their number, so that the receiver can tell a datagram cut at the wrong
 * place, merged, corrupted or repeated from a good one. Lengths stay the same for runs of
 * {@link #RUN} datagrams and then change, as an application's writes do.
 *
 * <p>{@code send HOST PORT COUNT BURST}: COUNT datagrams, BURST back to back, then 1 ms of rest; prints
 * {@code sent N}. {@code receive PORT COUNT IDLE_MS MAX_SECONDS}: prints {@code listening} once bound, then
 * receives until COUNT arrived, IDLE_MS passed without one, or MAX_SECONDS, and prints
 * {@code received N good G bad B duplicate D}.
 */
final class NumberedDatagrams {
    static final int RUN = 50;

    private NumberedDatagrams() {
    }

    /** The length of datagram {@code number}: 100 to 1300 bytes, the same within each run. */
    static int length(int number) {
        return 100 + (number / RUN % 5) * 300;
    }

    static byte expectedByte(int number, int index) {
        return (byte) (number * 31 + index);
    }

    static String[] command(Netns ns, String... args) {
        return HelperJvm.command(ns, NumberedDatagrams.class, List.of(args));
    }

    /** The value after {@code key} in a line printed by {@link #main}. */
    static long figure(String stdout, String key) {
        String[] words = stdout.trim().split("\\s+");
        for (int i = 0; i + 1 < words.length; i++) {
            if (words[i].equals(key)) {
                return Long.parseLong(words[i + 1]);
            }
        }
        throw new AssertionError("no '" + key + " N' in: " + stdout);
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args[0].equals("send")) {
            send(new InetSocketAddress(args[1], Integer.parseInt(args[2])), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]));
        } else {
            receive(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]),
                    Long.parseLong(args[4]));
        }
    }

    private static void send(InetSocketAddress target, int count, int burst) throws IOException, InterruptedException {
        ByteBuffer datagram = ByteBuffer.allocate(1400);
        int sent = 0;
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.connect(target);
            while (sent < count) {
                for (int i = 0; i < burst && sent < count; i++, sent++) {
                    datagram.clear();
                    int length = length(sent);
                    datagram.putInt(sent);
                    for (int b = 4; b < length; b++) {
                        datagram.put(expectedByte(sent, b));
                    }
                    datagram.flip();
                    channel.write(datagram);
                }
                Thread.sleep(1);
            }
        }
        System.out.println("sent " + sent);
    }

    private static void receive(int port, int count, long idleMs, long maxSeconds) throws IOException {
        byte[] buffer = new byte[65536];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        BitSet seen = new BitSet(count);
        long received = 0;
        long good = 0;
        long bad = 0;
        long duplicate = 0;
        String firstBad = "";
        long deadlineNs = System.nanoTime() + maxSeconds * 1_000_000_000L;
        try (DatagramSocket socket = new DatagramSocket(port)) {
            socket.setReceiveBufferSize(4 << 20);
            socket.setSoTimeout((int) idleMs);
            System.out.println("listening");
            while (good + bad < count && System.nanoTime() < deadlineNs) {
                try {
                    socket.receive(packet);
                } catch (SocketTimeoutException idle) {
                    break;
                }
                received++;
                ByteBuffer datagram = ByteBuffer.wrap(buffer, 0, packet.getLength());
                int number = datagram.remaining() >= 4 ? datagram.getInt(0) : -1;
                String problem = check(datagram, number, count);
                if (problem != null) {
                    bad++;
                    if (firstBad.isEmpty()) {
                        firstBad = problem;
                    }
                } else if (seen.get(number)) {
                    duplicate++;
                } else {
                    seen.set(number);
                    good++;
                }
            }
        }
        System.out.println("received " + received + " good " + good + " bad " + bad + " duplicate " + duplicate
                + (firstBad.isEmpty() ? "" : " first-bad: " + firstBad));
    }

    private static String check(ByteBuffer datagram, int number, int count) {
        int length = datagram.remaining();
        if (number < 0 || number >= count) {
            return "a datagram of " + length + " bytes numbered " + number;
        }
        if (length != length(number)) {
            return "datagram " + number + " has " + length + " bytes, not " + length(number);
        }
        for (int b = 4; b < length; b++) {
            if (datagram.get(datagram.position() + b) != expectedByte(number, b)) {
                return "datagram " + number + " differs at byte " + b;
            }
        }
        return null;
    }
}
