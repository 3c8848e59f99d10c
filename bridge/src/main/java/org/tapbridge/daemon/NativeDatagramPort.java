package org.tapbridge.daemon;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.link.Datagrams;
import org.tapbridge.link.WireAddress;
import org.tapbridge.os.DatagramBatch;
import org.tapbridge.os.EndpointKey;
import org.tapbridge.os.SockAddr;
import org.tapbridge.os.UdpSocket;

/**
 * The UDP socket behind {@link DatagramPort}: each {@link Datagrams} batch gets a native twin
 * ({@code mmsghdr}s, iovecs, addresses) once, and every call re-points it and copies lengths and addresses
 * across without allocating. Owned by the data-path thread.
 */
final class NativeDatagramPort implements DatagramPort {
    private final UdpSocket socket;
    /** Trains may be sent: the configuration allows offloads (the socket says whether the kernel can). */
    private final boolean segment;
    private final EndpointKey source = new EndpointKey();
    /** Native twins of the (two: receive and send) batches this port has seen. */
    private Datagrams[] batches = new Datagrams[0];
    private DatagramBatch[] twins = new DatagramBatch[0];
    private ByteBuffer lastBuffer;
    private long lastAddress;
    private long rxQueueDrops;

    NativeDatagramPort(UdpSocket socket, boolean segment) {
        this.socket = socket;
        this.segment = segment;
    }

    @Override
    public int fd() {
        return socket.fd();
    }

    @Override
    public int receive(Datagrams batch, int max) throws IOException {
        DatagramBatch twin = twin(batch);
        for (int i = 0; i < max; i++) {
            twin.setBuffer(i, address(batch.buffer(i)) + batch.offset(i), batch.bufferCapacity(i));
        }
        int n = socket.receive(twin, max);
        for (int i = 0; i < n; i++) {
            batch.length(i, twin.length(i));
            batch.truncated(i, twin.truncated(i));
            batch.segmentSize(i, twin.receivedSegmentSize(i));
            WireAddress to = batch.address(i);
            if (twin.source(i, source)) {
                if (source.family() == SockAddr.AF_INET) {
                    to.setIpv4((int) source.lo(), source.port());
                } else {
                    to.setIpv6(source.hi(), source.lo(), source.port(), source.scopeId());
                }
            } else {
                to.clear();
            }
            long overflow = twin.rxQueueOverflow(i);
            if (overflow >= 0) {
                rxQueueDrops = overflow;
            }
        }
        return n;
    }

    @Override
    public int send(Datagrams batch, int count) throws IOException {
        DatagramBatch twin = twin(batch);
        for (int i = 0; i < count; i++) {
            twin.setBuffer(i, address(batch.buffer(i)) + batch.offset(i), batch.length(i));
            twin.setLength(i, batch.length(i));
            twin.setSegmentSize(i, batch.segmentSize(i));
            WireAddress to = batch.address(i);
            twin.setTarget(i, to.isIpv4() ? SockAddr.AF_INET : SockAddr.AF_INET6, to.high(), to.low(), to.port(),
                    to.scopeId());
        }
        int sent = socket.send(twin, count);
        for (int i = 0; i < count; i++) {
            batch.error(i, twin.status(i));
        }
        return sent;
    }

    @Override
    public boolean segmentsSends() {
        return segment && socket.gsoSupported();
    }

    @Override
    public boolean coalescesReceives() {
        return socket.groEnabled();
    }

    @Override
    public long receiveQueueDrops() {
        return Math.max(rxQueueDrops, socket.rxQueueDrops());
    }

    @Override
    public int pathMtu(InetSocketAddress peer) {
        if (peer == null) {
            return 0;
        }
        try {
            return socket.pathMtu(peer);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return socket.localAddress();
    }

    @Override
    public void close() {
        socket.close();
    }

    private DatagramBatch twin(Datagrams batch) {
        for (int i = 0; i < batches.length; i++) {
            if (batches[i] == batch) {
                return twins[i];
            }
        }
        // Once per batch for the life of the daemon: the receive batch and the send batch.
        int n = batches.length;
        batches = java.util.Arrays.copyOf(batches, n + 1);
        twins = java.util.Arrays.copyOf(twins, n + 1);
        batches[n] = batch;
        twins[n] = new DatagramBatch(batch.capacity());
        return twins[n];
    }

    private long address(ByteBuffer buffer) {
        if (buffer != lastBuffer) {
            lastAddress = DatagramBatch.bufferAddress(buffer);
            lastBuffer = buffer;
        }
        return lastAddress;
    }
}
