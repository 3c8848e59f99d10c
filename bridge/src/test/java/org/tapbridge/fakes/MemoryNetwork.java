package org.tapbridge.fakes;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import org.tapbridge.link.DatagramPort;

/** A lossless in-memory UDP network: datagrams sent to a bound address land in that port's queue. */
public final class MemoryNetwork {
    private final Map<InetSocketAddress, Port> ports = new ConcurrentHashMap<>();

    public static InetSocketAddress address(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public DatagramPort bind(InetSocketAddress address) {
        Port port = new Port(address);
        if (ports.putIfAbsent(address, port) != null) {
            throw new IllegalStateException(address + " is already bound");
        }
        return port;
    }

    /** Injects a datagram as if {@code from} had sent it, e.g. garbage from a stranger. */
    public void deliver(InetSocketAddress from, InetSocketAddress to, byte[] payload) {
        Port port = ports.get(to);
        if (port != null) {
            port.queue.add(new Datagram(from, payload.clone()));
        }
    }

    private record Datagram(InetSocketAddress from, byte[] payload) {
    }

    private static final Datagram CLOSE = new Datagram(null, new byte[0]);

    private final class Port implements DatagramPort {
        private final InetSocketAddress address;
        private final BlockingQueue<Datagram> queue = new LinkedBlockingQueue<>();
        private volatile boolean closed;

        Port(InetSocketAddress address) {
            this.address = address;
        }

        @Override
        public InetSocketAddress receive(ByteBuffer buffer) throws IOException {
            if (closed) {
                throw new ClosedChannelException();
            }
            Datagram d;
            try {
                d = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClosedChannelException();
            }
            if (d == CLOSE || closed) {
                throw new ClosedChannelException();
            }
            int n = Math.min(d.payload.length, buffer.remaining());
            buffer.put(d.payload, 0, n);
            return d.from;
        }

        @Override
        public void send(ByteBuffer buffer, InetSocketAddress target) throws IOException {
            if (closed) {
                throw new ClosedChannelException();
            }
            byte[] payload = new byte[buffer.remaining()];
            buffer.get(payload);
            deliver(address, target, payload);
        }

        @Override
        public InetSocketAddress localAddress() {
            return address;
        }

        @Override
        public void close() {
            closed = true;
            ports.remove(address, this);
            queue.add(CLOSE);
        }
    }
}
