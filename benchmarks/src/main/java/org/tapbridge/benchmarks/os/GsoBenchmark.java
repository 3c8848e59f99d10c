package org.tapbridge.benchmarks.os;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
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
 * 64 datagrams of 1400 bytes sent and received again over IPv4 loopback on one thread, per operation, with
 * and without UDP segmentation on send and coalescing on receive:
 * <ul>
 * <li>send: sendmmsg of 64 messages of one datagram each, or sendmmsg of 2 messages of 32 segments each
 *     (UDP_SEGMENT; one message cannot carry 64 x 1400 bytes, an IP packet's payload stops at 65507);
 * <li>receive: recvmmsg into 64 buffers of 2 KB on a plain socket, or into 64 KB buffers with UDP_GRO on.
 * </ul>
 * Loopback does no receive-side GRO: coalesced buffers come only from segmented sends, which reach a plain
 * socket cut into datagrams by the receiving socket's layer. Scores are ns per datagram.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GsoBenchmark {
    private static final int DATAGRAMS = 64;
    private static final int PAYLOAD = 1400;
    private static final int SEGMENTED_MESSAGES = 2;
    private static final int SEGMENTS_PER_MESSAGE = DATAGRAMS / SEGMENTED_MESSAGES;
    private static final int PLAIN_BUFFER = 2048;
    private static final int MAX_EMPTY_RECEIVES = 10_000;

    private UdpSocket sender;
    private UdpSocket plainReceiver;
    private UdpSocket groReceiver;
    private DatagramBatch plainOut;
    private DatagramBatch segmentedOut;
    private DatagramBatch plainIn;
    private DatagramBatch groIn;
    private ByteBuffer outMemory;
    private ByteBuffer plainInMemory;
    private ByteBuffer groInMemory;
    private EncodedEndpoint plainTarget;
    private EncodedEndpoint groTarget;

    @Setup
    public void setUp() throws IOException {
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
        sender = UdpSocket.open(loopback, UdpOptions.defaults());
        plainReceiver = UdpSocket.open(loopback, UdpOptions.defaults());
        groReceiver = UdpSocket.open(loopback, UdpOptions.defaults().withGro(true));
        if (!sender.gsoSupported() || !groReceiver.groEnabled()) {
            throw new IllegalStateException("this kernel lacks UDP GSO or GRO: " + groReceiver.groRefusal());
        }
        plainTarget = EncodedEndpoint.of(plainReceiver.localAddress());
        groTarget = EncodedEndpoint.of(groReceiver.localAddress());
        outMemory = ByteBuffer.allocateDirect(DATAGRAMS * PAYLOAD);
        long out = DatagramBatch.bufferAddress(outMemory);
        plainOut = new DatagramBatch(DATAGRAMS);
        for (int i = 0; i < DATAGRAMS; i++) {
            plainOut.setBuffer(i, out + (long) i * PAYLOAD, PAYLOAD);
        }
        // The same bytes, read as two messages of 32 segments each.
        segmentedOut = new DatagramBatch(SEGMENTED_MESSAGES);
        for (int i = 0; i < SEGMENTED_MESSAGES; i++) {
            segmentedOut.setBuffer(i, out + (long) i * SEGMENTS_PER_MESSAGE * PAYLOAD, SEGMENTS_PER_MESSAGE * PAYLOAD);
            segmentedOut.setSegmentSize(i, PAYLOAD);
        }
        plainInMemory = ByteBuffer.allocateDirect(DATAGRAMS * PLAIN_BUFFER);
        plainIn = new DatagramBatch(DATAGRAMS);
        long plain = DatagramBatch.bufferAddress(plainInMemory);
        for (int i = 0; i < DATAGRAMS; i++) {
            plainIn.setBuffer(i, plain + (long) i * PLAIN_BUFFER, PLAIN_BUFFER);
        }
        groInMemory = ByteBuffer.allocateDirect(DATAGRAMS * UdpSocket.GRO_BUFFER_BYTES);
        groIn = new DatagramBatch(DATAGRAMS);
        long gro = DatagramBatch.bufferAddress(groInMemory);
        for (int i = 0; i < DATAGRAMS; i++) {
            groIn.setBuffer(i, gro + (long) i * UdpSocket.GRO_BUFFER_BYTES, UdpSocket.GRO_BUFFER_BYTES);
        }
    }

    @TearDown
    public void tearDown() {
        sender.close();
        plainReceiver.close();
        groReceiver.close();
    }

    @Benchmark
    @OperationsPerInvocation(DATAGRAMS)
    public int sendmmsgToPlainReceiver() throws IOException {
        sendPlain(plainTarget);
        return receive(plainReceiver, plainIn);
    }

    @Benchmark
    @OperationsPerInvocation(DATAGRAMS)
    public int segmentedToPlainReceiver() throws IOException {
        sendSegmented(plainTarget);
        return receive(plainReceiver, plainIn);
    }

    @Benchmark
    @OperationsPerInvocation(DATAGRAMS)
    public int sendmmsgToGroReceiver() throws IOException {
        sendPlain(groTarget);
        return receive(groReceiver, groIn);
    }

    @Benchmark
    @OperationsPerInvocation(DATAGRAMS)
    public int segmentedToGroReceiver() throws IOException {
        sendSegmented(groTarget);
        return receive(groReceiver, groIn);
    }

    private void sendPlain(EncodedEndpoint target) throws IOException {
        for (int i = 0; i < DATAGRAMS; i++) {
            plainOut.setLength(i, PAYLOAD);
            plainOut.setTarget(i, target);
        }
        if (sender.send(plainOut, DATAGRAMS) != DATAGRAMS) {
            throw new IllegalStateException("sendmmsg took fewer than 64: status " + plainOut.status(0));
        }
    }

    private void sendSegmented(EncodedEndpoint target) throws IOException {
        for (int i = 0; i < SEGMENTED_MESSAGES; i++) {
            segmentedOut.setLength(i, SEGMENTS_PER_MESSAGE * PAYLOAD);
            segmentedOut.setTarget(i, target);
        }
        if (sender.send(segmentedOut, SEGMENTED_MESSAGES) != SEGMENTED_MESSAGES) {
            throw new IllegalStateException("segmented send refused: status " + segmentedOut.status(0));
        }
    }

    /** Receives until 64 datagrams arrived, counting every segment of a coalesced buffer; returns bytes. */
    private static int receive(UdpSocket receiver, DatagramBatch in) throws IOException {
        int datagrams = 0;
        int bytes = 0;
        for (int empty = 0; datagrams < DATAGRAMS; ) {
            int n = receiver.receive(in, DATAGRAMS);
            if (n == 0 && ++empty == MAX_EMPTY_RECEIVES) {
                throw new IllegalStateException("loopback lost a datagram");
            }
            for (int i = 0; i < n; i++) {
                int length = in.length(i);
                datagrams += DatagramBatch.segmentCount(length, in.receivedSegmentSize(i));
                bytes += length;
            }
        }
        return bytes;
    }
}
