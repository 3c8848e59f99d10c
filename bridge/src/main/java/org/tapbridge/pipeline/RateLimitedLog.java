package org.tapbridge.pipeline;

/** Logs at most one line per interval, counting what it held back, so a flood of bad input cannot flood the log. */
public final class RateLimitedLog {
    private final System.Logger logger;
    private final long intervalNs;
    private long lastNs;
    private boolean logged;
    private long suppressed;

    public RateLimitedLog(System.Logger logger, long intervalNs) {
        this.logger = logger;
        this.intervalNs = intervalNs;
    }

    /** Whether a line may be written now (counted as held back otherwise); for lines that carry a stack trace. */
    public synchronized boolean allowed() {
        long now = System.nanoTime();
        if (logged && now - lastNs < intervalNs) {
            suppressed++;
            return false;
        }
        logged = true;
        lastNs = now;
        suppressed = 0;
        return true;
    }

    public synchronized void warn(String message) {
        long now = System.nanoTime();
        if (logged && now - lastNs < intervalNs) {
            suppressed++;
            return;
        }
        String suffix = suppressed > 0 ? " (" + suppressed + " similar messages suppressed)" : "";
        logger.log(System.Logger.Level.WARNING, message + suffix);
        logged = true;
        lastNs = now;
        suppressed = 0;
    }
}
