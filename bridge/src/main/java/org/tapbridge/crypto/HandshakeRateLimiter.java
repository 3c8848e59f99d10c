package org.tapbridge.crypto;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Token buckets that bound how many handshake messages reach X25519 work: one per source key (see
 * {@link HandshakeSource}) in a fixed-size table, and one over all sources that tells when the site is
 * under load. Owned by the link thread; memory is fixed at construction.
 *
 * <p>A full table never refuses a newcomer: it takes the least recently used of the slots the newcomer's
 * key may occupy. An evicted source starts again with a full bucket, which is the price of bounded memory;
 * under load only sources that proved their address reach the table at all (see {@link HandshakeMacs}).
 */
public final class HandshakeRateLimiter {
    private static final long NS_PER_SECOND = 1_000_000_000L;
    /** Slots examined for one key; bounds the work of a lookup under a flood of new sources. */
    static final int PROBE_LIMIT = 8;
    /**
     * Load outlasts the pressure that caused it by this much, as in WireGuard: a flood that pauses for a
     * moment does not get a window of tokens without cookies.
     */
    static final long LOAD_HOLD_NS = TimeUnit.SECONDS.toNanos(1);

    private final long costNsPerSource;
    private final long burstNsPerSource;
    private final long costNsTotal;
    private final long burstNsTotal;
    private final long[] sourceKeys;
    /** Credit of each source in nanoseconds of refill time; -1 marks an empty slot. */
    private final long[] sourceCreditNs;
    private final long[] sourceLastNs;
    private long totalCreditNs;
    private long totalLastNs;
    private boolean started;
    private long loadUntilNs;
    private boolean loaded;
    private final CryptoCounters counters;

    HandshakeRateLimiter(SessionSettings settings) {
        this(settings, new CryptoCounters());
    }

    /** Counts its evictions into {@code counters}. */
    HandshakeRateLimiter(SessionSettings settings, CryptoCounters counters) {
        this.counters = counters;
        costNsPerSource = NS_PER_SECOND / settings.handshakesPerSecondPerSource();
        burstNsPerSource = costNsPerSource * settings.handshakeBurstPerSource();
        costNsTotal = NS_PER_SECOND / settings.handshakesPerSecondTotal();
        // A second's worth of the global rate as burst: absorbs a site restart where all peers call at once.
        burstNsTotal = NS_PER_SECOND;
        int slots = settings.rateLimitedSources();
        sourceKeys = new long[slots];
        sourceCreditNs = new long[slots];
        sourceLastNs = new long[slots];
        Arrays.fill(sourceCreditNs, -1);
    }

    /**
     * Whether a handshake message from the source with this key may cost X25519 work now; spends its
     * token if so. {@code global} also charges the bucket over all sources: everyone but a peer's known
     * endpoint, which a flood from elsewhere must not starve.
     */
    boolean allow(long sourceKey, boolean global, long nowNs) {
        refillTotal(nowNs);
        int slot = slotOf(sourceKey, nowNs);
        long credit = Math.min(burstNsPerSource, sourceCreditNs[slot] + Math.max(0, nowNs - sourceLastNs[slot]));
        sourceLastNs[slot] = nowNs;
        if (credit < costNsPerSource || (global && totalCreditNs < costNsTotal)) {
            sourceCreditNs[slot] = credit;
            if (global) {
                loadUntilNs = nowNs + LOAD_HOLD_NS;
                loaded = true;
            }
            return false;
        }
        sourceCreditNs[slot] = credit - costNsPerSource;
        if (global) {
            totalCreditNs -= costNsTotal;
        }
        return true;
    }

    /**
     * Whether the site is under load: the bucket over all sources is less than half full, or was within
     * the last {@link #LOAD_HOLD_NS}. Then initiations must carry a valid mac2 before they spend tokens.
     */
    boolean underLoad(long nowNs) {
        refillTotal(nowNs);
        if (totalCreditNs < burstNsTotal / 2) {
            loadUntilNs = nowNs + LOAD_HOLD_NS;
            loaded = true;
            return true;
        }
        return loaded && nowNs - loadUntilNs < 0;
    }

    /** Slots taken from a source still in the table, since start: how hard the table was pressed. */
    long evictions() {
        return counters.rateLimiterEvictions();
    }

    private void refillTotal(long nowNs) {
        if (!started) {
            started = true;
            totalCreditNs = burstNsTotal;
            totalLastNs = nowNs;
        }
        totalCreditNs = Math.min(burstNsTotal, totalCreditNs + Math.max(0, nowNs - totalLastNs));
        totalLastNs = nowNs;
    }

    /** The slot of {@code key}: its own, else an empty one, else the least recently used one nearby. */
    private int slotOf(long key, long nowNs) {
        int mask = sourceKeys.length - 1;
        int home = (int) (key ^ key >>> 32) & mask;
        int empty = -1;
        int oldest = -1;
        for (int p = 0; p < PROBE_LIMIT; p++) {
            int i = (home + p) & mask;
            if (sourceCreditNs[i] < 0) {
                if (empty < 0) {
                    empty = i;
                }
                continue;
            }
            if (sourceKeys[i] == key) {
                return i;
            }
            if (oldest < 0 || sourceLastNs[i] - sourceLastNs[oldest] < 0) {
                oldest = i;
            }
        }
        int victim = empty;
        if (victim < 0) {
            victim = oldest;
            counters.rateLimiterEvicted();
        }
        sourceKeys[victim] = key;
        sourceCreditNs[victim] = burstNsPerSource;
        sourceLastNs[victim] = nowNs;
        return victim;
    }
}
