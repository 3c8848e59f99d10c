package org.tapbridge.neighbor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Addresses are shown as {@code ip} shows them: dotted quads, and IPv6 compressed as RFC 5952 says. */
class NeighborEntryTest {
    private static String text(long high, long low) {
        return new NeighborEntry(0, NeighborEntry.bytes(high, low), 0, 0, 0, "", 0, 0).addressText();
    }

    @Test
    void formatsAddressesAsIpDoes() {
        assertEquals("192.0.2.11", text(0, NeighborTable.ipv4Low(0xC000_020B)));
        assertEquals("fe80::14f4:5aff:fea1:a66f", text(0xFE80_0000_0000_0000L, 0x14F4_5AFF_FEA1_A66FL));
        assertEquals("fe80::1", text(0xFE80_0000_0000_0000L, 1));
        assertEquals("::1", text(0, 1));
        assertEquals("fe80:0:1::1", text(0xFE80_0000_0001_0000L, 1));
        assertEquals("fe80:0:0:1::1", text(0xFE80_0000_0000_0001L, 1));
        assertEquals("fe80::1:0:0:1:1", text(0xFE80_0000_0000_0001L, 0x0000_0000_0001_0001L));
        assertEquals("2001:db8:0:1:1:1:1:1", text(0x2001_0DB8_0000_0001L, 0x0001_0001_0001_0001L));
        assertEquals(16, ByteBuffer.wrap(NeighborEntry.bytes(1, 2)).capacity());
    }
}
