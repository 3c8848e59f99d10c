package org.tapbridge.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TapOptionsTest {
    @Test
    void acceptsOrdinaryNamesAndTheMtuLimits() {
        assertEquals("tap0", new TapOptions("tap0", 0, true).name());
        assertEquals(68, new TapOptions("a", 68, false).mtu());
        assertEquals(65535, new TapOptions("abcdefghijklmno", 65535, false).mtu());
        assertEquals(new TapOptions("tap1", 0, true), TapOptions.of("tap1"));
    }

    @Test
    void refusesAnEmptyName() {
        assertMessage(null, 0, "tap name is empty");
        assertMessage("", 0, "tap name is empty");
    }

    @Test
    void refusesANameLongerThanFifteenBytes() {
        assertMessage("abcdefghijklmnop", 0, "'abcdefghijklmnop' is 16 bytes long > 15");
        assertMessage("tapéééééééé", 0, "bytes long > 15"); // 11 characters, 18 bytes
    }

    @Test
    void refusesSlashColonWhitespaceAndDots() {
        assertMessage("tap/0", 0, "contains '/' at position 3");
        assertMessage("tap:0", 0, "contains ':' at position 3");
        assertMessage("tap 0", 0, "contains character U+0020 at position 3");
        assertMessage("tap\t0", 0, "contains character U+0009");
        assertMessage(".", 0, "'.' is not allowed");
        assertMessage("..", 0, "'..' is not allowed");
    }

    @Test
    void refusesAnMtuOutsideWhatLinuxAccepts() {
        assertMessage("tap0", 67, "mtu=67 < 68");
        assertMessage("tap0", -1, "mtu=-1 < 68");
        assertMessage("tap0", 65536, "mtu=65536 > 65535");
    }

    @Test
    void plainOptionsHaveNoVnetHeaderAndNoOffloads() {
        TapOptions plain = new TapOptions("tap0", 1500, true);
        assertEquals(false, plain.vnetHeader());
        assertEquals(0, plain.offloads());
        assertEquals(new TapOptions("tap0", 1500, true, false, 0), plain);
    }

    @Test
    void withOffloadsAsksForAVnetHeaderAndKeepsTheRest() {
        TapOptions offloaded = TapOptions.of("tap0").withOffloads(TapOffloads.DEFAULT);
        assertEquals(new TapOptions("tap0", 0, true, true, TapOffloads.DEFAULT), offloaded);
        assertEquals(new TapOptions("tap0", 0, true, true, 0), TapOptions.of("tap0").withOffloads(0));
        assertEquals(TapOptions.of("tap0"), offloaded.withoutOffloads());
    }

    @Test
    void refusesOffloadsWithoutAVnetHeaderAndMasksTheKernelWouldRefuse() {
        IllegalArgumentException noHeader = assertThrows(IllegalArgumentException.class,
                () -> new TapOptions("tap0", 0, true, false, TapOffloads.CSUM));
        assertTrue(noHeader.getMessage().contains("need a vnet header"), noHeader.getMessage());
        IllegalArgumentException noCsum = assertThrows(IllegalArgumentException.class,
                () -> TapOptions.of("tap0").withOffloads(TapOffloads.TSO4));
        assertTrue(noCsum.getMessage().contains("lack csum"), noCsum.getMessage());
        IllegalArgumentException halfUso = assertThrows(IllegalArgumentException.class,
                () -> TapOptions.of("tap0").withOffloads(TapOffloads.CSUM | TapOffloads.USO4));
        assertTrue(halfUso.getMessage().contains("both or neither"), halfUso.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> TapOptions.of("tap0").withOffloads(0x8000));
        assertTrue(unknown.getMessage().contains("unknown bits 0x8000"), unknown.getMessage());
    }

    @Test
    void oneQueueUnlessAskedAndWithQueuesKeepsTheRest() {
        assertEquals(1, TapOptions.of("tap0").queues());
        assertEquals(1, new TapOptions("tap0", 1500, true, true, TapOffloads.DEFAULT).queues());
        TapOptions four = TapOptions.of("tap0").withOffloads(TapOffloads.DEFAULT).withQueues(4);
        assertEquals(new TapOptions("tap0", 0, true, true, TapOffloads.DEFAULT, 4), four);
        assertEquals(4, four.withoutOffloads().queues(), "withoutOffloads keeps the queues");
        assertEquals(4, TapOptions.of("tap0").withQueues(4).withOffloads(0).queues(), "withOffloads keeps them too");
        assertEquals(TapOptions.MAX_QUEUES, TapOptions.of("tap0").withQueues(16).queues());
    }

    @Test
    void refusesQueuesOutsideOneToSixteenNamingBothNumbers() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> TapOptions.of("tap0").withQueues(0));
        assertTrue(zero.getMessage().startsWith("queues=0 < 1 for tap tap0"), zero.getMessage());
        IllegalArgumentException many = assertThrows(IllegalArgumentException.class,
                () -> TapOptions.of("tap0").withQueues(17));
        assertTrue(many.getMessage().startsWith("queues=17 > 16 for tap tap0"), many.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TapOptions("tap0", 0, true, false, 0, -1));
    }

    private static void assertMessage(String name, int mtu, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TapOptions(name, mtu, true));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
