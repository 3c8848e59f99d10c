package org.tapbridge.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow clients hold a control connection for at most its deadline, and never delay anyone else: the
 * control thread is the operator's only way to look inside a running daemon.
 */
class ControlDeadlineTest {
    private static final long DEADLINE_MS = ControlServer.CONNECTION_DEADLINE_NS / 1_000_000;
    /** Scheduling slack on a busy 2-CPU machine. */
    private static final long MARGIN_MS = 1000;
    /** Every slow client gives up by itself after this, so a broken server cannot hang the build. */
    private static final long CLIENT_LIMIT_MS = 8000;
    /** Larger than the socket buffers, so a client that does not read makes the server wait on writing. */
    private static final String BIG_REPLY = "m".repeat(4 << 20) + "\n";

    @TempDir
    Path dir;

    private ControlServer server;
    private Path socket;
    private ExecutorService clients;

    @BeforeEach
    void start() throws IOException {
        socket = dir.resolve("tbctl-deadline.sock");
        server = ControlServer.bind(socket, request -> switch (request.command()) {
            case MACS -> BIG_REPLY;
            default -> request.command().wireName() + "\n";
        });
        server.start();
        clients = Executors.newCachedThreadPool();
    }

    @AfterEach
    void stop() throws InterruptedException {
        clients.shutdownNow();
        clients.awaitTermination(CLIENT_LIMIT_MS, TimeUnit.MILLISECONDS);
        server.close();
    }

    /** Milliseconds that {@code stats} took, asked once the slow clients hold their connections. */
    private long timedStats() throws IOException {
        long startNs = System.nanoTime();
        assertEquals("stats\n", ControlClient.query(socket, new ControlRequest(ControlRequest.Command.STATS, false)));
        return (System.nanoTime() - startNs) / 1_000_000;
    }

    /** Sends one byte every 100 ms and never a newline; returns the milliseconds until the server ended it. */
    private Future<Long> trickler() {
        CompletableFuture<Long> connected = new CompletableFuture<>();
        Future<Long> held = clients.submit(() -> {
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                long startNs = System.nanoTime();
                connected.complete(startNs);
                ByteBuffer one = ByteBuffer.allocate(1);
                while (System.nanoTime() - startNs < CLIENT_LIMIT_MS * 1_000_000L) {
                    one.clear();
                    one.put(0, (byte) 'x');
                    try {
                        c.write(one);
                    } catch (IOException e) {
                        return (System.nanoTime() - startNs) / 1_000_000;
                    }
                    Thread.sleep(100);
                }
                return CLIENT_LIMIT_MS;
            }
        });
        connected.join();
        return held;
    }

    /**
     * Asks for the 4 MB {@code macs} answer and reads one byte every 100 ms for longer than the deadline, then
     * reads what is left at full speed; returns how many bytes of the answer it got in all.
     */
    private Future<Long> slowReader() {
        CompletableFuture<Long> asked = new CompletableFuture<>();
        Future<Long> got = clients.submit(() -> {
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                long startNs = System.nanoTime();
                c.write(ByteBuffer.wrap("macs\n".getBytes(StandardCharsets.US_ASCII)));
                asked.complete(startNs);
                ByteBuffer one = ByteBuffer.allocate(1);
                long total = 0;
                while (System.nanoTime() - startNs < (DEADLINE_MS + MARGIN_MS) * 1_000_000L) {
                    int n = c.read(one.clear());
                    if (n < 0) {
                        return total;
                    }
                    total += n;
                    Thread.sleep(100);
                }
                // The server has given up on us by now, or is still writing: the rest tells which.
                ByteBuffer rest = ByteBuffer.allocate(65536);
                try {
                    for (int n = c.read(rest); n >= 0; n = c.read(rest.clear())) {
                        total += n;
                    }
                } catch (IOException reset) {
                    // A reset is as good as an end: the answer stopped.
                }
                return total;
            }
        });
        asked.join();
        return got;
    }

    @Test
    void aClientTricklingOneBytePer100MsDoesNotDelayAnotherClientsStats() throws Exception {
        Future<Long> slow = trickler();
        Thread.sleep(300);
        long statsMs = timedStats();
        assertTrue(statsMs <= DEADLINE_MS + MARGIN_MS, "stats took " + statsMs + " ms behind a trickling client");
        long heldMs = slow.get(CLIENT_LIMIT_MS + MARGIN_MS, TimeUnit.MILLISECONDS);
        assertTrue(heldMs >= DEADLINE_MS - 100 && heldMs <= DEADLINE_MS + MARGIN_MS,
                "the trickling client was cut off after " + heldMs + " ms; the deadline is " + DEADLINE_MS + " ms");
    }

    @Test
    void aClientReadingItsAnswerOneBytePer100MsIsCutOffAtTheDeadline() throws Exception {
        Future<Long> slow = slowReader();
        Thread.sleep(300);
        long statsMs = timedStats();
        assertTrue(statsMs <= DEADLINE_MS + MARGIN_MS, "stats took " + statsMs + " ms behind a slow reader");
        long got = slow.get(CLIENT_LIMIT_MS + MARGIN_MS, TimeUnit.MILLISECONDS);
        assertTrue(got < BIG_REPLY.length(), "the server was still writing to the slow reader after "
                + (DEADLINE_MS + MARGIN_MS) + " ms: it got all " + got + " bytes");
    }

    @Test
    void moreIdleClientsThanConnectionSlotsDoNotLockTheOperatorOut() throws Exception {
        List<SocketChannel> idle = new ArrayList<>();
        try {
            for (int i = 0; i < ControlServer.MAX_CONNECTIONS + 8; i++) {
                idle.add(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
            }
            long statsMs = timedStats();
            assertTrue(statsMs <= DEADLINE_MS + MARGIN_MS, "stats took " + statsMs + " ms behind "
                    + idle.size() + " idle connections");
        } finally {
            for (SocketChannel c : idle) {
                c.close();
            }
        }
    }

    @Test
    void aPromptClientStillGetsTheWholeLargeAnswer() throws IOException {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            c.write(ByteBuffer.wrap("macs\n".getBytes(StandardCharsets.US_ASCII)));
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(65536);
            while (c.read(in.clear()) > 0) {
                reply.write(in.array(), 0, in.position());
            }
            assertEquals(BIG_REPLY.length(), reply.size());
        }
    }
}
