package org.tapbridge.crypto;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Token buckets that bound how many handshake messages are processed: one per source address (IPv6 by
 * /64, since one host owns a whole prefix) in a fixed-size table, and one over all sources. Owned by the
 * link thread; memory is fixed at construction.
 */
public final class HandshakeRateLimiter {
    private static final long NS_PER_SECOND = 1_000_000_000L;
    /** Slots examined for one address; bounds the work of a lookup under a flood of new addresses. */
    private static final int PROBE_LIMIT = 8;

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

    HandshakeRateLimiter(SessionSettings settings) {
        costNsPerSource = NS_PER_SECOND / settings.handshakesPerSecondPerSource();
        burstNsPerSource = costNsPerSource * settings.handshakeBurstPerSource();
        costNsTotal = NS_PER_SECOND / settings.handshakesPerSecondTotal();
        // A second's worth of the global rate as burst: absorbs a site restart where all peers call at once.
        burstNsTotal = NS_PER_SECOND;
        int slots = settings.rateLimitedSources();
        sourceKeys = new long[slots];
        sourceCreditNs = new long[slots];
        sourceLastNs = new long[slots];
        java.util.Arrays.fill(sourceCreditNs, -1);
    }

    /** Whether a handshake message from this source ({@link #keyOf}) may be processed now; spends a token if so. */
    boolean allow(long sourceKey, long nowNs) {
        return allowSource(sourceKey, nowNs) && allowTotal(nowNs);
    }

    /** Per-source only: for a known peer at its authenticated endpoint, which a flood must not starve. */
    boolean allowKnownEndpoint(long sourceKey, long nowNs) {
        return allowSource(sourceKey, nowNs);
    }

    private boolean allowTotal(long nowNs) {
        if (!started) {
            started = true;
            totalCreditNs = burstNsTotal;
            totalLastNs = nowNs;
        }
        totalCreditNs = Math.min(burstNsTotal, totalCreditNs + Math.max(0, nowNs - totalLastNs));
        totalLastNs = nowNs;
        if (totalCreditNs < costNsTotal) {
            return false;
        }
        totalCreditNs -= costNsTotal;
        return true;
    }

    private boolean allowSource(long key, long nowNs) {
        int mask = sourceKeys.length - 1;
        int home = (int) (mix(key) & mask);
        int victim = -1;
        for (int p = 0; p < PROBE_LIMIT; p++) {
            int i = (home + p) & mask;
            if (sourceCreditNs[i] < 0) {
                if (victim < 0) {
                    victim = i;
                }
                continue;
            }
            if (sourceKeys[i] == key) {
                return spend(i, nowNs);
            }
            // An entry idle long enough to be full again holds no information: reuse its slot.
            if (victim < 0 && nowNs - sourceLastNs[i] >= burstNsPerSource) {
                victim = i;
            }
        }
        if (victim < 0) {
            // All nearby slots belong to sources active right now: refuse rather than forget their debt.
            return false;
        }
        sourceKeys[victim] = key;
        sourceCreditNs[victim] = burstNsPerSource;
        sourceLastNs[victim] = nowNs;
        return spend(victim, nowNs);
    }

    private boolean spend(int i, long nowNs) {
        long credit = Math.min(burstNsPerSource, sourceCreditNs[i] + Math.max(0, nowNs - sourceLastNs[i]));
        sourceLastNs[i] = nowNs;
        if (credit < costNsPerSource) {
            sourceCreditNs[i] = credit;
            return false;
        }
        sourceCreditNs[i] = credit - costNsPerSource;
        return true;
    }

    /**
     * The bucket key of a source address: an IPv4 address tagged into a range no IPv6 /64 routes from, or
     * the /64 of an IPv6 address. The link layer computes the same key from raw socket addresses.
     */
    public static long keyOf(SocketAddress source) {
        if (source instanceof InetSocketAddress inet && inet.getAddress() != null) {
            InetAddress address = inet.getAddress();
            byte[] raw = address.getAddress();
            long key = 0;
            if (raw.length == 4) {
                int ipv4 = 0;
                for (int i = 0; i < 4; i++) {
                    ipv4 = ipv4 << 8 | (raw[i] & 0xFF);
                }
                return ipv4Key(ipv4);
            }
            for (int i = 0; i < 8; i++) {
                key = key << 8 | (raw[i] & 0xFFL);
            }
            return key;
        }
        return source == null ? 0 : source.hashCode();
    }

    /** The key of an IPv4 address: tagged so IPv4 and IPv6 keys never meet. */
    public static long ipv4Key(int address) {
        return 0xFFFF_FFFF_0000_0000L | (address & 0xFFFF_FFFFL);
    }

    /** The key of an IPv6 address given its upper 64 bits: one host owns a whole /64. */
    public static long ipv6Key(long upper64) {
        return upper64;
    }

    private static long mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 32);
    }
}
