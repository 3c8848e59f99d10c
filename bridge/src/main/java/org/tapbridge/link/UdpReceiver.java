package org.tapbridge.link;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import org.tapbridge.config.Transport;
import org.tapbridge.pipeline.RateLimitedLog;

/**
 * The {@code peer-rx-udp} thread: receives every datagram on the listen socket, drops and counts
 * what is not a valid message from a known peer, and hands frames to the ring.
 */
public final class UdpReceiver implements Runnable {
    private static final System.Logger LOG = System.getLogger(UdpReceiver.class.getName());
    /** Room for the largest UDP payload, so an oversized datagram is seen whole and refused. */
    private static final int MAX_DATAGRAM = 65536;

    private final DatagramPort socket;
    private final Inbound inbound;
    private final HelloSender hellos;
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(MAX_DATAGRAM);
    private final RateLimitedLog errors = new RateLimitedLog(LOG, 10_000_000_000L);
    private volatile boolean running = true;

    UdpReceiver(DatagramPort socket, Inbound inbound, HelloSender hellos) {
        this.socket = socket;
        this.inbound = inbound;
        this.hellos = hellos;
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
                handle(from, scratch.position());
            }
        }
    }

    void handle(InetSocketAddress from, int length) {
        int type = inbound.classify(scratch, 0, length);
        if (type < 0) {
            return;
        }
        if (type == WireHeader.TYPE_HELLO) {
            hello(from, length);
            return;
        }
        Peer peer = inbound.peers().byAddress(from);
        if (peer == null || peer.transport() != Transport.UDP) {
            inbound.counters().dropped(LinkDrop.UNKNOWN_PEER);
            return;
        }
        if (type == WireHeader.TYPE_FRAME) {
            inbound.frame(peer, scratch, 0, length);
        } else {
            inbound.heard(peer);
        }
    }

    private void hello(InetSocketAddress from, int length) {
        String name = Hello.name(scratch, 0, length);
        if (name == null) {
            inbound.counters().dropped(LinkDrop.MALFORMED);
            return;
        }
        Peer peer = inbound.peers().byName(name);
        if (peer == null || peer.transport() != Transport.UDP) {
            inbound.counters().dropped(LinkDrop.UNKNOWN_PEER);
            return;
        }
        inbound.peers().moved(peer, from);
        boolean replyWanted = Hello.replyWanted(scratch, 0);
        inbound.heard(peer);
        if (replyWanted) {
            hellos.sendUdp(peer, false);
        }
    }

    public void stop() {
        running = false;
        socket.close();
    }
}
