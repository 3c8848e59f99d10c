package org.tapbridge.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.kenai.jffi.MemoryIO;
import org.junit.jupiter.api.Test;

/** Pins struct ifreq's layout as measured on Linux x86_64/aarch64: 40 bytes, name at 0, flags/mtu at 16. */
class IfreqTest {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    @Test
    void layoutIsFortyBytesWithTheUnionAtSixteen() {
        assertEquals(40, Ifreq.SIZE);
        assertEquals(16, Ifreq.IFNAMSIZ);
        assertEquals(0, Ifreq.NAME_OFFSET);
        assertEquals(16, Ifreq.FLAGS_OFFSET);
        assertEquals(16, Ifreq.MTU_OFFSET);
    }

    @Test
    void writesTheNameNulTerminatedAtOffsetZero() {
        Ifreq ifreq = Ifreq.allocate().name("tap0");
        long a = ifreq.address();
        assertEquals('t', MEMORY.getByte(a));
        assertEquals('0', MEMORY.getByte(a + 3));
        assertEquals(0, MEMORY.getByte(a + 4));
        assertEquals("tap0", ifreq.name());
    }

    @Test
    void acceptsFifteenByteNamesAndRefusesSixteen() {
        Ifreq ifreq = Ifreq.allocate().name("abcdefghijklmno");
        assertEquals(0, MEMORY.getByte(ifreq.address() + 15));
        assertEquals("abcdefghijklmno", ifreq.name());
        assertThrows(IllegalArgumentException.class, () -> Ifreq.allocate().name("abcdefghijklmnop"));
    }

    @Test
    void writesFlagsAsANativeShortAtOffsetSixteen() {
        Ifreq ifreq = Ifreq.allocate().name("tap0").flags(LinuxConstants.IFF_TAP | LinuxConstants.IFF_NO_PI);
        assertEquals((short) 0x1002, MEMORY.getShort(ifreq.address() + 16));
        assertEquals(0, MEMORY.getShort(ifreq.address() + 18), "nothing spills past the short");
        assertEquals(0x1002, ifreq.flags());
        assertEquals(0x8001, Ifreq.allocate().flags(0x8001).flags(), "flags read back unsigned");
    }

    @Test
    void writesTheMtuAsANativeIntAtOffsetSixteen() {
        Ifreq ifreq = Ifreq.allocate().mtu(9000);
        assertEquals(9000, MEMORY.getInt(ifreq.address() + 16));
        assertEquals(9000, ifreq.mtu());
    }

    @Test
    void startsZeroedSoNoStackGarbageReachesTheKernel() {
        long a = Ifreq.allocate().address();
        for (int i = 0; i < Ifreq.SIZE; i++) {
            assertEquals(0, MEMORY.getByte(a + i), "byte " + i);
        }
    }
}
