package org.tapbridge.benchmarks.os;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.tapbridge.os.DatagramBatch;
import org.tapbridge.os.EncodedEndpoint;
import org.tapbridge.os.UdpOptions;
import org.tapbridge.os.UdpSocket;

/**
 * {@link GsoBenchmark}'s round trip taken apart: the send of 64 x 1400 bytes alone (sendmmsg of 64, or of
 * 2 UDP_SEGMENT messages of 32; the receiver drained outside the measurement), and the receive alone
 * (recvmmsg on a plain socket or one with UDP_GRO; the datagrams sent outside the measurement). On loopback
 * the send includes the delivery into the receiving socket, and with it the cutting of a segmented message
 * for a socket without GRO. Level.Invocation fixtures cost some ns per call: below 1 ns per datagram here.
 * Scores are ns per datagram.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GsoSidesBenchmark {
    static final int DATAGRAMS = 64;
    static final int PAYLOAD = 1400;
    static final int SEGMENTED_MESSAGES = 2;
    static final int SEGMENTS_PER_MESSAGE = DATAGRAMS / SEGMENTED_MESSAGES;
    static final int PLAIN_BUFFER = 2048;

    /** A sender, a plain and a GRO receiver on IPv4 loopback, and their batches. */
    @State(Scope.Thread)
    public static class Loopback {
        UdpSocket sender;
        UdpSocket plainReceiver;
        UdpSocket groReceiver;
        DatagramBatch plainOut;
        DatagramBatch segmentedOut;
        DatagramBatch plainIn;
        DatagramBatch groIn;
        private ByteBuffer outMemory;
        private ByteBuffer plainInMemory;
        private ByteBuffer groInMemory;

        @Setup(Level.Trial)
        public void open() throws IOException {
            InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
            sender = UdpSocket.open(loopback, UdpOptions.defaults());
            plainReceiver = UdpSocket.open(loopback, UdpOptions.defaults());
            groReceiver = UdpSocket.open(loopback, UdpOptions.defaults().withGro(true));
            if (!sender.gsoSupported() || !groReceiver.groEnabled()) {
                throw new IllegalStateException("this kernel lacks UDP GSO or GRO: " + groReceiver.groRefusal());
            }
            outMemory = ByteBuffer.allocateDirect(DATAGRAMS * PAYLOAD);
            long out = DatagramBatch.bufferAddress(outMemory);
            plainOut = new DatagramBatch(DATAGRAMS);
            for (int i = 0; i < DATAGRAMS; i++) {
                plainOut.setBuffer(i, out + (long) i * PAYLOAD, PAYLOAD);
            }
            segmentedOut = new DatagramBatch(SEGMENTED_MESSAGES);
            for (int i = 0; i < SEGMENTED_MESSAGES; i++) {
                segmentedOut.setBuffer(i, out + (long) i * SEGMENTS_PER_MESSAGE * PAYLOAD,
                        SEGMENTS_PER_MESSAGE * PAYLOAD);
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

        @TearDown(Level.Trial)
        public void close() {
            sender.close();
            plainReceiver.close();
            groReceiver.close();
        }

        UdpSocket receiver(String kind) {
            return "gro".equals(kind) ? groReceiver : plainReceiver;
        }

        DatagramBatch in(String kind) {
            return "gro".equals(kind) ? groIn : plainIn;
        }

        void send(boolean segmented, UdpSocket receiver) throws IOException {
            EncodedEndpoint target = EncodedEndpoint.of(receiver.localAddress());
            DatagramBatch out = segmented ? segmentedOut : plainOut;
            int messages = segmented ? SEGMENTED_MESSAGES : DATAGRAMS;
            for (int i = 0; i < messages; i++) {
                out.setLength(i, segmented ? SEGMENTS_PER_MESSAGE * PAYLOAD : PAYLOAD);
                out.setTarget(i, target);
            }
            if (sender.send(out, messages) != messages) {
                throw new IllegalStateException("send took fewer than " + messages + ": status " + out.status(0));
            }
        }

        /** Receives until all 64 datagrams arrived, counting the segments of coalesced buffers. */
        int receive(UdpSocket receiver, DatagramBatch in) throws IOException {
            int datagrams = 0;
            int bytes = 0;
            for (int empty = 0; datagrams < DATAGRAMS; ) {
                int n = receiver.receive(in, DATAGRAMS);
                if (n == 0 && ++empty == 10_000) {
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

    /** The send is measured; the receiver it went to is drained after each call. */
    @State(Scope.Thread)
    public static class SendSide extends Loopback {
        @Param({"plain", "gro"})
        public String receiver;

        @TearDown(Level.Invocation)
        public void drain() throws IOException {
            receive(receiver(receiver), in(receiver));
        }
    }

    /** The receive is measured; the 64 datagrams are sent before each call, as 64 messages or 2 segmented. */
    @State(Scope.Thread)
    public static class ReceiveSide extends Loopback {
        @Param({"sendmmsg", "segmented"})
        public String sentAs;
        @Param({"plain", "gro"})
        public String receiver;

        @Setup(Level.Invocation)
        public void fill() throws IOException {
            send("segmented".equals(sentAs), receiver(receiver));
        }
    }

    @Benchmark
    @OperationsPerInvocation(DATAGRAMS)
    public void sendmmsg64(SendSide s) throws IOException {
        s.send(false, s.receiver(s.receiver));
    }

    @Benchmark
    @OperationsPerInvocation(DATAGRAMS)
    public void sendSegmented2x32(SendSide s) throws IOException {
        s.send(true, s.receiver(s.receiver));
    }

    @Benchmark
    @OperationsPerInvocation(DATAGRAMS)
    public int recvmmsg(ReceiveSide s) throws IOException {
        return s.receive(s.receiver(s.receiver), s.in(s.receiver));
    }
}
