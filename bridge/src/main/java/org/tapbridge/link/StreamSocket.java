package org.tapbridge.link;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** One non-blocking TCP connection, as the data-path loop uses it. Owned by the loop thread. */
public interface StreamSocket extends AutoCloseable {
    int fd();

    /** For a socket from {@link StreamNetwork#connect}: true once connected, false while still connecting. */
    boolean finishConnect() throws IOException;

    /** Reads into direct memory; returns bytes read, 0 when none is waiting, -1 at end of stream. */
    int read(ByteBuffer direct, int offset, int capacity) throws IOException;

    /** Writes from direct memory; returns bytes taken (maybe fewer), 0 when the socket buffer is full. */
    int write(ByteBuffer direct, int offset, int length) throws IOException;

    InetSocketAddress remote();

    @Override
    void close();
}
