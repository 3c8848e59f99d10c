package org.tapbridge.link;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP network in memory that allocates nothing per datagram, for warming up and measuring the data path
 * of whole sites in one JVM: each bound port owns a ring of preallocated slots; a send copies every
 * datagram into a free slot of the port bound at its destination and wakes that port's owner once per
 * send call; a receive copies out. A full ring, a datagram longer than a slot or an unknown destination
 * drops and counts, as UDP would. Setup ({@link #bind}) on any thread; each port's receive belongs to its
 * site's data-path thread, sends come from any data-path thread.
 */
public final class SlotDatagramNetwork {
    /** Ports per network: the set of ports woken by one send call is a bit mask in a long. */
    public static final int MAX_PORTS = 64;

    private final int slotsPerPort;
    private final int slotBytes;
    private volatile Port[] ports = new Port[0];

    /**
     * @param slotsPerPort datagrams a port holds before it drops: above what its loop can fall behind by
     * @param slotBytes    the longest datagram carried
     */
    public SlotDatagramNetwork(int slotsPerPort, int slotBytes) {
        if (slotsPerPort < 1 || slotBytes < 1) {
            throw new IllegalArgumentException("slots-per-port=" + slotsPerPort + " and slot-bytes=" + slotBytes
                    + " must both be at least 1");
        }
        this.slotsPerPort = slotsPerPort;
        this.slotBytes = slotBytes;
    }

    /** A port at {@code address}, which must be an IP address; one port per address. Setup only. */
    public synchronized Port bind(InetSocketAddress address) {
        Port[] bound = ports;
        for (Port p : bound) {
            if (p.address.equals(address)) {
                throw new IllegalStateException(address + " is already bound");
            }
        }
        if (bound.length == MAX_PORTS) {
            throw new IllegalStateException("an in-memory network has at most " + MAX_PORTS + " ports");
        }
        Port port = new Port(address, bound.length);
        Port[] grown = Arrays.copyOf(bound, bound.length + 1);
        grown[port.index] = port;
        ports = grown;
        return port;
    }

    /** Datagrams lost on the whole network: rings full, too long, or sent where no port is bound. */
    public long dropped() {
        long n = 0;
        for (Port p : ports) {
            n += p.dropped() + p.undeliverable.get();
        }
        return n;
    }

    /** One bound address. */
    public final class Port implements DatagramPort {
        private final InetSocketAddress address;
        private final WireAddress wire = new WireAddress();
        private final int index;
        private final byte[][] data = new byte[slotsPerPort][slotBytes];
        private final int[] lengths = new int[slotsPerPort];
        /** Index of the port each stored datagram came from: its address is that port's. */
        private final int[] sources = new int[slotsPerPort];
        /** Next slot to fill: written by senders under this port's lock, read by the receiver. */
        private final AtomicLong tail = new AtomicLong();
        /** Next slot to receive: written by the receiver, read by senders to see whether the ring is full. */
        private final AtomicLong head = new AtomicLong();
        private final AtomicLong undeliverable = new AtomicLong();
        private long arrived; // guarded by this
        private long dropped; // guarded by this
        private boolean discarding; // guarded by this
        private volatile Runnable onArrival = () -> { };
        private volatile int pathMtu = 1500;
        private volatile boolean closed;

        private Port(InetSocketAddress address, int index) {
            this.address = address;
            this.index = index;
            this.wire.set(address);
            if (!wire.isSet()) {
                throw new IllegalArgumentException(address + " is not an IP address and port");
            }
        }

        /** Called (on the sender's thread) when datagrams arrived: wakes the loop that owns this port. */
        public void onArrival(Runnable wake) {
            this.onArrival = wake;
        }

        /** Whether datagrams wait to be received. Called by the owning data-path thread (its waiter). */
        public boolean hasPending() {
            return head.get() < tail.get();
        }

        /**
         * From now on datagrams sent here are only counted, never stored: a receiver that no longer runs
         * (a benchmark drives one site and lets the other's port swallow what arrives).
         */
        public synchronized void discardArrivals() {
            discarding = true;
        }

        /** Datagrams that reached this port, stored or discarded, since it was bound. */
        public synchronized long arrived() {
            return arrived;
        }

        /** Datagrams lost at this port because its ring was full or they were too long. */
        public synchronized long dropped() {
            return dropped;
        }

        /** The path MTU this port reports towards any peer, as the kernel's route would. */
        public void pathMtu(int mtu) {
            this.pathMtu = mtu;
        }

        @Override
        public int fd() {
            return -1;
        }

        @Override
        public int receive(Datagrams batch, int max) {
            Port[] from = ports;
            long end = tail.get();
            long h = head.get();
            int n = 0;
            while (n < max && h < end) {
                int slot = (int) (h % slotsPerPort);
                int length = Math.min(lengths[slot], batch.bufferCapacity(n));
                batch.buffer(n).put(batch.offset(n), data[slot], 0, length);
                batch.length(n, length);
                batch.truncated(n, length < lengths[slot]);
                batch.address(n).set(from[sources[slot]].wire);
                h++;
                n++;
            }
            head.lazySet(h);
            return n;
        }

        @Override
        public int send(Datagrams batch, int count) {
            Port[] all = ports;
            long woken = 0;
            for (int i = 0; i < count; i++) {
                batch.error(i, 0);
                Port to = find(all, batch.address(i));
                if (to == null) {
                    undeliverable.lazySet(undeliverable.get() + 1);
                } else if (to.offer(batch.buffer(i), batch.offset(i), batch.length(i), index)) {
                    woken |= 1L << to.index;
                }
            }
            for (; woken != 0; woken &= woken - 1) {
                all[Long.numberOfTrailingZeros(woken)].onArrival.run();
            }
            return count;
        }

        private Port find(Port[] all, WireAddress to) {
            for (Port p : all) {
                if (!p.closed && p.wire.sameAs(to)) {
                    return p;
                }
            }
            return null;
        }

        /** Stores one datagram from port {@code from}; true when it waits to be received. */
        private synchronized boolean offer(ByteBuffer buffer, int offset, int length, int from) {
            arrived++;
            if (discarding) {
                return false;
            }
            long t = tail.get();
            if (length > slotBytes || t - head.get() >= slotsPerPort) {
                dropped++;
                return false;
            }
            int slot = (int) (t % slotsPerPort);
            buffer.get(offset, data[slot], 0, length);
            lengths[slot] = length;
            sources[slot] = from;
            tail.set(t + 1);
            return true;
        }

        @Override
        public long receiveQueueDrops() {
            return dropped();
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
        }
    }
}
