package org.tapbridge.switching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.switching.LearningSwitch.NO_GROUP;
import static org.tapbridge.switching.Macs.T0;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, defect 9: with an unseeded hash, MACs can be chosen to share one home slot, and every lookup
 * among them walks one long probe run. Each table now draws a seed.
 */
class HashSeedTest {
    private static final int COLLIDING = 1_000;
    /** Capacity of a table for the default limit of 16384 entries. */
    private static final int CAPACITY = 32_768;
    private static long[] colliding;

    /** MACs an attacker who knows the unseeded hash would send: all with home slot 0 in a 32768-slot table. */
    @BeforeAll
    static void craftMacsThatCollideUnderTheUnseededHash() {
        colliding = new long[COLLIDING];
        int found = 0;
        for (long n = 1; found < COLLIDING; n++) {
            long key = MacTable.key(0, Macs.mac(n));
            if ((MacTable.mix(key) & (CAPACITY - 1)) == 0) {
                colliding[found++] = key;
            }
        }
    }

    private static int maxProbeLength(long seed) {
        MacTable table = new MacTable(16_384, 4, seed);
        assertEquals(CAPACITY, table.capacity());
        for (long key : colliding) {
            table.insert(~table.find(key), key, 1, false, 0);
        }
        return table.maxProbeLength();
    }

    @Test
    void theCraftedMacsFormOneLongRunUnderTheUnseededHash() {
        // Seed 0 leaves keys as they are: the old layout, which proves the test data is adversarial.
        assertEquals(COLLIDING - 1, maxProbeLength(0));
    }

    @Test
    void aSeededTableSpreadsTheCraftedMacs() {
        for (long seed : new long[] {0x5EED_0001L, 0xDEAD_BEEF_CAFE_F00DL, -1L}) {
            int longest = maxProbeLength(seed);
            // 1000 random keys in 32768 slots: the longest run is a handful of slots.
            assertTrue(longest < 16, "seed " + Long.toHexString(seed) + ": longest probe " + longest);
        }
    }

    @Test
    void aSwitchDrawsItsOwnSeedWhenNoneIsGiven() {
        for (int i = 0; i < 3; i++) {
            LearningSwitch sw = new LearningSwitch(SwitchSettings.defaults(), new RecordingLogger(false));
            sw.addPort(1, NO_GROUP);
            long now = T0;
            for (long key : colliding) {
                now += 1_000_000;
                sw.forward(1, 0, MacTable.macOf(key), Macs.BROADCAST, now);
            }
            assertEquals(COLLIDING, sw.size());
            assertTrue(sw.maxProbeLength() < 16, "longest probe " + sw.maxProbeLength());
        }
    }

    @Test
    void aFixedSeedGivesTheSameLayoutEveryTime() {
        assertEquals(maxProbeLength(0x5EED_0001L), maxProbeLength(0x5EED_0001L));
        LearningSwitch first = new LearningSwitch(SwitchSettings.defaults(), new RecordingLogger(false), 42);
        LearningSwitch second = new LearningSwitch(SwitchSettings.defaults(), new RecordingLogger(false), 42);
        for (LearningSwitch sw : new LearningSwitch[] {first, second}) {
            sw.addPort(1, NO_GROUP);
            for (long key : colliding) {
                sw.forward(1, 0, MacTable.macOf(key), Macs.BROADCAST, T0);
            }
        }
        assertEquals(first.maxProbeLength(), second.maxProbeLength());
    }
}
