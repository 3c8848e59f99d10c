package org.tapbridge.switching;

import java.util.concurrent.TimeUnit;

/**
 * Turns sustained MAC flapping into a block of the port it is charged to: {@code loop-flaps-per-second}
 * flaps within one second block the port for {@code loop-block-seconds}, doubled on each repeat up to
 * {@code loop-block-max-seconds}. Timing only; {@link PortTable} holds the blocked flags that floods
 * obey. Switch thread, allocation-free.
 */
final class LoopGuard {
    private static final long WINDOW_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long NONE = Long.MAX_VALUE;

    private final int flapsPerWindow;
    private final long firstBlockNs;
    private final long maxBlockNs;
    private final long[] windowStartNs;
    private final int[] flapsInWindow;
    private final boolean[] blocked;
    private final long[] blockedUntilNs;
    private final long[] unblockedAtNs;
    /** Doublings applied to the next block's length. */
    private final int[] backOffLevel;
    private int blockedCount;
    private long nextUnblockNs = NONE;

    LoopGuard(int flapsPerSecond, long firstBlockNs, long maxBlockNs, int maxPorts) {
        this.flapsPerWindow = flapsPerSecond;
        this.firstBlockNs = firstBlockNs;
        this.maxBlockNs = maxBlockNs;
        this.windowStartNs = new long[maxPorts];
        this.flapsInWindow = new int[maxPorts];
        this.blocked = new boolean[maxPorts];
        this.blockedUntilNs = new long[maxPorts];
        this.unblockedAtNs = new long[maxPorts];
        this.backOffLevel = new int[maxPorts];
    }

    boolean isEnabled() {
        return flapsPerWindow > 0;
    }

    /**
     * Charges one refused move to {@code port}.
     *
     * @return the length of the block this flap starts, or 0 when the port stays forwarding
     */
    long recordFlap(int port, long nowNs) {
        if (flapsPerWindow == 0 || blocked[port]) {
            return 0;
        }
        if (flapsInWindow[port] == 0 || nowNs - windowStartNs[port] >= WINDOW_NS) {
            windowStartNs[port] = nowNs;
            flapsInWindow[port] = 0;
        }
        if (++flapsInWindow[port] < flapsPerWindow) {
            return 0;
        }
        return block(port, nowNs);
    }

    private long block(int port, long nowNs) {
        // A port that stayed quiet for a whole maximum block since its last one starts over at the first length.
        if (backOffLevel[port] > 0 && nowNs - unblockedAtNs[port] >= maxBlockNs) {
            backOffLevel[port] = 0;
        }
        long lengthNs = firstBlockNs;
        for (int i = 0; i < backOffLevel[port] && lengthNs < maxBlockNs; i++) {
            lengthNs <<= 1;
        }
        lengthNs = Math.min(lengthNs, maxBlockNs);
        if (lengthNs < maxBlockNs) {
            backOffLevel[port]++;
        }
        blocked[port] = true;
        blockedCount++;
        blockedUntilNs[port] = nowNs + lengthNs;
        flapsInWindow[port] = 0;
        nextUnblockNs = nextUnblockNs == NONE ? blockedUntilNs[port] : earlier(nextUnblockNs, blockedUntilNs[port]);
        return lengthNs;
    }

    boolean isBlocked(int port) {
        return blocked[port];
    }

    /** True when some block has run out: one comparison, cheap enough for every frame. */
    boolean isUnblockDue(long nowNs) {
        return nextUnblockNs != NONE && nowNs - nextUnblockNs >= 0;
    }

    /** True if {@code port}'s block has run out; call {@link #unblock} then. */
    boolean isExpired(int port, long nowNs) {
        return blocked[port] && nowNs - blockedUntilNs[port] >= 0;
    }

    void unblock(int port, long nowNs) {
        if (!blocked[port]) {
            return;
        }
        blocked[port] = false;
        blockedCount--;
        unblockedAtNs[port] = nowNs;
        flapsInWindow[port] = 0;
        recomputeNextUnblock();
    }

    /** Remaining block time, 0 for a forwarding port. */
    long remainingNs(int port, long nowNs) {
        return blocked[port] ? Math.max(0, blockedUntilNs[port] - nowNs) : 0;
    }

    /** Forgets a port's history, for a port that is added or removed. */
    void reset(int port) {
        if (blocked[port]) {
            blocked[port] = false;
            blockedCount--;
        }
        flapsInWindow[port] = 0;
        backOffLevel[port] = 0;
        recomputeNextUnblock();
    }

    int blockedCount() {
        return blockedCount;
    }

    private void recomputeNextUnblock() {
        long next = NONE;
        if (blockedCount > 0) {
            for (int port = 0; port < blocked.length; port++) {
                if (blocked[port]) {
                    next = next == NONE ? blockedUntilNs[port] : earlier(next, blockedUntilNs[port]);
                }
            }
        }
        nextUnblockNs = next;
    }

    private static long earlier(long aNs, long bNs) {
        return aNs - bNs <= 0 ? aNs : bNs;
    }
}
