package org.tapbridge.crypto;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReplayWindowTest {
    private static final long LIMIT = SessionSettings.REJECT_AFTER_MESSAGES;

    @Test
    void holdsAtLeastTheWindowTheIssueAsksFor() {
        assertTrue(ReplayWindow.WINDOW >= 2048);
    }

    @Test
    void acceptsEachCounterOnceInAnyOrderInsideTheWindow() {
        ReplayWindow w = new ReplayWindow(LIMIT);
        assertTrue(w.markSeen(0));
        assertTrue(w.markSeen(5));
        assertTrue(w.markSeen(3));
        assertFalse(w.markSeen(3));
        assertFalse(w.markSeen(0));
        assertFalse(w.isFresh(5));
        assertTrue(w.isFresh(4));
    }

    @Test
    void isFreshDoesNotRecord() {
        ReplayWindow w = new ReplayWindow(LIMIT);
        assertTrue(w.isFresh(10));
        assertTrue(w.isFresh(10));
        assertTrue(w.markSeen(10));
        assertFalse(w.isFresh(10));
    }

    @Test
    void refusesCountersAWindowOrMoreBehindTheGreatest() {
        ReplayWindow w = new ReplayWindow(LIMIT);
        long top = 100_000;
        assertTrue(w.markSeen(top));
        assertTrue(w.isFresh(top - ReplayWindow.WINDOW + 1), "just inside");
        assertFalse(w.isFresh(top - ReplayWindow.WINDOW), "just outside");
        assertFalse(w.isFresh(0));
    }

    @Test
    void forgetsOldBitsOnALargeJump() {
        ReplayWindow w = new ReplayWindow(LIMIT);
        for (int i = 0; i < 200; i++) {
            assertTrue(w.markSeen(i));
        }
        long jump = 200 + ReplayWindow.RING_BITS * 3L + 17;
        assertTrue(w.markSeen(jump));
        // Every counter shortly below the jump is new, though the ring slots once held 0..199.
        for (long c = jump - ReplayWindow.WINDOW + 1; c < jump; c++) {
            assertTrue(w.isFresh(c), "counter " + c);
        }
        assertFalse(w.isFresh(jump));
    }

    @Test
    void refusesCountersAtOrAboveTheLimitNearTwoToTheSixtyFour() {
        ReplayWindow w = new ReplayWindow(LIMIT);
        assertTrue(w.markSeen(LIMIT - 1), "the last usable counter, 2^64 - 2^13 - 1");
        assertFalse(w.markSeen(LIMIT));
        assertFalse(w.markSeen(-1L), "2^64 - 1 is reserved by Noise");
        assertTrue(w.markSeen(LIMIT - 2));
        assertFalse(w.markSeen(LIMIT - 2));
        assertFalse(w.isFresh(LIMIT - 1 - ReplayWindow.WINDOW));
        assertTrue(Long.compareUnsigned(w.greatest(), Long.MAX_VALUE) > 0, "unsigned counters above 2^63");
    }

    @Test
    void matchesASimpleModelOnRandomTraffic() {
        SplittableRandom random = new SplittableRandom(6479);
        ReplayWindow w = new ReplayWindow(LIMIT);
        BitSet seen = new BitSet();
        long greatest = 0;
        for (int i = 0; i < 200_000; i++) {
            long counter = Math.max(0, greatest + random.nextInt(-5000, 300));
            boolean expected = !seen.get((int) counter) && greatest - counter < ReplayWindow.WINDOW;
            if (!expected && counter > greatest) {
                throw new AssertionError("model error");
            }
            if (w.markSeen(counter) != expected) {
                throw new AssertionError("counter " + counter + " after greatest " + greatest + ": expected "
                        + expected);
            }
            if (expected) {
                seen.set((int) counter);
                greatest = Math.max(greatest, counter);
            }
        }
    }
}
