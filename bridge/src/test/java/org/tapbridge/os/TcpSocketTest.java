package org.tapbridge.os;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Non-blocking TCP on loopback: connect/accept, partial writes up to EAGAIN, EOF, refused connections. */
class TcpSocketTest {
    private static final int WAIT_MS = 5_000;

    @Test
    void connectsAndExchangesBytesOverIpv4() throws Exception {
        exchange("127.0.0.1");
    }

    @Test
    void connectsAndExchangesBytesOverIpv6() throws Exception {
        exchange("::1");
    }

    private static void exchange(String loopback) throws Exception {
        try (TcpListener listener = TcpListener.open(new InetSocketAddress(loopback, 0), 16);
                TcpSocket client = TcpSocket.connect(listener.localAddress())) {
            awaitConnected(client);
            TcpSocket server = awaitAccept(listener);
            try (server) {
                assertEquals(client.localAddress(), server.remote(), "accept reports the peer");
                assertEquals(listener.localAddress(), client.remote());
                Memory buffers = new Memory(4096);
                byte[] hello = "hello over native tcp".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                buffers.buffer.put(0, hello);
                assertEquals(hello.length, client.write(buffers.address, hello.length));
                awaitEvents(server.fd(), Poller.POLLIN);
                assertEquals(hello.length, server.read(buffers.address + 1024, 1024));
                byte[] got = new byte[hello.length];
                buffers.buffer.get(1024, got);
                assertArrayEquals(hello, got);
                assertEquals(0, server.read(buffers.address, 1024), "nothing more waits: EAGAIN is 0");
            }
        }
    }

    @Test
    void writesUntilTheSendBufferIsFullThenDeliversEveryByteAndEndOfStream() throws Exception {
        try (TcpListener listener = TcpListener.open(new InetSocketAddress("127.0.0.1", 0), 16);
                TcpSocket client = TcpSocket.connect(listener.localAddress())) {
            client.setKeepAlive(true);
            awaitConnected(client);
            try (TcpSocket server = awaitAccept(listener)) {
                int chunk = 64 * 1024;
                Memory out = new Memory(chunk);
                byte[] pattern = new byte[chunk];
                new Random(7).nextBytes(pattern);
                out.buffer.put(0, pattern);
                // Fill the socket buffers without reading: bounded by 256 MiB, far above any default buffer.
                long written = 0;
                int partialWrites = 0;
                while (written < (256L << 20)) {
                    int offset = (int) (written % chunk);
                    int n = client.write(out.address + offset, chunk - offset);
                    if (n == 0) {
                        break;
                    }
                    if (n < chunk - offset) {
                        partialWrites++;
                    }
                    written += n;
                }
                assertTrue(written < (256L << 20), "EAGAIN must come once the buffers are full");
                assertTrue(written > 0);
                client.shutdownOutput();
                Memory in = new Memory(chunk);
                byte[] got = new byte[chunk];
                long read = 0;
                long deadline = System.currentTimeMillis() + WAIT_MS;
                while (System.currentTimeMillis() < deadline) {
                    int n = server.read(in.address, chunk);
                    if (n < 0) {
                        break;
                    }
                    if (n == 0) {
                        awaitEvents(server.fd(), Poller.POLLIN);
                        continue;
                    }
                    in.buffer.get(0, got, 0, n);
                    for (int i = 0; i < n; i++) {
                        if (got[i] != pattern[(int) ((read + i) % chunk)]) {
                            fail("byte " + (read + i) + " differs");
                        }
                    }
                    read += n;
                }
                assertEquals(written, read, "every byte written arrives, then end of stream (-1)");
                assertEquals(-1, server.read(in.address, chunk), "EOF stays EOF");
                System.out.printf("TCP: %d bytes accepted before EAGAIN (%d partial writes)%n", written, partialWrites);
            }
        }
    }

