package org.tapbridge.daemon;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.tapbridge.link.StreamListener;
import org.tapbridge.link.StreamNetwork;
import org.tapbridge.link.StreamSocket;
import org.tapbridge.os.DatagramBatch;
import org.tapbridge.os.TcpListener;
import org.tapbridge.os.TcpSocket;

/** TCP for the peer links on native non-blocking sockets. */
final class NativeStreamNetwork implements StreamNetwork {
    /** Pending connections the kernel holds for us: peers dial in rarely, a burst of strangers is refused early. */
    private static final int BACKLOG = 64;

    @Override
    public StreamListener listen(InetSocketAddress address) throws IOException {
        TcpListener listener = TcpListener.open(address, BACKLOG);
        return new StreamListener() {
            @Override
            public int fd() {
                return listener.fd();
            }

            @Override
            public StreamSocket accept() throws IOException {
                TcpSocket s = listener.accept();
                return s == null ? null : new Connection(s);
            }

            @Override
            public void close() {
                listener.close();
            }
        };
    }

    @Override
    public StreamSocket connect(InetSocketAddress address) throws IOException {
        return new Connection(TcpSocket.connect(address));
    }

    /** One connection; remembers its buffer's address, since a peer link always uses the same two buffers. */
    private static final class Connection implements StreamSocket {
        private final TcpSocket socket;
        private ByteBuffer lastBuffer;
        private long lastAddress;

        Connection(TcpSocket socket) {
            this.socket = socket;
        }

        @Override
        public int fd() {
            return socket.fd();
        }

        @Override
        public boolean finishConnect() throws IOException {
            return socket.finishConnect();
        }

        @Override
        public int read(ByteBuffer direct, int offset, int capacity) throws IOException {
            check(direct, offset, capacity);
            return socket.read(address(direct) + offset, capacity);
        }

        @Override
        public int write(ByteBuffer direct, int offset, int length) throws IOException {
            check(direct, offset, length);
            return socket.write(address(direct) + offset, length);
        }

        @Override
        public InetSocketAddress remote() {
            return socket.remote();
        }

        @Override
        public void close() {
            socket.close();
        }

        private long address(ByteBuffer buffer) {
            if (buffer != lastBuffer) {
                lastAddress = DatagramBatch.bufferAddress(buffer);
                lastBuffer = buffer;
            }
            return lastAddress;
        }

        private static void check(ByteBuffer buffer, int offset, int length) {
            if (offset < 0 || length < 0 || offset > buffer.capacity() - length) {
                throw new IndexOutOfBoundsException("[" + offset + ", +" + length + ") is outside a buffer of "
                        + buffer.capacity());
            }
        }
    }
}
