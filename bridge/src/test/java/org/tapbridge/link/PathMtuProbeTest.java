package org.tapbridge.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PathMtuProbeTest {
    private static final long MS = 1_000_000L;

    /** Plays the path: acknowledges every probe copy at or below {@code pathMtu} that survives {@code lossPct}. */
    private static int runRounds(PathMtuProbe probe, int pathMtu, double lossPct, SplittableRandom random,
                                 long[] clockNs, int maxRounds) {
        int rounds = 0;
        while (probe.searching() && rounds < maxRounds) {
            int sizes = probe.due(clockNs[0]);
            if (sizes == 0) {
                clockNs[0] += 100 * MS;
                continue;
            }
            rounds++;
            int round = probe.round();
            int[] sent = new int[sizes];
            for (int i = 0; i < sizes; i++) {
                sent[i] = probe.probeSize(i);
            }
            clockNs[0] += 2 * MS;
            for (int size : sent) {
                for (int copy = 0; copy < PathMtuProbe.COPIES; copy++) {
                    boolean lost = random.nextDouble() * 100 < lossPct;
                    if (size <= pathMtu && !lost) {
                        probe.acknowledged(round, size, clockNs[0]);
                    }
                }
            }
        }
        return rounds;
    }

    @Test
    void aPathThatCarriesTheCeilingIsConfirmedInOneRound() {
        PathMtuProbe probe = new PathMtuProbe(576, 1500);
        assertEquals(1500, probe.current(), "optimistic from the start");
        int sizes = probe.due(0);
        assertEquals(PathMtuProbe.LADDER, sizes);
        assertEquals(1500, probe.probeSize(0), "the ceiling is probed first");
        probe.acknowledged(probe.round(), 1500, MS);
        assertFalse(probe.searching());
        assertEquals(1500, probe.current());
    }

    @Test
    void aBlackHoleBelowTheRouteMtuIsNarrowedDownInAFewRounds() {
        PathMtuProbe probe = new PathMtuProbe(576, 1500);
        long[] clock = {0};
        int rounds = runRounds(probe, 1400, 0, new SplittableRandom(1), clock, 20);
        assertFalse(probe.searching());
        assertTrue(probe.current() <= 1400 && probe.current() >= 1400 - PathMtuProbe.RESOLUTION,
                "found " + probe.current());
        assertTrue(rounds <= 4, "rounds: " + rounds);
        assertTrue(clock[0] <= 4 * PathMtuProbe.ROUND_TIMEOUT_NS + 20 * MS * rounds, "took " + clock[0] / MS + " ms");
    }

    @Test
    void theSizeInUseNeverDropsBelowWhatPassedWhileSearching() {
        PathMtuProbe probe = new PathMtuProbe(576, 1500);
        long now = 0;
        probe.due(now);
        int round = probe.round();
        int passing = 0;
        for (int i = 0; i < PathMtuProbe.LADDER; i++) {
            if (probe.probeSize(i) <= 1400) {
                passing = Math.max(passing, probe.probeSize(i));
                probe.acknowledged(round, probe.probeSize(i), now + MS);
            }
        }
        assertEquals(1500, probe.current(), "the optimistic size holds until the round ends");
        probe.due(now + PathMtuProbe.ROUND_TIMEOUT_NS);
        assertEquals(passing, probe.current(), "then the largest size that passed, never the floor");
    }

    @Test
    void lossOnTheWanRarelyCostsMoreThanTheResolution() {
        SplittableRandom random = new SplittableRandom(42);
        int misjudged = 0;
        for (int trial = 0; trial < 200; trial++) {
            PathMtuProbe probe = new PathMtuProbe(576, 1500);
            runRounds(probe, 1500, 5, random, new long[] {0}, 20);
            if (probe.current() < 1500 - PathMtuProbe.RESOLUTION) {
                misjudged++;
            }
        }
        // Both copies of the top probe must be lost: 0.25% per search at 5% loss.
        assertTrue(misjudged <= 3, "misjudged " + misjudged + " of 200");
    }

    @Test
    void aRefusalFromTheKernelLowersTheSizeAtOnceAndSearchesBelowIt() {
        PathMtuProbe probe = new PathMtuProbe(576, 1500);
        runRounds(probe, 1500, 0, new SplittableRandom(1), new long[] {0}, 5);
        probe.refused(1300, 10 * MS);
        assertEquals(1300, probe.current());
        assertTrue(probe.searching());
        probe.due(10 * MS);
        assertEquals(1300, probe.probeSize(0), "the new search starts at what the kernel knows");
        probe.refused(0, 20 * MS);
        assertEquals(576, probe.current(), "no figure from the kernel: the floor");
    }

    @Test
    void acknowledgementsOfAnEarlierRoundAreIgnored() {
        PathMtuProbe probe = new PathMtuProbe(576, 1500);
        probe.due(0);
        int old = probe.round();
        probe.due(PathMtuProbe.ROUND_TIMEOUT_NS);
        probe.acknowledged(old, 1500, PathMtuProbe.ROUND_TIMEOUT_NS + MS);
        assertTrue(probe.searching(), "a late answer to a closed round proves nothing about this one");
    }

    @Test
    void itVerifiesAgainAfterTenMinutes() {
        PathMtuProbe probe = new PathMtuProbe(576, 1500);
        runRounds(probe, 1500, 0, new SplittableRandom(1), new long[] {0}, 5);
        assertEquals(0, probe.due(PathMtuProbe.REPROBE_INTERVAL_NS - MS));
        assertTrue(probe.due(PathMtuProbe.REPROBE_INTERVAL_NS + 10 * MS) > 0);
        assertEquals(1500, probe.current(), "verifying does not lower the size in use");
    }

    @Test
    void anAcknowledgementOfASizeTheRoundDidNotProbeMovesNothing() {
        // Found by fuzzing review (DatagramFuzzTest input review-ack-of-unprobed-size): an authenticated peer's
        // ack naming the round and 9000 bytes raised a 1500-byte path to 9000.
        PathMtuProbe probe = new PathMtuProbe(576, 1500);
        assertTrue(probe.due(0) > 0);
        probe.acknowledged(probe.round(), 9000, MS);
        probe.acknowledged(probe.round(), 1499, MS);
        assertEquals(1500, probe.current(), "no probed size was acknowledged");
        assertTrue(probe.searching(), "the round is still waiting for its own sizes");
        probe.acknowledged(probe.round(), probe.probeSize(0), 2 * MS);
        assertEquals(1500, probe.current());
        assertFalse(probe.searching(), "the ceiling's own probe ends the search");
    }
}
