package org.tapbridge.link;

import java.util.SplittableRandom;

/**
 * Capped, jittered exponential backoff between reconnect attempts: the delay doubles from
 * {@code initialNs} up to {@code capNs}, and each wait is drawn from [delay/2, delay] so that many
 * sites restarting together do not retry in lockstep.
 */
final class Backoff {
    private final long initialNs;
    private final long capNs;
    private final SplittableRandom random;
    private long delayNs;

    Backoff(long initialNs, long capNs, long seed) {
        this.initialNs = initialNs;
        this.capNs = capNs;
        this.random = new SplittableRandom(seed);
        this.delayNs = initialNs;
    }

    /** The wait before the next attempt; each call doubles the following one, up to the cap. */
    long nextDelayNs() {
        long d = delayNs;
        delayNs = Math.min(capNs, delayNs * 2);
        return d / 2 + random.nextLong(d / 2 + 1);
    }

    void reset() {
        delayNs = initialNs;
    }
}
