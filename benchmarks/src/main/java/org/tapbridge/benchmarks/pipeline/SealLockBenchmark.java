package org.tapbridge.benchmarks.pipeline;

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
import org.tapbridge.crypto.DataMessage;
import org.tapbridge.crypto.Inbound;
import org.tapbridge.crypto.Keys;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.crypto.PeerSession;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.crypto.WireFormat;
import org.tapbridge.link.SealPath;

/**
 * What PeerSender does per frame before the socket: copy the frame from its direct ring slot into the
 * heap message buffer, then seal it, either through SecureChannel (its lock, uncontended here, as when
 * no receive thread is opening at that moment) or by calling PeerCrypto directly. The difference is the
 * lock's cost on one thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SealLockBenchmark {
    /** Fixed, so the keys never age into a rekey during the run. */
    private static final long NOW_NS = TimeUnit.SECONDS.toNanos(1_000);

    @Param({"64", "1400"})
    int frameLength;

    private PeerCrypto a;
    private PeerSession peerB;
    private SealPath channel;
    private ByteBuffer slot;
    private ByteBuffer message;

    @Setup
    public void setUp() throws Exception {
        Deque<byte[]> fromA = new ArrayDeque<>();
        Deque<byte[]> fromB = new ArrayDeque<>();
        byte[] privateA = Keys.generatePrivate(seeded(1));
        byte[] privateB = Keys.generatePrivate(seeded(2));
        a = new PeerCrypto(privateA, SessionSettings.defaults(), (p, to, m) -> fromA.add(copy(m)), seeded(3),
                SealLockBenchmark::wallClockNs);
        PeerCrypto b = new PeerCrypto(privateB, SessionSettings.defaults(), (p, to, m) -> fromB.add(copy(m)),
                seeded(4), SealLockBenchmark::wallClockNs);
        InetSocketAddress addressA = address(1);
        InetSocketAddress addressB = address(2);
        peerB = a.addPeer("b", Keys.publicFromPrivate(privateB), null, addressB);
        b.addPeer("a", Keys.publicFromPrivate(privateA), null, addressA);
        Inbound inbound = new Inbound();
        a.connect(peerB, NOW_NS);
        while (!fromA.isEmpty() || !fromB.isEmpty()) {
            if (!fromA.isEmpty()) {
                byte[] m = fromA.poll();
                b.receive(ByteBuffer.wrap(m), 0, m.length, addressA, NOW_NS, inbound);
            }
            if (!fromB.isEmpty()) {
                byte[] m = fromB.poll();
                a.receive(ByteBuffer.wrap(m), 0, m.length, addressB, NOW_NS, inbound);
            }
        }
        if (!peerB.hasSession()) {
            throw new IllegalStateException("benchmark setup: the handshake did not complete");
        }
        channel = new SealPath(a, peerB);
        slot = ByteBuffer.allocateDirect(2048);
        byte[] frame = Frames.ethernet(Frames.host(2, 1), Frames.host(1, 1), frameLength, 5);
        slot.put(0, frame);
        // As PeerSender's: on the heap, room for the largest slot.
        message = ByteBuffer.allocate(WireFormat.DATA_OVERHEAD + 2048);
    }

    @Benchmark
    public int sealThroughSecureChannel() {
        message.put(DataMessage.HEADER_LENGTH, slot, 0, frameLength);
        return channel.seal(message, frameLength, NOW_NS);
    }

    @Benchmark
    public int sealRawPeerCrypto() {
        message.put(DataMessage.HEADER_LENGTH, slot, 0, frameLength);
        return a.seal(peerB, message, 0, frameLength, NOW_NS);
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
