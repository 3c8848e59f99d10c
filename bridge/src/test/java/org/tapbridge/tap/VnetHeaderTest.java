package org.tapbridge.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class VnetHeaderTest {
    @Test
    void fieldsAreLittleEndianAtTheVirtioOffsets() {
        ByteBuffer b = ByteBuffer.allocate(32);
        for (int i = 0; i < 32; i++) {
            b.put(i, (byte) 0xee);
        }
        VnetHeader.write(b, 4, VnetHeader.LENGTH_V1, VnetHeader.F_NEEDS_CSUM, VnetHeader.GSO_TCPV4, 66, 1448, 34, 16);
        byte[] expected = {1, 1, 66, 0, (byte) 0xa8, 0x05, 34, 0, 16, 0, 0, 0};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], b.get(4 + i), "byte " + i);
        }
        assertEquals((byte) 0xee, b.get(3), "nothing before the header is touched");
        assertEquals((byte) 0xee, b.get(16), "nothing after the header is touched");
        assertEquals(VnetHeader.F_NEEDS_CSUM, VnetHeader.flags(b, 4));
        assertEquals(VnetHeader.GSO_TCPV4, VnetHeader.gsoType(b, 4));
        assertEquals(66, VnetHeader.hdrLen(b, 4));
        assertEquals(1448, VnetHeader.gsoSize(b, 4));
        assertEquals(34, VnetHeader.csumStart(b, 4));
        assertEquals(16, VnetHeader.csumOffset(b, 4));
        assertTrue(VnetHeader.isSuperFrame(b, 4));
        assertEquals("gso tcpv4 size 1448 hdr_len 66 needs_csum start 34 offset 16", VnetHeader.describe(b, 4));
    }

    @Test
    void theLegacyLengthLeavesTheBytesAfterItAlone() {
        ByteBuffer b = ByteBuffer.allocate(12);
        b.put(10, (byte) 7).put(11, (byte) 7);
        VnetHeader.write(b, 0, VnetHeader.LENGTH_LEGACY, 0, VnetHeader.GSO_UDP_L4, 42, 1000, 34, 6);
        assertEquals(7, b.get(10));
        assertEquals(1000, VnetHeader.gsoSize(b, 0));
        assertEquals("gso udp_l4 size 1000 hdr_len 42", VnetHeader.describe(b, 0));
    }

    @Test
    void aPlainHeaderIsAllZerosAndNoSuperFrame() {
        ByteBuffer b = ByteBuffer.allocateDirect(12);
        for (int i = 0; i < 12; i++) {
            b.put(i, (byte) 0xff);
        }
        VnetHeader.writePlain(b, 0, 12);
        for (int i = 0; i < 12; i++) {
            assertEquals(0, b.get(i));
        }
        assertFalse(VnetHeader.isSuperFrame(b, 0));
        assertEquals("gso none", VnetHeader.describe(b, 0));
    }

    @Test
    void theEcnBitDoesNotHideTheType() {
        ByteBuffer b = ByteBuffer.allocate(12);
        VnetHeader.write(b, 0, 12, VnetHeader.F_NEEDS_CSUM, VnetHeader.GSO_TCPV6 | VnetHeader.GSO_ECN, 86, 1428, 54, 16);
        assertTrue(VnetHeader.isSuperFrame(b, 0));
        assertTrue(VnetHeader.describe(b, 0).startsWith("gso tcpv6+ecn size 1428"), VnetHeader.describe(b, 0));
    }

    @Test
    void constantsAreTheVirtioValues() {
        // virtio_net.h as gcc printed it; UDP_L4 came with USO in the 6.2 UAPI (this host has 6.1 headers), and
        // a USO super-frame read from a TAP on this 6.18 kernel carried 5.
        assertEquals(10, VnetHeader.LENGTH_LEGACY);
        assertEquals(12, VnetHeader.LENGTH_V1);
        assertEquals(1, VnetHeader.F_NEEDS_CSUM);
        assertEquals(2, VnetHeader.F_DATA_VALID);
        assertEquals(0, VnetHeader.GSO_NONE);
        assertEquals(1, VnetHeader.GSO_TCPV4);
        assertEquals(3, VnetHeader.GSO_UDP);
        assertEquals(4, VnetHeader.GSO_TCPV6);
        assertEquals(5, VnetHeader.GSO_UDP_L4);
        assertEquals(0x80, VnetHeader.GSO_ECN);
        assertEquals(65553, VnetHeader.MAX_SUPER_FRAME_BYTES);
    }
}
