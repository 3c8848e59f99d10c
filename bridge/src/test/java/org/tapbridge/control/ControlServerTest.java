package org.tapbridge.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control socket treats every request as untrusted and keeps serving after bad ones. */
class ControlServerTest {
    @TempDir
    Path dir;

    private ControlServer server;
    private Path socket;

    @BeforeEach
    void start() throws IOException {
        socket = dir.resolve("site.sock");
        server = ControlServer.bind(socket, request -> request.command().wireName() + (request.json() ? " as json" : "")
                + "\n");
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String raw(byte[] request) throws IOException {
        try (UnixSocketChannel c = UnixSocketChannel.open(new UnixSocketAddress(socket.toFile()))) {
            c.write(ByteBuffer.wrap(request));
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(4096);
            int n;
            while ((n = c.read(in)) > 0) {
                reply.write(in.array(), 0, n);
                in.clear();
            }
            return reply.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void answersEachCommandAsTextOrJson() throws IOException {
        assertEquals("macs\n", ControlClient.query(socket, new ControlRequest(ControlRequest.Command.MACS, false)));
        assertEquals("stats as json\n",
                ControlClient.query(socket, new ControlRequest(ControlRequest.Command.STATS, true)));
    }

    @Test
    void theSocketIsReadableAndWritableByOwnerAndGroupOnly() throws IOException {
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    }

    @Test
    void rejectsAnUnknownCommandAndKeepsServing() throws IOException {
        String reply = raw("reboot\n".getBytes(StandardCharsets.UTF_8));
        assertTrue(reply.startsWith("error: unknown command 'reboot'"), reply);
        assertEquals("peers\n", raw("peers\n".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void rejectsAnOverlongRequest() throws IOException {
        String reply = raw("x".repeat(10_000).getBytes(StandardCharsets.UTF_8));
        assertTrue(reply.startsWith("error: request longer than"), reply);
        assertEquals("macs\n", raw("macs\n".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void rejectsBinaryNoiseWithoutEchoingIt() throws IOException {
        byte[] noise = {0, (byte) 0xff, 27, '[', '2', 'J', '\n'};
        String reply = raw(noise);
        assertTrue(reply.startsWith("error: unknown command"), reply);
        assertTrue(reply.chars().allMatch(ch -> ch == '\n' || (ch >= 0x20 && ch < 0x7f)), reply);
    }

    @Test
    void rejectsExtraArguments() throws IOException {
        assertTrue(raw("macs json please\n".getBytes(StandardCharsets.UTF_8)).startsWith("error: unexpected"));
    }

    @Test
    void refusesToStealTheSocketOfALiveDaemon() {
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> ControlServer.bind(socket, request -> ""));
        assertTrue(e.getMessage().contains("in use by a running daemon"), e.getMessage());
    }

    @Test
    void replacesAStaleSocketFileLeftByACrash() throws IOException {
        Path stale = dir.resolve("tbctl-stale.sock");
        // What a killed daemon leaves: a socket file that nobody listens on any more.
        try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            crashed.bind(UnixDomainSocketAddress.of(stale));
        }
        assertTrue(Files.exists(stale));
        ControlServer second = ControlServer.bind(stale, request -> "fresh\n");
        try {
            second.start();
            assertEquals("fresh\n", ControlClient.query(stale, new ControlRequest(ControlRequest.Command.MACS, false)));
        } finally {
            second.close();
        }
    }

    @Test
    void closingStopsTheControlThreadAndRemovesTheSocket() throws Exception {
        Path other = dir.resolve("other.sock");
        ControlServer second = ControlServer.bind(other, request -> "x\n");
        second.start();
        assertEquals(2, liveControlThreads(), "the fixture's server and this one");
        second.close();
        long deadline = System.nanoTime() + 2_000_000_000L;
        long alive;
        do {
            alive = liveControlThreads();
        } while (alive > 1 && System.nanoTime() < deadline);
        assertEquals(1, alive, "a closed server's thread must not stay blocked in accept()");
        assertTrue(!Files.exists(other));
    }

    private static long liveControlThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("control") && t.isAlive()).count();
    }
}
