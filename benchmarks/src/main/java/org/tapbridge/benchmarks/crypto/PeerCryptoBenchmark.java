package org.tapbridge.benchmarks.crypto;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.tapbridge.crypto.HandshakeSource;
import org.tapbridge.crypto.Inbound;
import org.tapbridge.crypto.Keys;
import org.tapbridge.crypto.Outbox;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.crypto.PeerSession;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.crypto.WireFormat;

/**
 * The whole data path of the crypto layer for one 1500-byte frame: {@link PeerCrypto#seal} on one site and
 * {@link PeerCrypto#receive} on the other (index lookup, replay window, AES-GCM), on direct buffers as
 * the ring's slots are. Compare with {@link SealOpenBenchmark} for what our code adds to the JCE.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PeerCryptoBenchmark {
    /** Fixed, so the keys never age into a rekey during the run. */
    private static final long NOW_NS = TimeUnit.SECONDS.toNanos(1_000);
    /** Each side's known endpoint: address-free, as the handshake layer needs nothing more here. */
    private static final HandshakeSource KNOWN_A = new HandshakeSource().none().known(true);
    private static final HandshakeSource KNOWN_B = new HandshakeSource().none().known(true);

    @Param({"1500"})
    int frameLength;

    @Param({"true", "false"})
    boolean direct;

    private PeerCrypto a;
    private PeerCrypto b;
    private PeerSession peerB;
    private ByteBuffer out;
    private ByteBuffer in;
    private final Inbound inbound = new Inbound();

    @Setup
    public void setUp() throws Exception {
        Deque<byte[]> fromA = new ArrayDeque<>();
        Deque<byte[]> fromB = new ArrayDeque<>();
        byte[] privateA = Keys.generatePrivate(seeded(1));
        byte[] privateB = Keys.generatePrivate(seeded(2));
        a = new PeerCrypto(privateA, SessionSettings.defaults(), queueTo(fromA), seeded(3),
                PeerCryptoBenchmark::wallClockNs);
        b = new PeerCrypto(privateB, SessionSettings.defaults(), queueTo(fromB), seeded(4),
                PeerCryptoBenchmark::wallClockNs);
        peerB = a.addPeer("b", Keys.publicFromPrivate(privateB), null);
        b.addPeer("a", Keys.publicFromPrivate(privateA), null);
        a.connect(peerB, NOW_NS);
        while (!fromA.isEmpty() || !fromB.isEmpty()) {
            if (!fromA.isEmpty()) {
                byte[] m = fromA.poll();
                b.receive(ByteBuffer.wrap(m), 0, m.length, KNOWN_A, NOW_NS, inbound);
                replyTo(fromB);
            }
            if (!fromB.isEmpty()) {
                byte[] m = fromB.poll();
                a.receive(ByteBuffer.wrap(m), 0, m.length, KNOWN_B, NOW_NS, inbound);
                replyTo(fromA);
            }
        }
        if (!peerB.hasSession()) {
            throw new IllegalStateException("benchmark setup: the handshake did not complete");
        }
        int size = frameLength + WireFormat.DATA_OVERHEAD;
        out = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
        in = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
    }

    @Benchmark
    public int sealThenReceive() {
        int length = a.seal(peerB, out, 0, frameLength, NOW_NS);
        in.put(0, out, 0, length);
        b.receive(in, 0, length, KNOWN_A, NOW_NS, inbound);
        return inbound.plaintextLength();
    }

    /** The link layer's part: an answer to a handshake message goes back the way it came. */
    private void replyTo(Deque<byte[]> queue) {
        if (inbound.reply() != null) {
            queue.add(copy(inbound.reply()));
        }
    }

    private static Outbox queueTo(Deque<byte[]> queue) {
        return new Outbox() {
            @Override
            public boolean canReach(PeerSession peer) {
                return true;
            }

            @Override
            public void send(PeerSession peer, ByteBuffer message) {
                queue.add(copy(message));
            }
        };
    }

    private static long wallClockNs() {
        return System.currentTimeMillis() * 1_000_000L;
    }

    private static byte[] copy(ByteBuffer m) {
        byte[] bytes = new byte[m.remaining()];
        m.duplicate().get(bytes);
        return bytes;
    }

    private static SecureRandom seeded(long seed) throws NoSuchAlgorithmException {
        SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
        r.setSeed(seed);
        return r;
    }

    private static InetSocketAddress address(int host) throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 198, 18, 0, (byte) host}), 51820);
    }
}
