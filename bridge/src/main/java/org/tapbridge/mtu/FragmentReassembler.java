package org.tapbridge.mtu;

import java.nio.ByteBuffer;

/**
 * Puts a peer's {@link ControlType#FRAGMENT} payloads back into frames, in a fixed number of slots each as
 * long as the largest frame, allocated once. One per peer, owned by the thread that receives from it.
 *
 * <p>A slot holds one partial frame, keyed by frame id (equality only: ids wrap), with a {@code long}
 * bitmap of the pieces received. A fragment of a new frame takes a free slot or, when all are busy,
 * evicts the oldest partial frame ({@link #evicted()}, or {@link #expired()} if it had timed out anyway).
 * {@link #expire} drops partial frames older than the timeout; the default is short (1 s) because a
 * sender sends all pieces of a frame back to back, so a missing piece will not come. A fragment whose
 * header is inconsistent is dropped ({@link #MALFORMED}); one already received is dropped
 * ({@link #DUPLICATE}) and the partial frame kept. Duplicates are recognised only while their frame is
 * partial: a piece of a frame already completed starts a new partial frame, which then expires. (The
 * tunnel's replay window drops repeated messages before they get here.)
 *
 * <p>Never allocates after construction, never throws on bad input; counters are plain {@code long}s.
 */
public final class FragmentReassembler {
    /** The fragment was stored; its frame still lacks pieces. */
    public static final int INCOMPLETE = 0;
    /** The fragment completed its frame: see {@link #frameBuffer()}, {@link #frameOffset()}, {@link #frameLength()}. */
    public static final int COMPLETE = 1;
    /** Dropped: not a fragment the split rule makes, or at odds with earlier pieces of its frame. */
    public static final int MALFORMED = 2;
    /** Dropped: this piece of this frame was already received; the partial frame is kept. */
    public static final int DUPLICATE = 3;
    /** Number of statuses, for counter arrays indexed by status. */
    public static final int STATUS_COUNT = 4;

    /** A few frames in flight at once per peer; more means the peer sends faster than it can be served. */
    public static final int DEFAULT_SLOTS = 4;
    /** One second: pieces of a frame arrive back to back, so a frame still partial after this is lost. */
    public static final long DEFAULT_TIMEOUT_NS = 1_000_000_000L;
    /** Slots are searched linearly; more than this would be a misconfiguration. */
    public static final int MAX_SLOTS = 64;

    private final int slots;
    private final int maxFrameLength;
    private final long timeoutNs;
    private final ByteBuffer frames;
    private final FragmentHeader header = new FragmentHeader();
    private final boolean[] busy;
    private final int[] frameIds;
    private final int[] counts;
    private final int[] totals;
    private final long[] received;
    private final long[] startNs;

    private int completedSlot = -1;
    private int frameOffset;
    private int frameLength;

    private long completed;
    private long evicted;
    private long expired;
    private long malformed;
    private long duplicate;

    /** With the {@link #DEFAULT_TIMEOUT_NS default timeout}. */
    public FragmentReassembler(int slots, int maxFrameLength) {
        this(slots, maxFrameLength, DEFAULT_TIMEOUT_NS);
    }

    /**
     * @param slots partial frames kept at once, 1..{@link #MAX_SLOTS}
     * @param maxFrameLength the longest frame reassembled, 2..65535; longer totals are {@link #MALFORMED}
     * @param timeoutNs how long a partial frame may wait for its missing pieces, above 0
     * @throws IllegalArgumentException naming the setting and the limit
     */
    public FragmentReassembler(int slots, int maxFrameLength, long timeoutNs) {
        if (slots < 1 || slots > MAX_SLOTS) {
            throw new IllegalArgumentException("reassembly slots=" + slots + " outside 1.." + MAX_SLOTS);
        }
        if (maxFrameLength < 2 || maxFrameLength > FragmentHeader.MAX_TOTAL_LENGTH) {
            throw new IllegalArgumentException("reassembly maxFrameLength=" + maxFrameLength + " outside 2.."
                    + FragmentHeader.MAX_TOTAL_LENGTH);
        }
        if (timeoutNs <= 0) {
            throw new IllegalArgumentException("reassembly timeoutNs=" + timeoutNs + " <= 0");
        }
        this.slots = slots;
        this.maxFrameLength = maxFrameLength;
        this.timeoutNs = timeoutNs;
        // Direct, like the rest of the data path's frame memory: the frame goes on to a native write.
        this.frames = ByteBuffer.allocateDirect(slots * maxFrameLength);
        this.busy = new boolean[slots];
        this.frameIds = new int[slots];
        this.counts = new int[slots];
        this.totals = new int[slots];
        this.received = new long[slots];
        this.startNs = new long[slots];
    }

