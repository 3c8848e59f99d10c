package org.tapbridge.daemon;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import org.tapbridge.link.DatagramPort;

/**
 * A lossless in-memory UDP network that allocates nothing per datagram: each bound port owns a ring
 * of preallocated slots; a sender copies into a free slot (waiting a bounded time when the ring is
 * full, then dropping and counting) and the receiver copies out. For measuring the link threads.
 */
final class SlotNetwork {
    private static final int SLOTS = 1024;
    private static final int SLOT_BYTES = 4096;
    /** A full ring means the receiver is stuck; after this a datagram is dropped like UDP would. */
    private static final long FULL_WAIT_NS = TimeUnit.SECONDS.toNanos(1);

    private final Port[] ports = new Port[4];
    private int bound;

    synchronized DatagramPort bind(InetSocketAddress address) {
        for (int i = 0; i < bound; i++) {
            if (ports[i].address.equals(address)) {
                throw new IllegalStateException(address + " is already bound");
            }
        }
        Port port = new Port(address);
        ports[bound++] = port;
        return port;
    }

    /** Datagrams dropped because a port's ring stayed full, or was oversized, or had no receiver. */
    synchronized long dropped() {
        long n = 0;
        for (int i = 0; i < bound; i++) {
            n += ports[i].dropped;
        }
        return n;
    }

    private synchronized Port portAt(InetSocketAddress address) {
        for (int i = 0; i < bound; i++) {
            if (ports[i].address.equals(address) && !ports[i].closed) {
                return ports[i];
            }
        }
        return null;
    }

    private final class Port implements DatagramPort {
        private final InetSocketAddress address;
        private final byte[][] data = new byte[SLOTS][SLOT_BYTES];
        private final int[] lengths = new int[SLOTS];
        private final InetSocketAddress[] senders = new InetSocketAddress[SLOTS];
        private long head; // next to receive; guarded by this
        private long tail; // next to fill; guarded by this
        private long dropped; // guarded by this
        private volatile boolean closed;

        Port(InetSocketAddress address) {
            this.address = address;
        }

        @Override
        public synchronized InetSocketAddress receive(ByteBuffer buffer) throws IOException {
            while (head == tail) {
                if (closed) {
                    throw new ClosedChannelException();
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ClosedChannelException();
                }
            }
            if (closed) {
                throw new ClosedChannelException();
            }
            int slot = (int) (head % SLOTS);
            int n = Math.min(lengths[slot], buffer.remaining());
            buffer.put(data[slot], 0, n);
            InetSocketAddress from = senders[slot];
            head++;
            notifyAll();
            return from;
        }

        @Override
        public void send(ByteBuffer buffer, InetSocketAddress target) throws IOException {
            if (closed) {
                throw new ClosedChannelException();
            }
            Port to = portAt(target);
            if (to != null) {
                to.enqueue(buffer, address);
            } else {
                buffer.position(buffer.limit());
            }
        }

        private synchronized void enqueue(ByteBuffer buffer, InetSocketAddress from) {
            int length = buffer.remaining();
            if (length > SLOT_BYTES) {
                dropped++;
                buffer.position(buffer.limit());
                return;
            }
            long deadlineNs = System.nanoTime() + FULL_WAIT_NS;
            while (tail - head == SLOTS && !closed) {
                long leftNs = deadlineNs - System.nanoTime();
                if (leftNs <= 0) {
                    dropped++;
                    buffer.position(buffer.limit());
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, leftNs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            int slot = (int) (tail % SLOTS);
            buffer.get(data[slot], 0, length);
            lengths[slot] = length;
            senders[slot] = from;
            tail++;
            notifyAll();
        }

        @Override
        public InetSocketAddress localAddress() {
            return address;
        }

        @Override
        public synchronized void close() {
            closed = true;
            notifyAll();
        }
    }
}
