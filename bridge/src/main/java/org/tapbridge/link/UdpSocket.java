package org.tapbridge.link;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/** A real UDP socket: one blocking {@link DatagramChannel} serving every UDP peer. */
public final class UdpSocket implements DatagramPort {
    /** Large socket buffers absorb bursts while the receive thread is descheduled on a busy box. */
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;

    private final DatagramChannel channel;

    private UdpSocket(DatagramChannel channel) {
        this.channel = channel;
    }

    /** Binds to {@code listen}, or to an ephemeral port on every address when null. */
    public static UdpSocket bind(InetSocketAddress listen) throws IOException {
        DatagramChannel channel = DatagramChannel.open();
        try {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
            channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(listen == null ? new InetSocketAddress(0) : listen);
        } catch (IOException e) {
            channel.close();
            throw new IOException("cannot bind UDP " + (listen == null ? "(any port)" : listen) + ": "
                    + e.getMessage() + (listen == null ? "" : "; is another daemon using it, or is the address not "
                    + "configured on this host?"), e);
        }
        return new UdpSocket(channel);
    }

    @Override
    public InetSocketAddress receive(ByteBuffer buffer) throws IOException {
        return (InetSocketAddress) channel.receive(buffer);
    }

    @Override
    public void send(ByteBuffer buffer, InetSocketAddress target) throws IOException {
        channel.send(buffer, target);
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing is best effort at shutdown.
        }
    }
}
