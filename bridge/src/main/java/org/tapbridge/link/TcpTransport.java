package org.tapbridge.link;

import org.tapbridge.drops.DropReason;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.tapbridge.crypto.HandshakeInitiation;
import org.tapbridge.pipeline.LoopWaiter;
import org.tapbridge.pipeline.RateLimitedLog;

/**
 * The TCP listener and the connections accepted on it that have not yet said who they are. A stranger
 * gets no thread and no buffer of its own beyond the one exact-size first message (a handshake
 * initiation), a short deadline to send it, and a place among a fixed number of pending connections. A
 * newcomer from an address that already holds its share of them evicts that address's oldest; otherwise,
 * when all are taken, the oldest of all. So idle connections from one address never lock out a peer
 * dialling from another. Owned by the data-path thread.
 */
final class TcpTransport implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TcpTransport.class.getName());
    /** Pending connections at once: more than peers dial at a restart, few enough to cost nothing. */
    static final int MAX_PENDING = 16;
    /**
     * Pending connections one source address (IPv4 address, IPv6 /64) may hold: a few sites behind one NAT
     * address restarting together, and a quarter of the table, so no address ever holds all of it.
     */
    static final int MAX_PENDING_PER_SOURCE = 4;
    /** A real peer sends its initiation in its first round trip. */
    static final long FIRST_MESSAGE_TIMEOUT_NS = 2_000_000_000L;
    static final int FIRST_MESSAGE_BYTES = TcpPeerLink.LENGTH_PREFIX + HandshakeInitiation.LENGTH;

    private final StreamListener listener;
    private final LoopWaiter waiter;
    private final LinkCounters unattributed;
    private final int listenerHandle;
    private final StreamSocket[] pending = new StreamSocket[MAX_PENDING];
    private final int[] pendingHandle = new int[MAX_PENDING];
    private final long[] pendingSinceNs = new long[MAX_PENDING];
    private final int[] pendingFilled = new int[MAX_PENDING];
    private final long[] pendingSource = new long[MAX_PENDING];
    private final ByteBuffer pendingBytes = ByteBuffer.allocateDirect(MAX_PENDING * FIRST_MESSAGE_BYTES);
    private final RateLimitedLog errors = new RateLimitedLog(LOG, 10_000_000_000L);

    private TcpTransport(StreamListener listener, LoopWaiter waiter, LinkCounters unattributed) {
        this.listener = listener;
        this.waiter = waiter;
        this.unattributed = unattributed;
        this.listenerHandle = listener == null ? -1 : waiter.add(listener.fd(), LoopWaiter.POLLIN);
    }

    /** Listens on {@code listen} when it is set; a site that only dials out opens no port. */
    static TcpTransport open(StreamNetwork network, InetSocketAddress listen, LoopWaiter waiter,
                             LinkCounters unattributed) throws IOException {
        StreamListener listener = null;
        if (listen != null) {
            try {
                listener = network.listen(listen);
            } catch (IOException e) {
                throw new IOException("cannot listen on TCP " + listen + ": " + e.getMessage()
                        + "; is another daemon using it, or is the address not configured on this host?", e);
            }
        }
        return new TcpTransport(listener, waiter, unattributed);
    }

    boolean listening() {
        return listener != null;
    }

    /** What to do with a stranger's first message. */
    interface Introductions {
        /**
         * The first message of a pending connection; returns the peer link that adopted the connection, or
         * null (counted) to close it.
         */
        TcpPeerLink introduce(StreamSocket socket, ByteBuffer buffer, int offset, int length, long nowNs);
    }

    /** Accepts new connections and reads the first messages of pending ones. */
    void service(long nowNs, Introductions introductions) {
        if (listener != null && (waiter.ready(listenerHandle) & LoopWaiter.POLLIN) != 0) {
            acceptAll(nowNs);
        }
        for (int i = 0; i < MAX_PENDING; i++) {
            if (pending[i] != null && waiter.ready(pendingHandle[i]) != 0) {
                readFirst(i, nowNs, introductions);
            }
        }
    }

    private void acceptAll(long nowNs) {
        while (true) {
            StreamSocket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                // E.g. out of file descriptors: the next readiness retries.
                errors.warn("TCP accept failed: " + e.getMessage());
                return;
            }
            if (s == null) {
                return;
            }
            long source = sourceKey(s.remote());
            int slot = oldestFrom(source, MAX_PENDING_PER_SOURCE);
            if (slot < 0) {
                slot = freeSlot();
            }
            if (slot < 0) {
                slot = oldestSlot();
            }
            if (pending[slot] != null) {
                unattributed.dropped(DropReason.UNKNOWN_PEER);
                drop(slot);
            }
            pending[slot] = s;
            pendingSource[slot] = source;
            pendingHandle[slot] = waiter.add(s.fd(), LoopWaiter.POLLIN);
            pendingSinceNs[slot] = nowNs;
            pendingFilled[slot] = 0;
        }
    }

    private void readFirst(int slot, long nowNs, Introductions introductions) {
        StreamSocket s = pending[slot];
        int base = slot * FIRST_MESSAGE_BYTES;
        int n;
        try {
            n = s.read(pendingBytes, base + pendingFilled[slot], FIRST_MESSAGE_BYTES - pendingFilled[slot]);
        } catch (IOException e) {
            unattributed.dropped(DropReason.UNKNOWN_PEER);
            drop(slot);
            return;
        }
        if (n < 0) {
            unattributed.dropped(DropReason.UNKNOWN_PEER);
            drop(slot);
            return;
        }
        pendingFilled[slot] += n;
        if (pendingFilled[slot] >= TcpPeerLink.LENGTH_PREFIX) {
            int length = (pendingBytes.get(base) & 0xFF) << 8 | (pendingBytes.get(base + 1) & 0xFF);
            if (length != HandshakeInitiation.LENGTH) {
                // Only an initiation may open a connection, and it has one exact size.
                unattributed.dropped(DropReason.MALFORMED_MESSAGE);
                drop(slot);
                return;
            }
        }
        if (pendingFilled[slot] < FIRST_MESSAGE_BYTES) {
            return;
        }
        waiter.remove(pendingHandle[slot]);
        pending[slot] = null;
        TcpPeerLink adopter = introductions.introduce(s, pendingBytes, base + TcpPeerLink.LENGTH_PREFIX,
                HandshakeInitiation.LENGTH, nowNs);
        if (adopter == null) {
            s.close();
        }
    }

    /** Closes pending connections that overstayed their first-message deadline. */
    void tick(long nowNs) {
        for (int i = 0; i < MAX_PENDING; i++) {
            if (pending[i] != null && nowNs - pendingSinceNs[i] > FIRST_MESSAGE_TIMEOUT_NS) {
                unattributed.dropped(DropReason.UNKNOWN_PEER);
                drop(i);
            }
        }
    }

    /** The oldest pending slot of {@code source} if it holds at least {@code limit} of them, else -1. */
    private int oldestFrom(long source, int limit) {
        int count = 0;
        int oldest = -1;
        for (int i = 0; i < MAX_PENDING; i++) {
            if (pending[i] != null && pendingSource[i] == source) {
                count++;
                if (oldest < 0 || pendingSinceNs[i] - pendingSinceNs[oldest] < 0) {
                    oldest = i;
                }
            }
        }
        return count >= limit ? oldest : -1;
    }

    /**
     * The address a connection comes from, as one number: the IPv4 address tagged apart from IPv6, or the
     * IPv6 /64 (one host owns a whole prefix). 0 when unknown.
     */
    static long sourceKey(InetSocketAddress remote) {
        if (remote == null || remote.getAddress() == null) {
            return 0;
        }
        byte[] raw = remote.getAddress().getAddress();
        long key = 0;
        for (int i = 0; i < Math.min(8, raw.length); i++) {
            key = key << 8 | (raw[i] & 0xFFL);
        }
        return raw.length == 4 ? 0xFFFF_FFFF_0000_0000L | key : key;
    }

    private int freeSlot() {
        for (int i = 0; i < MAX_PENDING; i++) {
            if (pending[i] == null) {
                return i;
            }
        }
        return -1;
    }

    private int oldestSlot() {
        int oldest = 0;
        for (int i = 1; i < MAX_PENDING; i++) {
            if (pendingSinceNs[i] - pendingSinceNs[oldest] < 0) {
                oldest = i;
            }
        }
        return oldest;
    }

    private void drop(int slot) {
        waiter.remove(pendingHandle[slot]);
        pending[slot].close();
        pending[slot] = null;
    }

    @Override
    public void close() {
        for (int i = 0; i < MAX_PENDING; i++) {
            if (pending[i] != null) {
                drop(i);
            }
        }
        if (listener != null) {
            waiter.remove(listenerHandle);
            listener.close();
        }
    }
}
