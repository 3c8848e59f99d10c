package org.tapbridge.switching;

/**
 * Lets one log line through per interval and counts the ones it holds back.
 * Owned by one thread; time comes from the caller ({@code nowNs}), so it reads no clock.
 */
public final class LogRateLimiter {
    private final long intervalNs;
    private long nextAllowedNs;
    private boolean started;
    private long suppressed;

    public LogRateLimiter(long intervalNs) {
        if (intervalNs < 0) {
            throw new IllegalArgumentException("log interval " + intervalNs + " ns < 0");
        }
        this.intervalNs = intervalNs;
    }

    /** True when a line may be written now; otherwise the line is counted as suppressed. */
    public boolean tryAcquire(long nowNs) {
        if (!started || nowNs - nextAllowedNs >= 0) {
            started = true;
            nextAllowedNs = nowNs + intervalNs;
            return true;
        }
        suppressed++;
        return false;
    }

    /** Lines held back since the last call; resets the count. Call after a successful {@link #tryAcquire}. */
    public long takeSuppressed() {
        long count = suppressed;
        suppressed = 0;
        return count;
    }

    public long intervalNs() {
        return intervalNs;
    }
}
