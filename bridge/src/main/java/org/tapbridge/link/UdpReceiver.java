package org.tapbridge.link;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import org.tapbridge.crypto.Inbound;
import org.tapbridge.pipeline.RateLimitedLog;

/**
 * The {@code peer-rx-udp} thread: receives every datagram on the listen socket and passes it to the
 * link ingress, which authenticates it and hands frames to the ring.
 */
final class UdpReceiver implements Runnable {
    private static final System.Logger LOG = System.getLogger(UdpReceiver.class.getName());
    /** Room for the largest UDP payload, so an oversized datagram is seen whole and refused. */
    private static final int MAX_DATAGRAM = 65536;

    private final DatagramPort socket;
    private final LinkIngress ingress;
    /** On the heap: the JCE opens byte arrays faster, and with less garbage, than direct buffers. */
    private final ByteBuffer scratch = ByteBuffer.allocate(MAX_DATAGRAM);
    private final Inbound result = new Inbound();
    private final RateLimitedLog errors = new RateLimitedLog(LOG, 10_000_000_000L);
    private volatile boolean running = true;

    UdpReceiver(DatagramPort socket, LinkIngress ingress) {
        this.socket = socket;
        this.ingress = ingress;
    }

    @Override
    public void run() {
        while (running) {
            scratch.clear();
            InetSocketAddress from;
            try {
                from = socket.receive(scratch);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (running) {
                    errors.warn("UDP receive failed: " + e.getMessage());
                }
                continue;
            }
            if (from != null) {
                try {
                    ingress.accept(scratch, 0, scratch.position(), from, null, result);
                } catch (RuntimeException e) {
                    // A bug on one datagram must not take the whole link down: count, log, go on.
                    ingress.counters().dropped(LinkDrop.MALFORMED);
                    errors.warn("UDP datagram from " + from + " could not be handled: " + e);
                }
            }
        }
    }

    void stop() {
        running = false;
        socket.close();
    }
}
