package org.tapbridge.crypto;

/**
 * Sliding anti-replay window over 64-bit (unsigned) counters in the style of RFC 6479: a ring of 64-bit
 * blocks, advanced a whole block at a time, so no shifting and no allocation. Owned by the link thread.
 *
 * <p>The ring holds {@value #RING_BITS} bits; one block is always being recycled, so the guaranteed window
 * is {@value #WINDOW} counters behind the greatest one seen (the issue asks for at least 2048).
 */
public final class ReplayWindow {
    static final int BLOCK_BITS = 64;
    static final int BLOCKS = 64;
    static final int RING_BITS = BLOCKS * BLOCK_BITS;
    /** Counters this far or further behind the greatest are refused as too old. */
    public static final int WINDOW = RING_BITS - BLOCK_BITS;
    private static final int BLOCK_MASK = BLOCKS - 1;

    private final long[] ring = new long[BLOCKS];
    /** Counters at or above this (unsigned) are refused: the sender must have rekeyed long before. */
    private final long limit;
    private long greatest;

    /** @param limit exclusive unsigned upper bound for counters, e.g. {@link SessionSettings#rejectAfterMessages()} */
    public ReplayWindow(long limit) {
        this.limit = limit;
    }

    /**
     * Whether the counter could be accepted: not beyond the limit, not too old, not seen. Does not record
     * it, so a forged packet cannot move the window; call {@link #markSeen} after authentication.
     */
    public boolean isFresh(long counter) {
        if (Long.compareUnsigned(counter, limit) >= 0) {
            return false;
        }
        if (Long.compareUnsigned(counter, greatest) > 0) {
            return true;
        }
        if (Long.compareUnsigned(greatest - counter, WINDOW) >= 0) {
            return false;
        }
        return (ring[blockOf(counter)] & bitOf(counter)) == 0;
    }

    /** Records an authenticated counter; returns false (and records nothing) if it is not fresh. */
    public boolean markSeen(long counter) {
        if (!isFresh(counter)) {
            return false;
        }
        if (Long.compareUnsigned(counter, greatest) > 0) {
            long currentBlock = greatest >>> 6;
            long newBlock = counter >>> 6;
            long advance = newBlock - currentBlock;
            if (Long.compareUnsigned(advance, BLOCKS) > 0) {
                advance = BLOCKS;
            }
            // Blocks entered by the jump hold bits of counters a full ring ago: clear them.
            for (long i = 1; i <= advance; i++) {
                ring[(int) ((currentBlock + i) & BLOCK_MASK)] = 0;
            }
            greatest = counter;
        }
        ring[blockOf(counter)] |= bitOf(counter);
        return true;
    }

    /** The greatest counter recorded so far (unsigned), 0 before any. */
    public long greatest() {
        return greatest;
    }

    private static int blockOf(long counter) {
        return (int) ((counter >>> 6) & BLOCK_MASK);
    }

    private static long bitOf(long counter) {
        return 1L << (counter & 63);
    }
}
