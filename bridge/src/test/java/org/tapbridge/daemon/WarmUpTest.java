package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The warm-up really carries its frames through two throwaway sites, both ways, and then lets go. Given
 * time: a daemon gives it 3 s and starts anyway, but a busy test machine may need more to carry them all.
 */
class WarmUpTest {
    private static final long GENEROUS_NS = 60_000_000_000L;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void carriesEveryFrameBothWaysOverLoopbackThroughTheProductionClasses(boolean offloads) {
        long startNs = System.nanoTime();
        long carried = WarmUp.run(GENEROUS_NS, offloads);
        System.out.printf("warm-up on loopback (offloads %s): %d frames in %d ms%n", offloads, carried,
                (System.nanoTime() - startNs) / 1_000_000);
        assertEquals(2L * WarmUp.FRAMES_PER_DIRECTION, carried);
        assertNoDataPathThreadLeft();
    }

    @Test
    void carriesEveryFrameBothWaysInMemoryWhereLoopbackIsNotAvailable() {
        long startNs = System.nanoTime();
        long carried = WarmUp.runInMemory(startNs, GENEROUS_NS);
        System.out.printf("warm-up in memory: %d frames in %d ms%n", carried,
                (System.nanoTime() - startNs) / 1_000_000);
        assertEquals(2L * WarmUp.FRAMES_PER_DIRECTION, carried);
        assertNoDataPathThreadLeft();
    }

    private static void assertNoDataPathThreadLeft() {
        assertEquals(0, Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("datapath") && t.isAlive()).count(), "the throwaway loops stopped");
    }
}
