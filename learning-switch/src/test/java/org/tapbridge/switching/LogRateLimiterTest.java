package org.tapbridge.switching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.switching.Macs.T0;
import static org.tapbridge.switching.Macs.seconds;

import org.junit.jupiter.api.Test;

class LogRateLimiterTest {

    @Test
    void allowsOneLinePerIntervalAndCountsTheRest() {
        LogRateLimiter limiter = new LogRateLimiter(seconds(10));
        assertTrue(limiter.tryAcquire(T0));
        assertEquals(0, limiter.takeSuppressed());
        for (int i = 1; i <= 99; i++) {
            assertFalse(limiter.tryAcquire(T0 + i * 1_000));
        }
        assertFalse(limiter.tryAcquire(T0 + seconds(10) - 1));
        assertTrue(limiter.tryAcquire(T0 + seconds(10)));
        assertEquals(100, limiter.takeSuppressed());
        assertEquals(0, limiter.takeSuppressed());
    }

    @Test
    void allowsTheFirstLineAtAnyClockValue() {
        assertTrue(new LogRateLimiter(seconds(1)).tryAcquire(Long.MIN_VALUE + 5));
        assertTrue(new LogRateLimiter(seconds(1)).tryAcquire(-seconds(100)));
    }
}
