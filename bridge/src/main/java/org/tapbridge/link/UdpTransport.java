package org.tapbridge.link;

import org.tapbridge.drops.DropReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.tapbridge.pipeline.RateLimitedLog;

/**
 * The site's UDP socket and its send batch. Messages to peers are sealed straight into the send arena, end
 * to end, and leave together in one {@code sendmmsg} when the loop flushes (or earlier, when the arena or
 * the batch is full). Where the kernel segments sends (UDP GSO), consecutive messages to one peer of one
 * size (the last of a run may be shorter) form a train that leaves as one entry: a cut super-frame crosses
 * the kernel's UDP and IP layers once, not once per segment, and arrives as separate datagrams. Refusals
 * come back to the peer they were meant for: EMSGSIZE lowers its path MTU. Owned by the data-path thread.
 */
final class UdpTransport implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(UdpTransport.class.getName());
    static final int EMSGSIZE = 90;
    static final int EAGAIN = 11;
    static final int EIO = 5;
    static final int EINVAL = 22;
    /** Entries per sendmmsg: a TAP burst sealed to one or two peers fits. */
    static final int TX_BATCH = 64;
    /** Messages the arena holds between flushes: four full batches of plain sends, or a few trains. */
    static final int TX_MESSAGES = 4 * TX_BATCH;
    /** Datagrams per train: what every kernel with UDP GSO takes (UDP_MAX_SEGMENTS is 64 before 6.x). */
    static final int MAX_TRAIN_DATAGRAMS = 64;
    /** Bytes per train: the UDP payload of one IPv4 packet, which the kernel checks before it segments. */
    static final int MAX_TRAIN_BYTES = 65507;

    private final DatagramPort port;
    private final Datagrams tx = new Datagrams(TX_BATCH);
    private final ByteBuffer arena;
    private final int maxMessageBytes;
    private final UdpPeerLink[] owners = new UdpPeerLink[TX_BATCH];
    private final int[] datagramsPerEntry = new int[TX_BATCH];
    private final LinkCounters unattributed;
    private final RateLimitedLog errors = new RateLimitedLog(LOG, 10_000_000_000L);
    /** Entries in use; the last one may still take datagrams while {@link #trainOpen}. */
    private int entries;
    /** Where the next message is sealed. */
    private int cursor;
    private boolean trainOpen;
    private long flushes;
    private long datagramsSent;
    private long trainsSent;
    private long trainsRefused;

    UdpTransport(DatagramPort port, int maxMessageBytes, LinkCounters unattributed) {
        this.port = port;
        this.unattributed = unattributed;
        this.maxMessageBytes = maxMessageBytes;
        this.arena = ByteBuffer.allocateDirect(Math.multiplyExact(TX_MESSAGES, maxMessageBytes));
    }

    DatagramPort port() {
        return port;
    }

    /**
     * Where to seal the next message: {@link #arena()} from the returned offset, with room for the largest
     * message. Flushes first when the arena or the batch is full.
     */
    int reserve(long nowNs) {
        if (cursor + maxMessageBytes > arena.capacity() || entries == TX_BATCH) {
            flush(nowNs);
        }
        return cursor;
    }

    ByteBuffer arena() {
        return arena;
    }

    /**
     * Queues the {@code length} bytes sealed at {@code at} (from {@link #reserve}), to {@code to}, for
     * {@code owner}; a {@code joinable} message may ride in a train with its neighbours, any other leaves as
     * a datagram of its own.
     */
    void commit(int at, int length, WireAddress to, UdpPeerLink owner, boolean joinable) {
        int last = entries - 1;
        if (joinable && trainOpen && joinsTrain(last, at, length, to, owner)) {
            int size = tx.segmentSize(last) == 0 ? tx.length(last) : tx.segmentSize(last);
            tx.segmentSize(last, size);
            tx.length(last, tx.length(last) + length);
            datagramsPerEntry[last]++;
            // A shorter datagram ends the train: the kernel cuts every segment but the last at the same size.
            trainOpen = length == size && datagramsPerEntry[last] < MAX_TRAIN_DATAGRAMS;
        } else {
            int entry = entries++;
            tx.point(entry, arena, at, length);
            tx.length(entry, length);
            tx.segmentSize(entry, 0);
            tx.address(entry).set(to);
            owners[entry] = owner;
            datagramsPerEntry[entry] = 1;
            trainOpen = joinable && port.segmentsSends();
        }
        cursor = at + length;
    }

    private boolean joinsTrain(int last, int at, int length, WireAddress to, UdpPeerLink owner) {
        int size = tx.segmentSize(last) == 0 ? tx.length(last) : tx.segmentSize(last);
        return owners[last] == owner && at == tx.offset(last) + tx.length(last) && length <= size
                && tx.length(last) + length <= MAX_TRAIN_BYTES && tx.address(last).sameAs(to);
    }

    /** Queues a copy of a complete message (position to limit). */
    void copyOut(ByteBuffer message, WireAddress to, UdpPeerLink owner, long nowNs) {
        int length = message.remaining();
        if (length > maxMessageBytes) {
            return;
        }
        int at = reserve(nowNs);
        arena.put(at, message, message.position(), length);
        commit(at, length, to, owner, false);
    }

    boolean hasPending() {
        return entries > 0;
    }

    /** Sends every queued message; what the kernel refuses is counted against its peer. */
    void flush(long nowNs) {
        if (entries == 0) {
            return;
        }
        int count = entries;
        entries = 0;
        cursor = 0;
        trainOpen = false;
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
        for (int i = 0; i < count; i++) {
            int errno = tx.error(i);
            if (errno == 0) {
                datagramsSent += datagramsPerEntry[i];
                if (datagramsPerEntry[i] > 1) {
                    trainsSent++;
                }
            } else if (errno != 0) {
                if (datagramsPerEntry[i] > 1 && (errno == EIO || errno == EINVAL)) {
                    // The path does not segment (the port stops offering it after EIO); TCP above resends.
                    trainsRefused++;
                }
                refused(i, errno, nowNs);
            }
        }
    }

    private void refused(int entry, int errno, long nowNs) {
        UdpPeerLink owner = owners[entry];
        owners[entry] = null;
        if (owner == null) {
            for (int d = 0; d < datagramsPerEntry[entry]; d++) {
                unattributed.dropped(DropReason.SEND_FAILED);
            }
            return;
        }
        owner.refused(errno, datagramsPerEntry[entry], nowNs);
    }

    long flushes() {
        return flushes;
    }

    long datagramsSent() {
        return datagramsSent;
    }

    /** Entries that left as a train of several datagrams (UDP GSO). */
    long trainsSent() {
        return trainsSent;
    }

    /** Trains the kernel would not segment (EIO, EINVAL); their datagrams were dropped. */
    long trainsRefused() {
        return trainsRefused;
    }

    @Override
    public void close() {
        port.close();
    }
}
