package org.tapbridge.ethernet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {

    @Test
    void formatsAsLowercaseColonSeparatedPairs() {
        assertEquals("02:00:5e:00:00:01", MacAddress.format(0x02005E000001L));
        assertEquals("ff:ff:ff:ff:ff:ff", MacAddress.format(MacAddress.BROADCAST));
        assertEquals("00:00:00:00:00:00", MacAddress.format(0));
        assertEquals("ab:cd:ef:01:23:45", MacAddress.format(0xABCDEF012345L));
    }

    @Test
    void parsesWhatItFormats() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 10_000; i++) {
            long mac = random.nextLong() & 0xFFFF_FFFF_FFFFL;
            assertEquals(mac, MacAddress.parse(MacAddress.format(mac)));
        }
    }

    @Test
    void parsesUppercaseAndDashSeparators() {
        assertEquals(0xABCDEF012345L, MacAddress.parse("AB:CD:EF:01:23:45"));
        assertEquals(0xABCDEF012345L, MacAddress.parse("ab-cd-ef-01-23-45"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "02:00:5e:00:00", "02:00:5e:00:00:011", "02:00:5e:00:00:0g", "02.00.5e.00.00.01",
        "02:00-5e:00:00:01", "+2:00:5e:00:00:01", "02:00:5e:00:00:01 "})
    void rejectsMalformedTextNamingItAndTheExpectedForm(String text) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
        assertTrue(error.getMessage().contains("\"" + text + "\""), error.getMessage());
        assertTrue(error.getMessage().contains("02:00:5e:00:00:01"), error.getMessage());
    }

    @Test
    void rejectsMissingText() {
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(null));
    }

    @Test
    void classifiesGroupAndIndividualAddresses() {
        assertTrue(MacAddress.isMulticast(MacAddress.BROADCAST));
        assertTrue(MacAddress.isBroadcast(MacAddress.BROADCAST));
        assertTrue(MacAddress.isMulticast(0x01005E000001L));
        assertFalse(MacAddress.isBroadcast(0x01005E000001L));
        assertFalse(MacAddress.isMulticast(0x02005E000001L));
        assertTrue(MacAddress.isLearnableUnicast(0x02005E000001L));
        assertFalse(MacAddress.isLearnableUnicast(0));
        assertFalse(MacAddress.isLearnableUnicast(0x01005E000001L));
        assertFalse(MacAddress.isLearnableUnicast(1L << 48 | 2), "bits above 48 are not a MAC");
        assertTrue(MacAddress.isLocallyAdministered(0x02005E000001L));
        assertFalse(MacAddress.isLocallyAdministered(0x00005E000001L));
    }

    @Test
    void recognisesExactlyTheIeeeLinkLocalRange() {
        for (int last = 0; last <= 0x0F; last++) {
            assertTrue(MacAddress.isLinkLocal(0x0180C2000000L | last), Integer.toHexString(last));
        }
        assertFalse(MacAddress.isLinkLocal(0x0180C2000010L));
        assertFalse(MacAddress.isLinkLocal(0x0180C2000100L));
        assertFalse(MacAddress.isLinkLocal(0x0180C3000000L));
    }

    @Test
    void readsAndWritesSixOctetsWithoutMovingThePosition() {
        ByteBuffer buffer = ByteBuffer.allocate(10);
        MacAddress.write(buffer, 2, 0x02005E0000FFL);
        assertEquals(0, buffer.position());
        assertEquals(0x02, buffer.get(2));
        assertEquals((byte) 0xFF, buffer.get(7));
        assertEquals(0x02005E0000FFL, MacAddress.read(buffer, 2));
    }
}
