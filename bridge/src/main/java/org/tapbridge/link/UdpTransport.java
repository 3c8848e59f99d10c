package org.tapbridge.link;

import org.tapbridge.drops.DropReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.tapbridge.pipeline.RateLimitedLog;

/**
 * The site's UDP socket and its send batch. Messages to peers are sealed straight into a slice of the
 * send arena and leave together in one {@code sendmmsg} when the loop flushes (or earlier, when the batch
 * is full). Refusals come back to the peer they were meant for: EMSGSIZE lowers its path MTU. Owned by
 * the data-path thread.
 */
final class UdpTransport implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(UdpTransport.class.getName());
    static final int EMSGSIZE = 90;
    static final int EAGAIN = 11;
    /** Messages per sendmmsg: a TAP burst sealed to one or two peers fits, and the arena stays in cache. */
    static final int TX_BATCH = 64;

    private final DatagramPort port;
    private final Datagrams tx = new Datagrams(TX_BATCH);
    private final ByteBuffer arena;
    private final int entryBytes;
    private final UdpPeerLink[] owners = new UdpPeerLink[TX_BATCH];
    private final LinkCounters unattributed;
    private final RateLimitedLog errors = new RateLimitedLog(LOG, 10_000_000_000L);
    private int pending;
    private long flushes;
    private long datagramsSent;

    UdpTransport(DatagramPort port, int maxMessageBytes, LinkCounters unattributed) {
        this.port = port;
        this.unattributed = unattributed;
        this.entryBytes = (maxMessageBytes + 63) & ~63;
        this.arena = ByteBuffer.allocateDirect(Math.multiplyExact(TX_BATCH, entryBytes));
        for (int i = 0; i < TX_BATCH; i++) {
            tx.point(i, arena, i * entryBytes, entryBytes);
        }
    }

    DatagramPort port() {
        return port;
    }

    /** A free send entry; flushes first when the batch is full. Fill it at {@link #arena()} + {@link #offset}. */
    int reserve(long nowNs) {
        if (pending == TX_BATCH) {
            flush(nowNs);
        }
        return pending;
    }

    ByteBuffer arena() {
        return arena;
    }

    int offset(int entry) {
        return entry * entryBytes;
    }

    /** Queues the reserved entry: {@code length} bytes at its offset, to {@code to}, on behalf of {@code owner}. */
    void commit(int entry, int length, WireAddress to, UdpPeerLink owner) {
        tx.length(entry, length);
        tx.address(entry).set(to);
        owners[entry] = owner;
        pending = entry + 1;
    }

    /** Queues a copy of a complete message (position to limit). */
    void copyOut(ByteBuffer message, WireAddress to, UdpPeerLink owner, long nowNs) {
        int length = message.remaining();
        if (length > entryBytes) {
            return;
        }
        int entry = reserve(nowNs);
        arena.put(offset(entry), message, message.position(), length);
        commit(entry, length, to, owner);
    }

    boolean hasPending() {
        return pending > 0;
    }

    /** Sends every queued message; what the kernel refuses is counted against its peer. */
    void flush(long nowNs) {
        if (pending == 0) {
            return;
        }
        int count = pending;
        pending = 0;
        int sent;
        try {
            sent = port.send(tx, count);
        } catch (IOException e) {
            errors.warn("UDP send failed: " + e.getMessage());
            for (int i = 0; i < count; i++) {
                refused(i, 0, nowNs);
            }
            return;
        }
        flushes++;
        datagramsSent += sent;
        if (sent == count) {
            return;
        }
        for (int i = 0; i < count; i++) {
            int errno = tx.error(i);
            if (errno != 0) {
                refused(i, errno, nowNs);
            }
        }
    }

    private void refused(int entry, int errno, long nowNs) {
        UdpPeerLink owner = owners[entry];
        owners[entry] = null;
        if (owner == null) {
            unattributed.dropped(DropReason.SEND_FAILED);
            return;
        }
        owner.refused(errno, nowNs);
    }

    long flushes() {
        return flushes;
    }

    long datagramsSent() {
        return datagramsSent;
    }

    @Override
    public void close() {
        port.close();
    }
}
