package org.tapbridge.link;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import org.tapbridge.crypto.WireFormat;

/**
 * One TCP link to a peer: a stream of messages, each preceded by its length (unsigned 16-bit,
 * big-endian). The reading thread owns {@link #readLoop}. {@link #send} never blocks: bytes the socket
 * cannot take yet wait in a bounded queue, and a frame that does not fit is dropped rather than
 * stalling every other port. It is mostly called by the egress thread, but handshake answers leave
 * from the reading thread, hence the lock.
 */
final class TcpConnection implements AutoCloseable {
    static final int LENGTH_PREFIX = 2;
    static final int MAX_MESSAGE = 0xffff;
    /** Enough queued bytes to ride out a short stall of the peer, small enough not to bloat latency. */
    private static final int SEND_QUEUE_BYTES = 512 * 1024;

    private final SocketChannel channel;
    private final Selector selector;
    private final boolean dialedByUs;
    private final ByteBuffer in = ByteBuffer.allocateDirect(LENGTH_PREFIX + MAX_MESSAGE);
    private final ByteBuffer out = ByteBuffer.allocateDirect(SEND_QUEUE_BYTES);
    private volatile boolean closed;
    /** Set by the reading thread; until then {@link #close} owns the selector. */
    private volatile boolean readerStarted;
    private volatile Peer peer;
    private final InetSocketAddress remote;

    TcpConnection(SocketChannel channel, boolean dialedByUs) throws IOException {
        this.channel = channel;
        this.dialedByUs = dialedByUs;
        this.remote = (InetSocketAddress) channel.getRemoteAddress();
        channel.configureBlocking(false);
        channel.socket().setTcpNoDelay(true);
        this.selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
    }

    boolean dialedByUs() {
        return dialedByUs;
    }

    Peer peer() {
        return peer;
    }

    void peer(Peer peer) {
        this.peer = peer;
    }

    boolean isClosed() {
        return closed;
    }

    InetSocketAddress remote() {
        return remote;
    }

    /** Queues one message (its remaining bytes) and writes what the socket takes; false when it did not fit. */
    synchronized boolean send(ByteBuffer message) throws IOException {
        if (closed) {
            return false;
        }
        int length = message.remaining();
        if (length > MAX_MESSAGE) {
            // Its length would not fit the 16-bit prefix and would desynchronise the stream.
            return false;
        }
        if (out.remaining() < LENGTH_PREFIX + length) {
            flush();
            if (out.remaining() < LENGTH_PREFIX + length) {
                return false;
            }
        }
        out.putShort((short) length);
        out.put(message);
        flush();
        return true;
    }

    /** Writes queued bytes without blocking. */
    synchronized void flush() throws IOException {
        if (out.position() == 0 || closed) {
            return;
        }
        out.flip();
        try {
            channel.write(out);
        } finally {
            out.compact();
        }
    }

    /** Handles one complete message: the buffer holds it from {@code offset} for {@code length} bytes. */
    interface MessageHandler {
        /** Returns false to close the connection (a protocol violation). */
        boolean onMessage(TcpConnection connection, ByteBuffer buffer, int offset, int length);
    }

    /**
     * Reads messages until the peer closes, an error, a framing violation, or {@link #close()}. Waits
     * at most {@code firstMessageTimeoutMs} for the first message, so idle strangers cannot hold a
     * thread.
     */
    void readLoop(MessageHandler handler, long firstMessageTimeoutMs) throws IOException {
        readerStarted = true;
        try {
            readMessages(handler, firstMessageTimeoutMs);
        } catch (java.nio.channels.ClosedSelectorException | java.nio.channels.ClosedChannelException e) {
            // Closed from another thread (dead peer, replaced connection, shutdown): a normal end.
        } finally {
            // Only the reading thread closes its selector, so a close never races a select.
            selector.close();
        }
    }

    private void readMessages(MessageHandler handler, long firstMessageTimeoutMs) throws IOException {
        boolean first = true;
        long deadline = System.nanoTime() + firstMessageTimeoutMs * 1_000_000L;
        in.clear();
        while (!closed) {
            long waitMs = first ? Math.max(1, (deadline - System.nanoTime()) / 1_000_000L) : 1000;
            if (first && System.nanoTime() - deadline > 0) {
                throw new IOException("no HELLO within " + firstMessageTimeoutMs + " ms");
            }
            selector.select(waitMs);
            selector.selectedKeys().clear();
            if (closed) {
                return;
            }
            int n = channel.read(in);
            if (n < 0) {
                return;
            }
            in.flip();
            while (in.remaining() >= LENGTH_PREFIX) {
                int length = in.getShort(in.position()) & 0xffff;
                if (length < WireFormat.PREFIX_LENGTH) {
                    throw new FramingException("message length " + length + " is shorter than a header");
                }
                if (in.remaining() < LENGTH_PREFIX + length) {
                    break;
                }
                int start = in.position() + LENGTH_PREFIX;
                if (!handler.onMessage(this, in, start, length)) {
                    return;
                }
                first = false;
                in.position(start + length);
            }
            in.compact();
        }
    }

    /** A stream that broke the framing rules: it cannot be resynchronised, only closed. */
    static final class FramingException extends IOException {
        FramingException(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            selector.wakeup();
            channel.close();
            if (!readerStarted) {
                selector.close();
            }
        } catch (IOException ignored) {
            // Best effort: the socket is being abandoned either way.
        }
    }
}
