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
import org.tapbridge.link.Datagrams;
import org.tapbridge.link.WireAddress;

/**
 * A lossless in-memory UDP network: datagrams sent to a bound address land in that port's queue, and the
 * port wakes its owner. Allocates per datagram: a test double for behaviour, not for allocation figures.
 */
public final class MemoryNetwork {
    private final Map<InetSocketAddress, Port> ports = new ConcurrentHashMap<>();
    private volatile int pathMtu = 1500;

    public static InetSocketAddress address(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public Port bind(InetSocketAddress address) {
        Port port = new Port(address);
        if (ports.putIfAbsent(address, port) != null) {
            throw new IllegalStateException(address + " is already bound");
        }
        return port;
    }

    /** The path MTU every port reports, as the kernel's route would. */
    public void pathMtu(int mtu) {
        this.pathMtu = mtu;
    }

    /** Injects a datagram as if {@code from} had sent it, e.g. garbage from a stranger. */
    public void deliver(InetSocketAddress from, InetSocketAddress to, byte[] payload) {
        Port port = ports.get(to);
        if (port != null) {
            port.queue.add(new Datagram(from, payload.clone()));
            port.onArrival.run();
        }
    }

    private record Datagram(InetSocketAddress from, byte[] payload) {
    }

    /** One bound port. */
    public final class Port implements DatagramPort {
        private volatile InetSocketAddress address;
        private final BlockingQueue<Datagram> queue = new LinkedBlockingQueue<>();
        private volatile Runnable onArrival = () -> { };
        private volatile boolean closed;

        Port(InetSocketAddress address) {
            this.address = address;
        }

        /** Called whenever a datagram arrives: wakes the loop that owns this port. */
        public void onArrival(Runnable wake) {
            this.onArrival = wake;
        }

        /**
         * The site's address changes (a new lease from its ISP): datagrams to the old address are lost from
         * now on, and what it sends comes from the new one.
         */
        public void moveTo(InetSocketAddress newAddress) {
            if (ports.putIfAbsent(newAddress, this) != null) {
                throw new IllegalStateException(newAddress + " is already bound");
            }
            ports.remove(address, this);
            address = newAddress;
        }

        public boolean hasPending() {
            return !queue.isEmpty();
        }

        /** Datagrams queued for the owner. */
        public int pending() {
            return queue.size();
        }

        @Override
        public int fd() {
            return -1;
        }

        @Override
        public int receive(Datagrams batch, int max) throws IOException {
            if (closed) {
                throw new ClosedChannelException();
            }
            int n = 0;
            while (n < max) {
                Datagram d = queue.poll();
                if (d == null) {
                    break;
                }
                int length = Math.min(d.payload.length, batch.bufferCapacity(n));
                batch.buffer(n).put(batch.offset(n), d.payload, 0, length);
                batch.length(n, length);
                batch.truncated(n, length < d.payload.length);
                batch.address(n).set(d.from);
                n++;
            }
            return n;
        }

        @Override
        public int send(Datagrams batch, int count) throws IOException {
            if (closed) {
                throw new ClosedChannelException();
            }
            for (int i = 0; i < count; i++) {
                byte[] payload = new byte[batch.length(i)];
                batch.buffer(i).get(batch.offset(i), payload);
                WireAddress to = batch.address(i);
                batch.error(i, 0);
                deliver(address, to.toInetSocketAddress(), payload);
            }
            return count;
        }

        @Override
        public long receiveQueueDrops() {
            return 0;
        }

        @Override
        public int pathMtu(InetSocketAddress peer) {
            return pathMtu;
        }

        @Override
        public InetSocketAddress localAddress() {
            return address;
        }

        @Override
        public void close() {
            closed = true;
            ports.remove(address, this);
        }
    }
}
