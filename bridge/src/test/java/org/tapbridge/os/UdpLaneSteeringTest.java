package org.tapbridge.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * SO_REUSEPORT groups on loopback with the lane-byte program attached: each datagram reaches the socket its
 * payload byte 2 names, whatever its source port; no lane means lane 0; without the option the port stays
 * exclusive.
 */
class UdpLaneSteeringTest {
    private static final long WAIT_MS = 5_000;
    /** Our wire format: version (0), type (1), lane (2). */
    private static final int LANE_OFFSET = 2;
    private static final int LANES = 3;
    private static final UdpOptions REUSE_PORT = UdpOptions.defaults().withReusePort(true);

    private final List<UdpSocket> opened = new ArrayList<>();

    @AfterEach
    void closeEverySocket() {
        opened.forEach(UdpSocket::close);
    }

    @Test
    void steersEachDatagramToTheSocketItsLaneByteNamesOverIpv4() throws Exception {
        UdpSocket[] group = openGroup("127.0.0.1", LANES);
        group[0].steerToLaneByte(LANE_OFFSET, LANES);
        assertLaneBytesReachTheirSockets("127.0.0.1", group);
    }

    @Test
    void steersEachDatagramToTheSocketItsLaneByteNamesOverIpv6WhicheverMemberAttached() throws Exception {
        UdpSocket[] group = openGroup("::1", LANES);
        group[LANES - 1].steerToLaneByte(LANE_OFFSET, LANES); // the program belongs to the group, not the socket
        assertLaneBytesReachTheirSockets("::1", group);
    }

    private void assertLaneBytesReachTheirSockets(String loopback, UdpSocket[] group) throws Exception {
        UdpSocket sender = open(loopback, 0, UdpOptions.defaults());
        // Lanes 0, 1, 2, then 7 (no such lane) and a 1-byte datagram (no lane byte at all): the last two go to 0.
        List<byte[]> datagrams = List.of(message(0, 0), message(1, 1), message(2, 2), message(7, 3), new byte[] {1});
        send(sender, group[0], datagrams);
        List<List<byte[]>> received = receiveAll(group, datagrams.size());
        assertEquals(List.of("lane 0 #0", "lane 7 #3", "1 byte"), describe(received.get(0)));
        assertEquals(List.of("lane 1 #1"), describe(received.get(1)));
        assertEquals(List.of("lane 2 #2"), describe(received.get(2)));
    }

    @Test
    void followsTheLaneByteNotTheHashFromManySourcePorts() throws Exception {
        UdpSocket[] group = openGroup("127.0.0.1", LANES);
        group[1].steerToLaneByte(LANE_OFFSET, LANES);
        // The kernel's fallback hashes addresses and ports, so one sender would always land on one socket; here
        // every sender's datagrams spread over all three, as their lane bytes say.
        int senders = 8;
        int perSender = 30;
        for (int s = 0; s < senders; s++) {
            UdpSocket sender = open("127.0.0.1", 0, UdpOptions.defaults());
            List<byte[]> datagrams = new ArrayList<>();
            for (int i = 0; i < perSender; i++) {
                datagrams.add(message((s + i) % LANES, s * perSender + i));
            }
            send(sender, group[0], datagrams);
        }
        List<List<byte[]>> received = receiveAll(group, senders * perSender);
        for (int lane = 0; lane < LANES; lane++) {
            assertEquals(senders * perSender / LANES, received.get(lane).size(), "datagrams on socket " + lane);
            for (byte[] datagram : received.get(lane)) {
                assertEquals(lane, datagram[LANE_OFFSET], "socket " + lane + " got " + describe(datagram));
            }
        }
    }

    @Test
    void refusesLanesAndOffsetsOutOfRangeNamingTheValueAndLimit() throws Exception {
        UdpSocket socket = openGroup("127.0.0.1", 1)[0];
        assertEquals("lanes=0 < 1", refusal(() -> socket.steerToLaneByte(2, 0)));
        assertEquals("lanes=256 > 255", refusal(() -> socket.steerToLaneByte(2, 256)));
        assertEquals("lane byte payloadOffset=-1 < 0", refusal(() -> socket.steerToLaneByte(-1, 3)));
        assertEquals("lane byte payloadOffset=65536 > 65535 (the largest UDP payload)",
                refusal(() -> socket.steerToLaneByte(65536, 3)));
        socket.steerToLaneByte(65535, 255); // the limits themselves are fine
        socket.steerToLaneByte(0, 1);
    }

