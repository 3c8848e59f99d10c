package org.tapbridge.link;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** The UDP socket as the link layer sees it; an in-memory fake joins two daemons in one JVM. */
public interface DatagramPort extends AutoCloseable {
    /**
     * Blocks until a datagram arrives and reads it into {@code buffer} from its position; returns the
     * sender. Throws {@link java.nio.channels.ClosedChannelException} once closed.
     */
    InetSocketAddress receive(ByteBuffer buffer) throws IOException;

    /** Sends the buffer's remaining bytes as one datagram; thread-safe. */
    void send(ByteBuffer buffer, InetSocketAddress target) throws IOException;

    InetSocketAddress localAddress() throws IOException;

    @Override
    void close();
}
