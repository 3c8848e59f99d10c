package org.tapbridge.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.crypto.WireFormat;
import org.tapbridge.pipeline.FrameSizes;
import org.tapbridge.pipeline.MemoryWaiter;

/**
 * Coverage-guided fuzzing of the TCP stream framing (Jazzer; see scripts/fuzz.sh): the 16-bit length-prefixed
 * reader of {@link TcpPeerLink} and the first-message check of {@link TcpTransport}, fed through an in-memory
 * {@link StreamSocket} that hands out the stream in reads of the size the input picks. Each input is a new
 * connection from peer "b" ({@link RemotePeer}): a real initiation, "a"'s response, "b"'s confirming keepalive,
 * then the input's messages, then end of stream.
 *
 * <p>Input: read size (u8; 0 means as much as fits), then repeated: op (u8), length (u16), that many bytes. Op
 * modulo 3: 0 the bytes go into the stream raw (garbage, bad lengths, split prefixes); 1 the bytes sealed by
 * "b" as DATA, framed; 2 sealed as CONTROL, framed. Invariants: no exception; the frames delivered are, in
 * order, some of the frames "b" sealed (raw bytes can cut the stream short, never forge or reorder); with no
 * raw bytes every sealed frame arrives and the connection survives until the stream ends. Seeds and regression
 * inputs: {@code src/test/resources/org/tapbridge/link/TcpStreamFuzzTestInputs/}.
 */
class TcpStreamFuzzTest {
    private static final long SECOND_NS = 1_000_000_000L;

    private final FakeNetwork network = new FakeNetwork();
    private final RemotePeer b = new RemotePeer();
    private final PeerLinks links;
    private final TcpPeerLink linkB;
    private final List<byte[]> delivered = new ArrayList<>();
    private final FrameSink sink = (peer, buffer, offset, length, nowNs) -> {
        byte[] frame = new byte[length];
        buffer.get(offset, frame);
        delivered.add(frame);
    };
    private long nowNs = 1_000_000 * SECOND_NS;

