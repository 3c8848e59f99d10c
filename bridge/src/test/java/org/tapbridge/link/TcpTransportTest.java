package org.tapbridge.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tapbridge.crypto.HandshakeInitiation;
import org.tapbridge.crypto.WireFormat;
import org.tapbridge.drops.DropReason;
import org.tapbridge.pipeline.MemoryWaiter;

/**
 * The TCP listener's handling of strangers, on in-memory sockets: idle connections from one address can
 * neither lock out nor evict a peer dialling from another, and each gets a short deadline.
 */
class TcpTransportTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final InetSocketAddress LISTEN = address("198.18.0.1", 4790);

    private final FakeListener listener = new FakeListener();
    private final MemoryWaiter waiter = new MemoryWaiter();
    private final LinkCounters counters = new LinkCounters();
    private final List<FakeSocket> introduced = new ArrayList<>();
    private final TcpTransport.Introductions record = (socket, buffer, offset, length, nowNs) -> {
        introduced.add((FakeSocket) socket);
        // Adopted by no peer: the transport closes it, as it would after a failed handshake.
        return null;
    };

    @Test
    void aPeerDiallingInWhileOneAddressHoldsDozensOfIdleConnectionsIsHeardAtOnce() throws Exception {
        TcpTransport tcp = open();
        long now = 1_000 * MS;
        List<FakeSocket> idle = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            idle.add(listener.arrive(new FakeSocket(address("198.18.0.66", 30_000 + i), null)));
        }
        tcp.service(now, record);
        // The peer's connection arrives amid more of the attacker's, all accepted in one turn.
        FakeSocket peer = listener.arrive(new FakeSocket(address("198.18.0.2", 41_000), initiation()));
        for (int i = 40; i < 60; i++) {
            idle.add(listener.arrive(new FakeSocket(address("198.18.0.66", 30_000 + i), null)));
        }
        tcp.service(now + MS, record);

        assertEquals(List.of(peer), introduced, "the peer's first message was read and handed on");
        long open = idle.stream().filter(s -> !s.closed).count();
        assertEquals(TcpTransport.MAX_PENDING_PER_SOURCE, open, "one address keeps only its share pending");
        assertEquals(60 - TcpTransport.MAX_PENDING_PER_SOURCE, counters.drops(DropReason.UNKNOWN_PEER));
        tcp.close();
    }

    @Test
    void idleConnectionsFromManyAddressesEvictTheOldestSoANewcomerStillGetsIn() throws Exception {
        TcpTransport tcp = open();
        long now = 1_000 * MS;
        for (int i = 0; i < TcpTransport.MAX_PENDING * 3; i++) {
            listener.arrive(new FakeSocket(address("198.18.1." + (i + 1), 30_000), null));
            tcp.service(now + i * MS, record);
        }
        FakeSocket peer = listener.arrive(new FakeSocket(address("198.18.0.2", 41_000), initiation()));
        tcp.service(now + 100 * MS, record);
        assertEquals(List.of(peer), introduced);
        tcp.close();
    }

    @Test
    void closesAConnectionThatSaysNothingWithinTheDeadline() throws Exception {
        TcpTransport tcp = open();
        long now = 1_000 * MS;
        FakeSocket silent = listener.arrive(new FakeSocket(address("198.18.0.66", 30_000), null));
        tcp.service(now, record);
        tcp.tick(now + TcpTransport.FIRST_MESSAGE_TIMEOUT_NS);
        assertFalse(silent.closed, "not before the deadline");
        tcp.tick(now + TcpTransport.FIRST_MESSAGE_TIMEOUT_NS + MS);
        assertTrue(silent.closed);
        assertTrue(TcpTransport.FIRST_MESSAGE_TIMEOUT_NS <= 2_000 * MS, "a peer that dials in waits at most 2 s");
        tcp.close();
    }

    private TcpTransport open() throws IOException {
        return TcpTransport.open(new StreamNetwork() {
            @Override
            public StreamListener listen(InetSocketAddress address) {
                return listener;
            }

            @Override
            public StreamSocket connect(InetSocketAddress address) throws IOException {
                throw new IOException("not in this test");
            }
        }, LISTEN, waiter, counters);
    }

    /** A length-prefixed, initiation-sized first message: the transport checks its size, not its contents. */
    private static byte[] initiation() {
        byte[] m = new byte[TcpPeerLink.LENGTH_PREFIX + HandshakeInitiation.LENGTH];
        m[0] = (byte) (HandshakeInitiation.LENGTH >>> 8);
        m[1] = (byte) HandshakeInitiation.LENGTH;
        m[2] = WireFormat.VERSION;
        m[3] = WireFormat.TYPE_HANDSHAKE_INIT;
        return m;
    }

    private static InetSocketAddress address(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static final class FakeListener implements StreamListener {
        private final Deque<FakeSocket> queue = new ArrayDeque<>();

        FakeSocket arrive(FakeSocket s) {
            queue.add(s);
            return s;
        }

        @Override
        public int fd() {
            return -1;
        }

        @Override
        public StreamSocket accept() {
            return queue.poll();
        }

        @Override
        public void close() {
        }
    }

    /** A connection that sends {@code bytes} at once, or nothing ever when null. */
    private static final class FakeSocket implements StreamSocket {
        private final InetSocketAddress remote;
        private final byte[] bytes;
        private int read;
        boolean closed;

        FakeSocket(InetSocketAddress remote, byte[] bytes) {
            this.remote = remote;
            this.bytes = bytes;
        }

        @Override
        public int fd() {
            return -1;
        }

        @Override
        public boolean finishConnect() {
            return true;
        }

        @Override
        public int read(ByteBuffer direct, int offset, int capacity) {
            if (bytes == null || read == bytes.length) {
                return 0;
            }
            int n = Math.min(capacity, bytes.length - read);
            direct.put(offset, bytes, read, n);
            read += n;
            return n;
        }

        @Override
        public int write(ByteBuffer direct, int offset, int length) {
            return length;
        }

        @Override
        public InetSocketAddress remote() {
            return remote;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
