package org.tapbridge.benchmarks.os;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.tapbridge.os.DatagramBatch;
import org.tapbridge.os.EncodedEndpoint;
import org.tapbridge.os.UdpOptions;
import org.tapbridge.os.UdpSocket;

/**
 * One 1400-byte datagram sent and received again over IPv4 loopback on one thread, per operation: through
 * a non-blocking NIO DatagramChannel (one send and one receive call each), and through sendmmsg/recvmmsg
 * with 1, 8 or 32 datagrams per call. Scores are ns per datagram, {@code -prof gc} bytes per datagram.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MmsgBenchmark {
    private static final int PAYLOAD = 1400;
    private static final int MAX_BATCH = 32;
    /** Loopback delivers within the send call; this many empty receives in a row means datagrams were lost. */
    private static final int MAX_EMPTY_RECEIVES = 10_000;

    private DatagramChannel nioSender;
    private DatagramChannel nioReceiver;
    private SocketAddress nioTarget;
    private ByteBuffer nioOut;
    private ByteBuffer nioIn;

    private UdpSocket sender;
    private UdpSocket receiver;
    private DatagramBatch out;
    private DatagramBatch in;
    private EncodedEndpoint source;
    private ByteBuffer outMemory;
    private ByteBuffer inMemory;

    @Setup
    public void setUp() throws IOException {
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
        nioReceiver = DatagramChannel.open().bind(loopback);
        nioReceiver.configureBlocking(false);
        nioSender = DatagramChannel.open().bind(loopback);
        nioSender.configureBlocking(false);
        nioTarget = nioReceiver.getLocalAddress();
        nioOut = ByteBuffer.allocateDirect(PAYLOAD);
        nioIn = ByteBuffer.allocateDirect(2048);

        sender = UdpSocket.open(loopback, UdpOptions.defaults());
        receiver = UdpSocket.open(loopback, UdpOptions.defaults());
        source = EncodedEndpoint.of(sender.localAddress());
        EncodedEndpoint target = EncodedEndpoint.of(receiver.localAddress());
        out = new DatagramBatch(MAX_BATCH);
        in = new DatagramBatch(MAX_BATCH);
        outMemory = ByteBuffer.allocateDirect(MAX_BATCH * PAYLOAD);
        inMemory = ByteBuffer.allocateDirect(MAX_BATCH * 2048);
        long outAddress = DatagramBatch.bufferAddress(outMemory);
        long inAddress = DatagramBatch.bufferAddress(inMemory);
        for (int i = 0; i < MAX_BATCH; i++) {
            out.setBuffer(i, outAddress + (long) i * PAYLOAD, PAYLOAD);
            out.setTarget(i, target);
            in.setBuffer(i, inAddress + i * 2048L, 2048);
        }
    }

    @TearDown
    public void tearDown() throws IOException {
        nioSender.close();
        nioReceiver.close();
        sender.close();
        receiver.close();
    }

    @Benchmark
    public SocketAddress nioDatagramChannel() throws IOException {
        nioOut.clear();
        if (nioSender.send(nioOut, nioTarget) != PAYLOAD) {
            throw new IllegalStateException("NIO send buffer full");
        }
        for (int empty = 0; empty < MAX_EMPTY_RECEIVES; empty++) {
            nioIn.clear();
            SocketAddress from = nioReceiver.receive(nioIn);
            if (from != null) {
                return from;
            }
        }
        throw new IllegalStateException("loopback lost a datagram");
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public int mmsgBatch1() throws IOException {
        return roundTrip(1);
    }

    @Benchmark
    @OperationsPerInvocation(8)
    public int mmsgBatch8() throws IOException {
        return roundTrip(8);
    }

    @Benchmark
    @OperationsPerInvocation(32)
    public int mmsgBatch32() throws IOException {
        return roundTrip(32);
    }

    /** Sends {@code count} datagrams in one sendmmsg and receives them with recvmmsg, checking each source. */
    private int roundTrip(int count) throws IOException {
        for (int i = 0; i < count; i++) {
            out.setLength(i, PAYLOAD);
        }
        if (sender.send(out, count) != count) {
            throw new IllegalStateException("sendmmsg took fewer than " + count + ": status " + out.status(0));
        }
        int received = 0;
        int matched = 0;
        for (int empty = 0; received < count; ) {
            int n = receiver.receive(in, count - received);
            if (n == 0 && ++empty == MAX_EMPTY_RECEIVES) {
                throw new IllegalStateException("loopback lost a datagram");
            }
            for (int i = 0; i < n; i++) {
                if (in.sameSource(i, source)) {
                    matched += in.length(i);
                }
            }
            received += n;
        }
        return matched;
    }
}