    TcpStreamFuzzTest() {
        try {
            links = PeerLinks.bind(RemotePeer.siteA(Transport.TCP), RemotePeer.securityA(), new NullDatagramPort(),
                    network, new MemoryWaiter(), LinkTimers.defaults(), PeerListener.NONE, FrameSizes.maxFrame(1500));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        linkB = (TcpPeerLink) links.peers().byName("b");
    }

    @FuzzTest
    void deliversSomeOfWhatThePeerSealedInOrderWhateverTheStreamHolds(byte[] input) {
        if (input.length < 1) {
            return;
        }
        // A second per connection: the handshake rate limit refills, and every connection is a new one.
        nowNs += SECOND_NS;
        delivered.clear();
        FakeSocket socket = new FakeSocket(input[0] & 0xFF);
        network.listener.waiting = socket;
        b.sent.clear();
        b.crypto.handshakeNow(b.a, nowNs);
        socket.feed(framed(b.sent.poll()));
        serviceUntilDrained(socket);
        assertTrue(linkB.connected(), "the initiation did not open the connection");
        links.flush(nowNs);
        byte[] response = socket.takeFirstWritten();
        assertNotNull(response, "no handshake response");
        byte[] keepalive = b.receive(response, nowNs);
        assertNotNull(keepalive, "the response did not complete the handshake");
        socket.feed(framed(keepalive));

        List<byte[]> sealedFrames = new ArrayList<>();
        boolean raw = false;
        int at = 1;
        while (at + 3 <= input.length) {
            int op = (input[at] & 0xFF) % 3;
            int length = Math.min((input[at + 1] & 0xFF) << 8 | input[at + 2] & 0xFF, input.length - at - 3);
            byte[] bytes = Arrays.copyOfRange(input, at + 3, at + 3 + length);
            at += 3 + length;
            if (op != 0 && length > PeerCrypto.MAX_FRAME_LENGTH) {
                // No larger payload fits one sealed message; a frame that large never reaches the link.
                continue;
            }
            if (op == 0) {
                raw = true;
                socket.feed(bytes);
                continue;
            }
            byte[] sealed = b.seal(op == 1 ? WireFormat.TYPE_DATA : WireFormat.TYPE_CONTROL, bytes, 0, length, nowNs);
            assertNotNull(sealed, "no keys right after a handshake");
            socket.feed(framed(sealed));
            if (op == 1 && length > 0) {
                sealedFrames.add(bytes);
            }
        }
        serviceUntilDrained(socket);
        assertSubsequence(sealedFrames, delivered);
        if (!raw) {
            assertEquals(sealedFrames.size(), delivered.size(), "sealed frames lost on a clean stream");
            assertFalse(socket.closed, "a clean stream was closed");
        }
        socket.endOfStream = true;
        for (int guard = 0; guard < 1_000_000 && !socket.closed; guard++) {
            links.serviceStreams(nowNs, sink);
        }
        assertTrue(socket.closed, "end of stream left the connection open");
        assertFalse(linkB.connected(), "the link kept a closed connection");
    }

    /** Services the links until the socket has nothing left to read (or was closed). */
    private void serviceUntilDrained(FakeSocket socket) {
        for (int guard = 0; guard < 1_000_000 && !socket.closed; guard++) {
            int before = socket.unread();
            links.serviceStreams(nowNs, sink);
            if (socket.unread() == 0 && !links.streamsHaveBufferedMessages() || socket.unread() == before
                    && !links.streamsHaveBufferedMessages()) {
                return;
            }
        }
    }

    private static void assertSubsequence(List<byte[]> sealed, List<byte[]> delivered) {
        int next = 0;
        for (byte[] frame : delivered) {
            while (next < sealed.size() && !Arrays.equals(sealed.get(next), frame)) {
                next++;
            }
            assertTrue(next < sealed.size(), "a delivered frame of " + frame.length
                    + " bytes is not among the sealed ones, in order");
            next++;
        }
    }

    private static byte[] framed(byte[] message) {
        assertNotNull(message, "nothing to frame");
        byte[] out = new byte[2 + message.length];
        out[0] = (byte) (message.length >>> 8);
        out[1] = (byte) message.length;
        System.arraycopy(message, 0, out, 2, message.length);
        return out;
    }

    /** One accepted connection: reads hand out what was fed, in reads of at most {@code readSize} bytes. */
    static final class FakeSocket implements StreamSocket {
        private final int readSize;
        private final ByteArrayOutputStream written = new ByteArrayOutputStream();
        private byte[] stream = new byte[0];
        private int read;
        boolean endOfStream;
        boolean closed;

        FakeSocket(int readSize) {
            this.readSize = readSize == 0 ? Integer.MAX_VALUE : readSize;
        }

        void feed(byte[] bytes) {
            byte[] more = Arrays.copyOf(stream, stream.length + bytes.length);
            System.arraycopy(bytes, 0, more, stream.length, bytes.length);
            stream = more;
        }

        int unread() {
            return stream.length - read;
        }

        /** The first length-prefixed message "a" wrote, removed from what it wrote. */
        byte[] takeFirstWritten() {
            byte[] all = written.toByteArray();
            if (all.length < 2) {
                return null;
            }
            int length = (all[0] & 0xFF) << 8 | all[1] & 0xFF;
            if (all.length < 2 + length) {
                return null;
            }
            written.reset();
            written.write(all, 2 + length, all.length - 2 - length);
            return Arrays.copyOfRange(all, 2, 2 + length);
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
            assertFalse(closed, "read after close");
            assertTrue(offset >= 0 && capacity >= 0 && offset + capacity <= direct.capacity(),
                    "read into [" + offset + ", +" + capacity + ") of " + direct.capacity());
            int n = Math.min(Math.min(capacity, readSize), unread());
            if (n == 0) {
                return endOfStream && unread() == 0 ? -1 : 0;
            }
            direct.put(offset, stream, read, n);
            read += n;
            return n;
        }

        @Override
        public int write(ByteBuffer direct, int offset, int length) {
            assertFalse(closed, "write after close");
            byte[] bytes = new byte[length];
            direct.get(offset, bytes);
            written.write(bytes, 0, length);
            return length;
        }

        @Override
        public InetSocketAddress remote() {
            return RemotePeer.WAN_B;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Listens nowhere: hands out the one connection a test puts in {@link #waiting}. */
    static final class FakeListener implements StreamListener {
        StreamSocket waiting;

        @Override
        public int fd() {
            return -1;
        }

        @Override
        public StreamSocket accept() {
            StreamSocket s = waiting;
            waiting = null;
            return s;
        }

        @Override
        public void close() {
        }
    }

    static final class FakeNetwork implements StreamNetwork {
        final FakeListener listener = new FakeListener();

        @Override
        public StreamListener listen(InetSocketAddress address) {
            return listener;
        }

        @Override
        public StreamSocket connect(InetSocketAddress address) throws IOException {
            throw new IOException("this fake only accepts");
        }
    }

    /** "a" has only a TCP peer: its UDP port never carries anything. */
    static final class NullDatagramPort implements DatagramPort {
        @Override
        public int fd() {
            return -1;
        }

        @Override
        public int receive(Datagrams batch, int max) {
            return 0;
        }

        @Override
        public int send(Datagrams batch, int count) {
            for (int i = 0; i < count; i++) {
                batch.error(i, 0);
            }
            return count;
        }

        @Override
        public long receiveQueueDrops() {
            return 0;
        }

        @Override
        public int pathMtu(InetSocketAddress peer) {
            return 0;
        }

        @Override
        public InetSocketAddress localAddress() {
            return RemotePeer.WAN_A;
        }

        @Override
        public void close() {
        }
    }
}
