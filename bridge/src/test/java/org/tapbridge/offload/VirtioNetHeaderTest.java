package org.tapbridge.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

class VirtioNetHeaderTest {
    @Test
    void pinsTheLittleEndianLayoutOfStructVirtioNetHdr() {
        assertEquals(10, VirtioNetHeader.LENGTH);
        assertEquals(12, VirtioNetHeader.LENGTH_V1);
        // Big-endian buffer order on purpose: the fields must stay little-endian.
        ByteBuffer buffer = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN);
        VirtioNetHeader header = new VirtioNetHeader(VirtioNetHeader.LENGTH_V1).wrap(buffer, 2);
        header.flags(VirtioNetHeader.F_NEEDS_CSUM).gsoType(VirtioNetHeader.GSO_TCPV6 | VirtioNetHeader.GSO_ECN)
                .hdrLen(0x0102).gsoSize(0x0304).csumStart(0x0506).csumOffset(0x0708).numBuffers(0x090A);
        assertArrayEquals(new byte[] {0, 0, 1, (byte) 0x84, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 0, 0}, buffer.array());
        assertEquals(VirtioNetHeader.GSO_TCPV6, header.gsoBaseType());
        assertEquals(0x84, header.gsoType());
        assertEquals(0x0102, header.hdrLen());
        assertEquals(0x0304, header.gsoSize());
        assertEquals(0x0506, header.csumStart());
        assertEquals(0x0708, header.csumOffset());
        assertEquals(0x090A, header.numBuffers());
        header.clear();
        assertArrayEquals(new byte[16], buffer.array());
    }

    @Test
    void theShortHeaderHasNoNumBuffers() {
        ByteBuffer buffer = ByteBuffer.allocate(12);
        buffer.put(10, (byte) 0x55).put(11, (byte) 0x66);
        VirtioNetHeader header = new VirtioNetHeader(VirtioNetHeader.LENGTH).wrap(buffer, 0);
        header.numBuffers(7).clear();
        assertEquals(0, header.numBuffers());
        assertEquals(0x55, buffer.get(10));
        assertEquals(0x66, buffer.get(11));
        assertEquals(true, header.fits(buffer, 2));
        assertEquals(false, header.fits(buffer, 3));
        assertThrows(IllegalArgumentException.class, () -> new VirtioNetHeader(11));
    }

    @Test
    void validatesWhatTheKernelWouldRefuse() {
        assertEquals(OffloadStatus.OK, status(0, 0, 0, 0, 0, 0, 100));
        assertEquals(OffloadStatus.OK, status(2, 0, 0, 0, 0, 0, 100)); // DATA_VALID, as reads may carry
        assertEquals(OffloadStatus.OK, status(1, 0, 0, 0, 34, 16, 100)); // a TCP checksum to finish
        assertEquals(OffloadStatus.OK, status(1, 0, 0, 0, 34, 6, 100)); // a UDP one
        assertEquals(OffloadStatus.OK, status(1, 1, 66, 1448, 34, 16, 3000));
        assertEquals(OffloadStatus.OK, status(1, 0x81, 66, 1448, 34, 16, 3000)); // TCPV4 with ECN
        assertEquals(OffloadStatus.OK, status(1, 4, 86, 1428, 54, 16, 3000));
        assertEquals(OffloadStatus.OK, status(0, 4, 86, 1428, 0, 0, 3000)); // GSO without NEEDS_CSUM: allowed
        assertEquals(OffloadStatus.OK, status(1, 5, 42, 1000, 34, 6, 3000));

        assertEquals(OffloadStatus.BAD_FLAGS, status(4, 0, 0, 0, 0, 0, 100));
        assertEquals(OffloadStatus.BAD_FLAGS, status(3, 0, 0, 0, 34, 16, 100));
        assertEquals(OffloadStatus.BAD_GSO_TYPE, status(1, 3, 42, 1000, 34, 6, 3000)); // UFO
        assertEquals(OffloadStatus.BAD_GSO_TYPE, status(1, 2, 66, 1448, 34, 16, 3000));
        assertEquals(OffloadStatus.BAD_GSO_TYPE, status(1, 0x80, 0, 0, 34, 16, 100)); // ECN without TCP
        assertEquals(OffloadStatus.BAD_GSO_TYPE, status(1, 0x85, 42, 1000, 34, 6, 3000));
        assertEquals(OffloadStatus.BAD_GSO_TYPE, status(1, 0x11, 66, 1448, 34, 16, 3000)); // AccECN
        assertEquals(OffloadStatus.BAD_GSO_TYPE, status(1, 0x21, 66, 1448, 34, 16, 3000)); // UDP tunnel
        assertEquals(OffloadStatus.GSO_SIZE_ZERO, status(1, 1, 66, 0, 34, 16, 3000));
        assertEquals(OffloadStatus.CSUM_BEYOND_FRAME, status(1, 0, 0, 0, 100, 0, 100));
        assertEquals(OffloadStatus.CSUM_BEYOND_FRAME, status(1, 0, 0, 0, 82, 17, 100));
        assertEquals(OffloadStatus.OK, status(1, 0, 0, 0, 82, 16, 100)); // the field ends at the frame's end
        assertEquals(OffloadStatus.BAD_CSUM_OFFSET, status(1, 1, 66, 1448, 34, 6, 3000));
        assertEquals(OffloadStatus.BAD_CSUM_OFFSET, status(0, 5, 42, 1000, 0, 0, 3000)); // USO needs NEEDS_CSUM
        assertEquals(OffloadStatus.BAD_CSUM_OFFSET, status(1, 5, 42, 1000, 34, 16, 3000));
        assertEquals(OffloadStatus.HDR_LEN_BEYOND_FRAME, status(1, 1, 3001, 1448, 34, 16, 3000));
        assertEquals(OffloadStatus.OK, status(1, 1, 3000, 1448, 34, 16, 3000)); // a hint as long as the frame
    }

    private static int status(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset, int frameLength) {
        VirtioNetHeader header = new VirtioNetHeader(VirtioNetHeader.LENGTH).wrap(ByteBuffer.allocateDirect(10), 0);
        header.flags(flags).gsoType(gsoType).hdrLen(hdrLen).gsoSize(gsoSize).csumStart(csumStart).csumOffset(csumOffset);
        return header.validate(frameLength);
    }

    @Test
    void describesEveryStatus() {
        for (int status = 0; status < OffloadStatus.COUNT; status++) {
            assertEquals(false, OffloadStatus.describe(status).startsWith("unknown"), "status " + status);
        }
        assertEquals("unknown offload status 99", OffloadStatus.describe(99));
    }
}
