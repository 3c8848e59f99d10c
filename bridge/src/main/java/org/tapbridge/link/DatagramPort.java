package org.tapbridge.link;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The site's UDP socket as the data-path loop uses it: non-blocking, in batches. The real one is
 * native ({@code recvmmsg}/{@code sendmmsg}); an in-memory fake joins two daemons in one JVM.
 */
public interface DatagramPort extends AutoCloseable {
    /** The descriptor the loop polls, or -1 for an in-memory port (which wakes the loop itself). */
    int fd();

    /**
     * Receives up to {@code max} waiting datagrams into entries {@code [0, max)}, with lengths and sources;
     * returns how many arrived, 0 when none is waiting. Never blocks.
     */
    int receive(Datagrams batch, int max) throws IOException;

    /**
     * Sends entries {@code [0, count)} to their addresses. Returns how many the kernel took; an entry it
     * refused has its errno in {@link Datagrams#error}, and those after a full queue (EAGAIN) are not sent.
     * Throws only when the socket itself is unusable.
     */
    int send(Datagrams batch, int count) throws IOException;

    /** True while a send may carry several datagrams in one entry ({@link Datagrams#segmentSize}). */
    default boolean segmentsSends() {
        return false;
    }

    /** True when a receive may join several datagrams into one entry ({@link Datagrams#segmentSize}). */
    default boolean coalescesReceives() {
        return false;
    }

    /** Datagrams the kernel dropped because the receive queue was full, since the socket opened. */
    long receiveQueueDrops();

    /** The kernel's current path MTU towards {@code peer} (route MTU or a learned lower one); 0 if unknown. */
    int pathMtu(InetSocketAddress peer);

    InetSocketAddress localAddress() throws IOException;

    @Override
    void close();
}
