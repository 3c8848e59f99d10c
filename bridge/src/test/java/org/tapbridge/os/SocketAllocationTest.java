package org.tapbridge.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The per-packet paths allocate nothing: sendmmsg and recvmmsg in batches of 32 over loopback, with poll,
 * lengths, truncation, source decoding and comparison and the SO_RXQ_OVFL counter; and TCP writes and
 * reads; and segmented sends with coalesced receives (UDP GSO/GRO). Measured with the thread's allocation
 * counter after a warm-up that lets the JIT compile everything.
 */
class SocketAllocationTest {
    private static final int BATCH = 32;
    private static final int WARM_UP_DATAGRAMS = 200_000;
    private static final int MEASURED_DATAGRAMS = 20_000;
    private static final long TIME_BOUND_MS = 60_000;
    /** Measured windows before an allocation in each is taken to be per datagram. */
    private static final int MAX_WINDOWS = 3;

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void sendingAndReceivingTwentyThousandDatagramsAllocatesNothing() throws Exception {
        try (UdpSocket sender = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults());
                UdpSocket receiver = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults());
                EventFd wake = EventFd.open()) {
            Loop loop = new Loop(sender, receiver, wake);
            long deadline = System.currentTimeMillis() + TIME_BOUND_MS;
            loop.run(WARM_UP_DATAGRAMS, deadline);
            // As DataPathProbe's settling windows: the JIT's one-off work (a late compile, a deoptimisation)
            // can land in a window once, while an allocation per datagram shows in every window.
            List<Long> windows = new ArrayList<>();
            long allocated = -1;
            while (allocated != 0 && windows.size() < MAX_WINDOWS) {
                long before = threads.getCurrentThreadAllocatedBytes();
                long received = loop.run(MEASURED_DATAGRAMS, deadline);
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
                windows.add(allocated);
                assertTrue(received >= MEASURED_DATAGRAMS, "received " + received);
            }
            System.out.printf("allocation: %s bytes in windows of %d datagrams sent and received in batches of %d"
                    + " (checksum %d, %d from the right source)%n", windows, MEASURED_DATAGRAMS, BATCH,
                    loop.checksum, loop.fromSource);
            assertEquals(loop.received, loop.fromSource, "every source decoded and matched");
            assertEquals(0, allocated, "bytes allocated on the datagram path in every one of " + windows.size()
                    + " windows of " + MEASURED_DATAGRAMS + " datagrams " + windows + ": that is per datagram,"
                    + " not the JIT's one-off work");
        }
    }

    @Test
    void segmentedSendsAndCoalescedReceivesAllocateNothing() throws Exception {
        try (UdpSocket sender = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults());
                UdpSocket receiver = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0),
                        UdpOptions.defaults().withGro(true))) {
            assertTrue(receiver.groEnabled());
            GsoLoop loop = new GsoLoop(sender, receiver);
            long deadline = System.currentTimeMillis() + TIME_BOUND_MS;
            loop.run(10_000, deadline);
            // Windows as in the datagram test above: a one-off JIT event lands in one, a per-round allocation
            // in all of them.
            List<Long> windows = new ArrayList<>();
            long allocated = -1;
            while (allocated != 0 && windows.size() < MAX_WINDOWS) {
                long before = threads.getCurrentThreadAllocatedBytes();
                long datagrams = loop.run(2_000, deadline);
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
                windows.add(allocated);
                assertEquals(2_000L * GsoLoop.MESSAGES * GsoLoop.SEGMENTS, datagrams, "every datagram received");
            }
            System.out.printf("allocation: %s bytes in windows of %d datagrams sent as %d-datagram segmented"
                    + " messages and received coalesced (%d coalesced buffers)%n", windows,
                    2_000 * GsoLoop.MESSAGES * GsoLoop.SEGMENTS, GsoLoop.SEGMENTS, loop.coalesced);
            assertTrue(loop.coalesced > 0, "GRO handed over coalesced buffers");
            assertEquals(0, allocated, "bytes allocated on the GSO/GRO path in every one of " + windows.size()
                    + " windows " + windows + ": that is per round, not the JIT's one-off work");
        }
    }

    /** Sends 4 messages of 16 segments of 1400 bytes per round, receives them coalesced and counts datagrams. */
    private static final class GsoLoop {
        static final int MESSAGES = 4;
        static final int SEGMENTS = 16;
        static final int SEGMENT = 1400;
        private final UdpSocket sender;
        private final UdpSocket receiver;
        private final DatagramBatch out = new DatagramBatch(MESSAGES);
        private final DatagramBatch in = new DatagramBatch(MESSAGES);
        private final Slab inSlab = new Slab(MESSAGES, UdpSocket.GRO_BUFFER_BYTES);
        private final EncodedEndpoint target;
        private final EncodedEndpoint source;
        private final Poller poller = new Poller(1);
        private final int handle;
        long coalesced;
        long checksum;

        GsoLoop(UdpSocket sender, UdpSocket receiver) throws NativeIoException {
            this.sender = sender;
            this.receiver = receiver;
            new Slab(MESSAGES, SEGMENTS * SEGMENT).attach(out);
            inSlab.attach(in);
            this.target = EncodedEndpoint.of(receiver.localAddress());
            this.source = EncodedEndpoint.of(sender.localAddress());
            this.handle = poller.add(receiver.fd(), Poller.POLLIN);
            for (int i = 0; i < MESSAGES; i++) {
                out.setSegmentSize(i, SEGMENT);
                out.setTarget(i, target);
            }
        }

        /** Runs {@code rounds}; returns the datagrams received, counting each segment of a coalesced buffer. */
        long run(int rounds, long deadlineMs) throws NativeIoException {
            long datagrams = 0;
            for (int r = 0; r < rounds && System.currentTimeMillis() < deadlineMs; r++) {
                for (int i = 0; i < MESSAGES; i++) {
                    out.setLength(i, SEGMENTS * SEGMENT);
                }
                int sent = sender.send(out, MESSAGES);
                for (int i = 0; i < MESSAGES; i++) {
                    checksum += out.status(i) + (out.segmentationRefused(i) ? 1 : 0);
                }
                long want = datagrams + (long) sent * SEGMENTS;
                while (datagrams < want && System.currentTimeMillis() < deadlineMs) {
                    if (poller.poll(100) == 0 || (poller.revents(handle) & Poller.POLLIN) == 0) {
                        continue;
                    }
                    int n = receiver.receive(in, MESSAGES);
                    for (int i = 0; i < n; i++) {
                        int segment = in.receivedSegmentSize(i);
                        if (segment > 0) {
                            coalesced++;
                        }
                        if (!in.truncated(i) && in.sameSource(i, source)) {
                            datagrams += DatagramBatch.segmentCount(in.length(i), segment);
                        }
                        checksum += inSlab.buffer.get(i * UdpSocket.GRO_BUFFER_BYTES);
                    }
                }
            }
            return datagrams;
        }
    }

    @Test
    void tcpWritesReadsAndPollsAllocateNothing() throws Exception {
        try (TcpListener listener = TcpListener.open(new InetSocketAddress("127.0.0.1", 0), 4);
                TcpSocket client = TcpSocket.connect(listener.localAddress())) {
            TcpSocketTest.awaitConnected(client);
            try (TcpSocket server = TcpSocketTest.awaitAccept(listener)) {
                TcpSocketTest.Memory memory = new TcpSocketTest.Memory(2 * 1500);
                Poller poller = new Poller(2);
                int serverHandle = poller.add(server.fd(), Poller.POLLIN);
                long deadline = System.currentTimeMillis() + TIME_BOUND_MS;
                exchange(client, server, memory, poller, serverHandle, 50_000, deadline);
                // Windows as in the datagram test above: a one-off JIT event lands in one, a per-write
                // allocation in all of them.
                List<Long> windows = new ArrayList<>();
                long allocated = -1;
                while (allocated != 0 && windows.size() < MAX_WINDOWS) {
                    long before = threads.getCurrentThreadAllocatedBytes();
                    long bytes = exchange(client, server, memory, poller, serverHandle, 20_000, deadline);
                    allocated = threads.getCurrentThreadAllocatedBytes() - before;
                    windows.add(allocated);
                    assertEquals(20_000L * 1400, bytes);
                }
                System.out.printf("allocation: %s bytes in windows of 20000 TCP writes of 1400 bytes, each read"
                        + " back%n", windows);
                assertEquals(0, allocated, "bytes allocated on the TCP path in every one of " + windows.size()
                        + " windows of 20000 writes " + windows + ": that is per write, not the JIT's one-off work");
            }
        }
    }

    /** Writes {@code frames} of 1400 bytes from client to server, reading each back after poll; bytes read. */
    private static long exchange(TcpSocket client, TcpSocket server, TcpSocketTest.Memory memory, Poller poller,
            int handle, int frames, long deadlineMs) throws NativeIoException {
        long read = 0;
        for (int f = 0; f < frames && System.currentTimeMillis() < deadlineMs; f++) {
            int written = 0;
            while (written < 1400) {
                written += client.write(memory.address + written, 1400 - written);
            }
            long want = read + 1400;
            while (read < want && System.currentTimeMillis() < deadlineMs) {
                if (poller.poll(100) > 0 && (poller.revents(handle) & Poller.POLLIN) != 0) {
                    int n = server.read(memory.address + 1500, (int) (want - read));
                    read += Math.max(0, n);
                }
            }
        }
        return read;
    }

    /** The work of a loop thread, with every per-datagram accessor used once. */
    private static final class Loop {
        private final UdpSocket sender;
        private final UdpSocket receiver;
        private final EventFd wake;
        private final DatagramBatch out = new DatagramBatch(BATCH);
        private final DatagramBatch in = new DatagramBatch(BATCH);
        private final Slab inSlab = new Slab(BATCH, 1500);
        private final EncodedEndpoint target;
        private final EncodedEndpoint source;
        private final EndpointKey key = new EndpointKey();
        private final Poller poller;
        private final int udpHandle;
        private final int wakeHandle;
        long checksum;
        long received;
        long fromSource;

        Loop(UdpSocket sender, UdpSocket receiver, EventFd wake) throws NativeIoException {
            this.sender = sender;
            this.receiver = receiver;
            this.wake = wake;
            Slab outSlab = new Slab(BATCH, 1500).attach(out);
            for (int i = 0; i < BATCH; i++) {
                outSlab.buffer.put(i * 1500, (byte) i);
            }
            inSlab.attach(in);
            this.target = EncodedEndpoint.of(receiver.localAddress());
            this.source = EncodedEndpoint.of(sender.localAddress());
            this.poller = new Poller(4);
            this.udpHandle = poller.add(receiver.fd(), Poller.POLLIN);
            this.wakeHandle = poller.add(wake.fd(), Poller.POLLIN);
        }

        /** Sends and receives {@code datagrams}; returns how many arrived. */
        long run(int datagrams, long deadlineMs) throws NativeIoException {
            long start = received;
            long sentTotal = 0;
            while (sentTotal < datagrams && System.currentTimeMillis() < deadlineMs) {
                for (int i = 0; i < BATCH; i++) {
                    out.setLength(i, 64 + i * 40);
                    out.setTarget(i, target);
                }
                int sent = sender.send(out, BATCH);
                sentTotal += sent;
                long expected = start + sentTotal;
                while (received < expected && System.currentTimeMillis() < deadlineMs) {
                    if (poller.poll(100) == 0) {
                        break;
                    }
                    if ((poller.revents(wakeHandle) & Poller.POLLIN) != 0) {
                        wake.drain();
                    }
                    if ((poller.revents(udpHandle) & Poller.POLLIN) == 0) {
                        continue;
                    }
                    int n = receiver.receive(in, BATCH);
                    for (int i = 0; i < n; i++) {
                        checksum += in.length(i) + inSlab.buffer.get(i * 1500);
                        if (!in.truncated(i) && in.sameSource(i, source) && in.source(i, key) && key.sameAs(source)) {
                            fromSource++;
                        }
                        checksum += in.rxQueueOverflow(i) + key.hash();
                    }
                    received += n;
                    checksum += receiver.rxQueueDrops();
                }
            }
            return received - start;
        }
    }
}