    /**
     * Takes one fragment control payload (header and piece) of {@code length} bytes at absolute index
     * {@code offset} of {@code msg}. Frees the slot of the frame completed by the previous call first.
     *
     * @param nowNs the data path's monotonic clock, read once per cycle
     * @return {@link #INCOMPLETE}, {@link #COMPLETE}, {@link #MALFORMED} or {@link #DUPLICATE}
     */
    public int accept(ByteBuffer msg, int offset, int length, long nowNs) {
        releaseCompleted();
        if (!Bytes.inBounds(msg, offset, length) || length < FragmentHeader.HEADER_LENGTH) {
            malformed++;
            return MALFORMED;
        }
        header.wrap(msg, offset);
        int pieceLength = length - FragmentHeader.HEADER_LENGTH;
        if (!header.isConsistent(pieceLength) || header.totalLength() > maxFrameLength) {
            malformed++;
            return MALFORMED;
        }
        int frameId = header.frameId();
        int count = header.count();
        int total = header.totalLength();
        int slot = find(frameId);
        if (slot < 0) {
            slot = claim(nowNs);
            busy[slot] = true;
            frameIds[slot] = frameId;
            counts[slot] = count;
            totals[slot] = total;
            received[slot] = 0;
            startNs[slot] = nowNs;
        } else if (counts[slot] != count || totals[slot] != total) {
            malformed++;
            return MALFORMED;
        }
        long bit = 1L << header.index();
        if ((received[slot] & bit) != 0) {
            duplicate++;
            return DUPLICATE;
        }
        frames.put(slot * maxFrameLength + header.chunkOffset(), msg, offset + FragmentHeader.HEADER_LENGTH,
                pieceLength);
        received[slot] |= bit;
        long all = count == 64 ? -1L : (1L << count) - 1;
        if (received[slot] != all) {
            return INCOMPLETE;
        }
        completed++;
        completedSlot = slot;
        frameOffset = slot * maxFrameLength;
        frameLength = total;
        return COMPLETE;
    }

    /**
     * Drops partial frames whose first piece came more than the timeout before {@code nowNs}; call on
     * every tick. Also frees the slot of a frame completed by the previous call.
     *
     * @return how many were dropped now (also added to {@link #expired()})
     */
    public int expire(long nowNs) {
        releaseCompleted();
        int dropped = 0;
        for (int slot = 0; slot < slots; slot++) {
            if (busy[slot] && nowNs - startNs[slot] > timeoutNs) {
                busy[slot] = false;
                dropped++;
            }
        }
        expired += dropped;
        return dropped;
    }

    private void releaseCompleted() {
        if (completedSlot >= 0) {
            busy[completedSlot] = false;
            completedSlot = -1;
            frameOffset = 0;
            frameLength = 0;
        }
    }

    private int find(int frameId) {
        for (int slot = 0; slot < slots; slot++) {
            if (busy[slot] && frameIds[slot] == frameId) {
                return slot;
            }
        }
        return -1;
    }

    /** A free slot, or the oldest partial frame's, counted as evicted (or expired if it was overdue). */
    private int claim(long nowNs) {
        int oldest = 0;
        for (int slot = 0; slot < slots; slot++) {
            if (!busy[slot]) {
                return slot;
            }
            if (startNs[slot] - startNs[oldest] < 0) {
                oldest = slot;
            }
        }
        if (nowNs - startNs[oldest] > timeoutNs) {
            expired++;
        } else {
            evicted++;
        }
        busy[oldest] = false;
        return oldest;
    }

    /** The buffer holding the frame of the last {@link #COMPLETE}; read-only use, valid until the next call. */
    public ByteBuffer frameBuffer() {
        return frames;
    }

    /** Absolute index of the completed frame in {@link #frameBuffer()}; valid until the next call. */
    public int frameOffset() {
        return frameOffset;
    }

    /** Length of the completed frame; 0 once the next call has freed it. */
    public int frameLength() {
        return frameLength;
    }

    /** Partial frames now held (a just-completed one counts until the next call). */
    public int busySlots() {
        int n = 0;
        for (int slot = 0; slot < slots; slot++) {
            if (busy[slot]) {
                n++;
            }
        }
        return n;
    }

    public long completed() {
        return completed;
    }

    public long evicted() {
        return evicted;
    }

    public long expired() {
        return expired;
    }

    public long malformed() {
        return malformed;
    }

    public long duplicate() {
        return duplicate;
    }

    /** A human word for a status of {@link #accept}; unknown values are described, not rejected. */
    public static String describe(int status) {
        switch (status) {
            case INCOMPLETE:
                return "incomplete";
            case COMPLETE:
                return "complete";
            case MALFORMED:
                return "malformed";
            case DUPLICATE:
                return "duplicate";
            default:
                return "unknown reassembly status " + status;
        }
    }
}
