package org.tapbridge.pipeline;

import org.tapbridge.switching.LogRateLimiter;

/**
 * A logger that lets one line through per interval and counts what it held back, so a flood of bad
 * input cannot flood the log. The pacing is the switch's {@link LogRateLimiter}, the one rate limiter of
 * log lines in tapbridge; this adds the clock and the logger. Thread-safe (control and data path share
 * some instances).
 */
public final class RateLimitedLog {
    private final System.Logger logger;
    private final LogRateLimiter limiter;

    public RateLimitedLog(System.Logger logger, long intervalNs) {
        this.logger = logger;
        this.limiter = new LogRateLimiter(intervalNs);
    }

    /** Whether a line may be written now (counted as held back otherwise); for lines that carry a stack trace. */
    public synchronized boolean allowed() {
        return limiter.tryAcquire(System.nanoTime());
    }

    public synchronized void warn(String message) {
        if (!limiter.tryAcquire(System.nanoTime())) {
            return;
        }
        long suppressed = limiter.takeSuppressed();
        logger.log(System.Logger.Level.WARNING, suppressed > 0
                ? message + " (" + suppressed + " similar messages suppressed)" : message);
    }
}
