package org.tapbridge.tap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class TapOffloadsTest {
    @Test
    void describesMasksInKernelOrderWithUnknownBitsInHex() {
        assertEquals("none", TapOffloads.describe(0));
        assertEquals("csum tso4 tso6 tso-ecn uso4 uso6", TapOffloads.describe(TapOffloads.DEFAULT));
        assertEquals("csum ufo", TapOffloads.describe(TapOffloads.CSUM | TapOffloads.UFO));
        assertEquals("csum 0x8000", TapOffloads.describe(TapOffloads.CSUM | 0x8000));
    }

    @Test
    void theDefaultIsEverythingButUfoAndPassesTheKernelsRules() {
        assertEquals(0x6f, TapOffloads.DEFAULT);
        assertEquals(0x7f, TapOffloads.KNOWN);
        assertNull(TapOffloads.problem(TapOffloads.DEFAULT));
        assertNull(TapOffloads.problem(0));
        assertNull(TapOffloads.problem(TapOffloads.CSUM));
    }

    @Test
    void fallsBackToNoUsoThenChecksumsOnlyThenNone() {
        assertArrayEquals(new int[] {0x6f, 0x0f, 0x01, 0}, TapOffloads.fallbacks(TapOffloads.DEFAULT));
    }

    @Test
    void skipsFallbackStepsThatWouldRepeatTheOneBefore() {
        int tso = TapOffloads.CSUM | TapOffloads.TSO4 | TapOffloads.TSO6;
        assertArrayEquals(new int[] {tso, TapOffloads.CSUM, 0}, TapOffloads.fallbacks(tso));
        assertArrayEquals(new int[] {TapOffloads.CSUM, 0}, TapOffloads.fallbacks(TapOffloads.CSUM));
        assertArrayEquals(new int[] {0}, TapOffloads.fallbacks(0));
        int uso = TapOffloads.CSUM | TapOffloads.USO4 | TapOffloads.USO6;
        assertArrayEquals(new int[] {uso, TapOffloads.CSUM, 0}, TapOffloads.fallbacks(uso));
    }
}