    @Test
    void reportsARefusedConnectionWithTheAddressAndErrno() throws Exception {
        InetSocketAddress closed;
        try (TcpListener listener = TcpListener.open(new InetSocketAddress("127.0.0.1", 0), 1)) {
            closed = listener.localAddress();
        }
        NativeIoException e;
        try {
            TcpSocket client = TcpSocket.connect(closed);
            try (client) {
                awaitEvents(client.fd(), Poller.POLLOUT);
                e = assertThrows(NativeIoException.class, client::finishConnect);
            }
        } catch (NativeIoException immediate) {
            e = immediate; // the kernel may already know at connect() time; either way the same report
        }
        assertEquals(Errno.ECONNREFUSED, e.errno());
        assertEquals("connect(127.0.0.1:" + closed.getPort() + "): ECONNREFUSED Connection refused", e.getMessage());
    }

    @Test
    void writingToAClosedPeerFailsWithoutSigpipe() throws Exception {
        try (TcpListener listener = TcpListener.open(new InetSocketAddress("127.0.0.1", 0), 16);
                TcpSocket client = TcpSocket.connect(listener.localAddress())) {
            awaitConnected(client);
            awaitAccept(listener).close();
            Memory out = new Memory(1024);
            // The first write draws a RST from the closed peer; a later one fails with EPIPE or ECONNRESET.
            long deadline = System.currentTimeMillis() + WAIT_MS;
            NativeIoException e = null;
            while (e == null && System.currentTimeMillis() < deadline) {
                try {
                    client.write(out.address, 1024);
                    Thread.sleep(10);
                } catch (NativeIoException failed) {
                    e = failed;
                }
            }
            assertNotNull(e, "writes to a closed peer must fail");
            assertTrue(e.errno() == Errno.EPIPE || e.errno() == Errno.ECONNRESET, e.getMessage());
            assertTrue(e.getMessage().startsWith("send(127.0.0.1:" + listener.localAddress().getPort() + "): "),
                    e.getMessage());
        }
    }

    @Test
    void acceptReturnsNullWhenNoConnectionWaits() throws Exception {
        try (TcpListener listener = TcpListener.open(new InetSocketAddress("::1", 0), 4)) {
            assertNull(listener.accept());
            assertThrows(IllegalArgumentException.class, () -> TcpListener.open(new InetSocketAddress("::1", 0), 0));
        }
    }

    @Test
    void closeIsIdempotentAndLaterCallsFailClearly() throws Exception {
        try (TcpListener listener = TcpListener.open(new InetSocketAddress("127.0.0.1", 0), 4)) {
            TcpSocket client = TcpSocket.connect(listener.localAddress());
            client.close();
            client.close();
            NativeIoException e = assertThrows(NativeIoException.class, () -> client.read(1, 1));
            assertTrue(e.getMessage().endsWith("the socket was closed"), e.getMessage());
        }
    }

    static void awaitConnected(TcpSocket client) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (!client.finishConnect()) {
            assertTrue(System.currentTimeMillis() < deadline, "connected within " + WAIT_MS + " ms");
            awaitEvents(client.fd(), Poller.POLLOUT);
        }
    }

    static TcpSocket awaitAccept(TcpListener listener) throws Exception {
        awaitEvents(listener.fd(), Poller.POLLIN);
        TcpSocket accepted = listener.accept();
        assertNotNull(accepted);
        return accepted;
    }

    static short awaitEvents(int fd, short events) throws Exception {
        Poller poller = new Poller(1);
        int handle = poller.add(fd, events);
        assertEquals(1, poller.poll(WAIT_MS), "fd " + fd + " ready within " + WAIT_MS + " ms");
        return poller.revents(handle);
    }

    /** A direct buffer and its address. */
    static final class Memory {
        final ByteBuffer buffer;
        final long address;

        Memory(int bytes) {
            buffer = ByteBuffer.allocateDirect(bytes);
            address = DatagramBatch.bufferAddress(buffer);
        }
    }
}