    @Test
    void refusesToSteerASocketOpenedWithoutReusePort() throws Exception {
        UdpSocket socket = open("127.0.0.1", 0, UdpOptions.defaults());
        assertFalse(socket.reusePort());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> socket.steerToLaneByte(2, 3));
        assertEquals("UDP " + SockAddr.format(socket.localAddress()) + " has no SO_REUSEPORT group to steer by a"
                + " lane byte: open every lane's socket with UdpOptions.withReusePort(true)", e.getMessage());
    }

    @Test
    void withoutReusePortASecondBindOfThePortStillFailsWithEaddrinuse() throws Exception {
        int port = open("127.0.0.1", 0, UdpOptions.defaults()).localAddress().getPort();
        NativeIoException e = assertThrows(NativeIoException.class,
                () -> open("127.0.0.1", port, UdpOptions.defaults()));
        assertEquals(Errno.EADDRINUSE, e.errno());
        assertEquals("bind(127.0.0.1:" + port + "): EADDRINUSE Address already in use; another socket already has"
                + " port " + port + " (another tapbridge?)", e.getMessage());
        // Nor does a reuseport socket join a port held without the option: the group is opt-in on both sides.
        NativeIoException joining = assertThrows(NativeIoException.class, () -> open("127.0.0.1", port, REUSE_PORT));
        assertEquals(Errno.EADDRINUSE, joining.errno());
        assertTrue(joining.getMessage().contains("lacks SO_REUSEPORT or belongs to another user"),
                joining.getMessage());
    }

    @Test
    void withoutReusePortASocketCannotJoinAGroup() throws Exception {
        int port = openGroup("::1", 2)[0].localAddress().getPort();
        NativeIoException e = assertThrows(NativeIoException.class, () -> open("::1", port, UdpOptions.defaults()));
        assertEquals(Errno.EADDRINUSE, e.errno(), e.getMessage());
    }

    @Test
    void aReusePortSocketOfAnotherUserCannotJoinTheGroup() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to start a process as nobody");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux)");
        int port = openGroup("127.0.0.1", 2)[0].localAddress().getPort();
        // The JDK's own SO_REUSEPORT, in a JVM of uid 65534: the kernel must refuse it, as it would a foreign
        // daemon; only a daemon of our own uid could join (the risk UdpOptions.withReusePort documents).
        Path dir = Files.createTempDirectory("reuseport-uid", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        Path source = dir.resolve("Join.java");
        Process child = null;
        try {
            Files.writeString(source, String.join("\n",
                    "import java.net.*; import java.nio.channels.DatagramChannel;",
                    "public class Join { public static void main(String[] a) throws Exception {",
                    "  try (DatagramChannel c = DatagramChannel.open(StandardProtocolFamily.INET)) {",
                    "    c.setOption(StandardSocketOptions.SO_REUSEPORT, true);",
                    "    c.bind(new InetSocketAddress(\"127.0.0.1\", Integer.parseInt(a[0])));",
                    "    System.out.println(\"joined\");",
                    "  } catch (BindException e) { System.out.println(\"EADDRINUSE \" + e.getMessage()); } } }"),
                    StandardCharsets.UTF_8);
            source.toFile().setReadable(true, false);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            child = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", java,
                    "-XX:-UsePerfData", "-Xshare:off", source.toString(), Integer.toString(port))
                    .redirectErrorStream(true).start();
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the uid 65534 JVM finished within 60 s");
            String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertTrue(output.startsWith("EADDRINUSE"), "uid 65534 binding port " + port + " said: " + output);
        } finally {
            if (child != null) {
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(source);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void reportsReusePortInOptionsAndSocket() throws Exception {
        assertFalse(UdpOptions.defaults().reusePort());
        assertFalse(new UdpOptions(4096, 4096, UdpOptions.PmtuMode.DO, true).reusePort());
        UdpOptions options = UdpOptions.defaults().withReusePort(true).withGro(true).withReceiveBufferBytes(8192);
        assertTrue(options.reusePort(), "other withers keep it");
        assertFalse(options.withReusePort(false).reusePort());
        UdpSocket socket = openGroup("127.0.0.1", 1)[0];
        assertTrue(socket.reusePort());
        assertTrue(socket.toString().contains("SO_REUSEPORT"), socket.toString());
    }

    /** {@code size} reuseport sockets on one loopback port, bound in index order 0, 1, ... */
    private UdpSocket[] openGroup(String loopback, int size) throws NativeIoException {
        UdpSocket[] group = new UdpSocket[size];
        group[0] = open(loopback, 0, REUSE_PORT);
        for (int i = 1; i < size; i++) {
            group[i] = open(loopback, group[0].localAddress().getPort(), REUSE_PORT);
        }
        return group;
    }

    private UdpSocket open(String loopback, int port, UdpOptions options) throws NativeIoException {
        UdpSocket socket = UdpSocket.open(new InetSocketAddress(loopback, port), options);
        opened.add(socket);
        return socket;
    }

    /** Version 1, type 2, the lane byte, then a 16-bit sequence number to tell datagrams apart. */
    private static byte[] message(int lane, int sequence) {
        return new byte[] {1, 2, (byte) lane, (byte) (sequence >> 8), (byte) sequence, 0x55, 0x55, 0x55};
    }

    private static void send(UdpSocket sender, UdpSocket target, List<byte[]> datagrams) throws Exception {
        DatagramBatch out = new DatagramBatch(datagrams.size());
        Slab slab = new Slab(datagrams.size(), 64).attach(out);
        EncodedEndpoint to = EncodedEndpoint.of(target.localAddress());
        for (int i = 0; i < datagrams.size(); i++) {
            slab.write(i, datagrams.get(i));
            out.setLength(i, datagrams.get(i).length);
            out.setTarget(i, to);
        }
        assertEquals(datagrams.size(), sender.send(out, datagrams.size()));
    }

    /**
     * What each socket of the group received, in arrival order, once {@code expected} datagrams arrived in all
     * (waiting at most {@value #WAIT_MS} ms); then checks that nothing more is queued anywhere.
     */
    private static List<List<byte[]>> receiveAll(UdpSocket[] group, int expected) throws Exception {
        Poller poller = new Poller(group.length);
        int[] handles = new int[group.length];
        List<List<byte[]>> received = new ArrayList<>();
        for (int i = 0; i < group.length; i++) {
            handles[i] = poller.add(group[i].fd(), Poller.POLLIN);
            received.add(new ArrayList<>());
        }
        DatagramBatch in = new DatagramBatch(64);
        Slab slab = new Slab(64, 128).attach(in);
        int total = 0;
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (total < expected) {
            long leftMs = deadline - System.currentTimeMillis();
            if (leftMs <= 0 || poller.poll((int) leftMs) == 0) {
                break;
            }
            for (int i = 0; i < group.length; i++) {
                if ((poller.revents(handles[i]) & Poller.POLLIN) != 0) {
                    int n = group[i].receive(in, in.capacity());
                    for (int m = 0; m < n; m++) {
                        received.get(i).add(slab.read(m, in.length(m)));
                    }
                    total += n;
                }
            }
        }
        assertEquals(expected, total, "datagrams received within " + WAIT_MS + " ms");
        for (int i = 0; i < group.length; i++) {
            assertEquals(0, group[i].receive(in, in.capacity()), "socket " + i + " has no extra datagram");
        }
        return received;
    }

    private static List<String> describe(List<byte[]> datagrams) {
        return datagrams.stream().map(UdpLaneSteeringTest::describe).toList();
    }

    private static String describe(byte[] datagram) {
        if (datagram.length <= LANE_OFFSET) {
            return datagram.length + " byte";
        }
        return "lane " + datagram[LANE_OFFSET] + " #" + (((datagram[3] & 0xff) << 8) | (datagram[4] & 0xff));
    }

    private static String refusal(org.junit.jupiter.api.function.Executable call) {
        return assertThrows(IllegalArgumentException.class, call).getMessage();
    }
}
