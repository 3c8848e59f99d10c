package org.tapbridge.switching;

/**
 * One token bucket per ingress port, in integer nanosecond arithmetic: storm control (broadcast and
 * multicast) and the unknown-unicast flood limit each own one set. Switch thread.
 */
final class PortTokenBuckets {
    // Tokens are scaled by one second in nanoseconds, so refill is elapsedNs * packetsPerSecond, exactly.
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long NEVER = Long.MIN_VALUE;

    private final boolean enabled;
    private final long packetsPerSecond;
    private final long capacity;
    private final long fillTimeNs;
    private final long[] tokens;
    private final long[] lastRefillNs;

    PortTokenBuckets(int packetsPerSecond, int burst, int maxPorts) {
        this.enabled = packetsPerSecond > 0;
        this.packetsPerSecond = packetsPerSecond;
        this.capacity = (long) Math.max(burst, 1) * NANOS_PER_SECOND;
        // Beyond this gap the bucket is full anyway; capping also keeps elapsedNs * pps from overflowing.
        this.fillTimeNs = enabled ? capacity / packetsPerSecond + 1 : 0;
        this.tokens = new long[maxPorts];
        this.lastRefillNs = new long[maxPorts];
        for (int port = 0; port < maxPorts; port++) {
            reset(port);
        }
    }

    boolean isEnabled() {
        return enabled;
    }

    /** A new port starts with a full bucket. */
    void reset(int port) {
        tokens[port] = capacity;
        lastRefillNs[port] = NEVER;
    }

    /** True if a frame from {@code port} may pass now; takes its token. */
    boolean tryAcquire(int port, long nowNs) {
        if (!enabled) {
            return true;
        }
        long last = lastRefillNs[port];
        long available = tokens[port];
        if (last == NEVER) {
            lastRefillNs[port] = nowNs;
        } else {
            long elapsedNs = nowNs - last;
            // A clock that steps back refills nothing rather than draining the bucket.
            if (elapsedNs > 0) {
                available = elapsedNs >= fillTimeNs ? capacity
                        : Math.min(capacity, available + elapsedNs * packetsPerSecond);
                lastRefillNs[port] = nowNs;
            }
        }
        if (available >= NANOS_PER_SECOND) {
            tokens[port] = available - NANOS_PER_SECOND;
            return true;
        }
        tokens[port] = available;
        return false;
    }
}
