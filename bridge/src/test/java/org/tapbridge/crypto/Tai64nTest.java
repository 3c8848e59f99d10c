package org.tapbridge.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Tai64nTest {
    @Test
    void encodesTheEpochAsTwoToTheSixtyTwo() {
        assertEquals("400000000000000000000000", HexFormat.of().formatHex(Tai64n.encode(0)));
        assertEquals("40000000000000010000000a", HexFormat.of().formatHex(Tai64n.encode(1_000_000_010L)));
    }

    @Test
    void ordersLikeTime() {
        assertTrue(Tai64n.compare(Tai64n.encode(5), Tai64n.encode(6)) < 0);
        assertTrue(Tai64n.compare(Tai64n.encode(999_999_999), Tai64n.encode(1_000_000_000)) < 0);
        assertTrue(Tai64n.compare(Tai64n.encode(1_700_000_000_000_000_000L), new byte[Tai64n.LENGTH]) > 0);
    }
}
