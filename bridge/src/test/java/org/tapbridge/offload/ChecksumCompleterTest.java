package org.tapbridge.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class ChecksumCompleterTest {
    @Test
    void completesPartialTcpAndUdpChecksumsAsTheKernelWould() {
        SplittableRandom random = new SplittableRandom(1071);
        for (int n = 0; n < 400; n++) {
            boolean ipv6 = random.nextBoolean();
            Frames frames = Frames.of(ipv6).randomPayload(random.nextInt(0, 1500), n).checksum(Frames.Checksum.PARTIAL);
            if (random.nextBoolean()) {
                frames.udp();
            } else {
                frames.timestamps(random.nextLong(1L << 32), 7);
            }
            if (random.nextBoolean()) {
                frames.tag(Frames.VLAN, 1 + random.nextInt(4094));
            }
            Frames.Built built = frames.build();
            Frames.Built expected = frames.checksum(Frames.Checksum.FULL).build();
            ByteBuffer buffer = random.nextBoolean() ? ByteBuffer.allocate(built.length() + 3)
                    : ByteBuffer.allocateDirect(built.length() + 3);
            buffer.put(3, built.bytes);
            int checksumOffset = built.protocol == Reference.TCP ? 16 : 6;
            assertEquals(OffloadStatus.OK,
                    ChecksumCompleter.complete(buffer, 3, built.length(), built.transportStart, checksumOffset));
            byte[] completed = new byte[built.length()];
            buffer.get(3, completed);
            assertTrue(Reference.transportChecksumValid(completed, built.ipStart, ipv6, built.protocol,
                    built.transportStart, built.packetEnd), "case " + n);
            assertArrayEquals(expected.bytes, completed, "case " + n);
        }
    }

    @Test
    void storesAComputedZeroAsAllOnes() {
        // Choose the first payload word so that the sum over pseudo-header, header and data is 0xFFFF: the
        // complement is 0, which UDP would read as "no checksum".
        Frames frames = Frames.ipv4().udp().payload(new byte[] {0, 0, 1, 2, 3, 4, 5}).checksum(Frames.Checksum.PARTIAL);
        Frames.Built built = frames.build();
        int sum = Reference.sum(built.bytes, built.transportStart, built.packetEnd, 0);
        Reference.putU16(built.bytes, built.headerLength, 0xFFFF - sum);
        ByteBuffer buffer = ByteBuffer.wrap(built.bytes);
        assertEquals(OffloadStatus.OK, ChecksumCompleter.complete(buffer, 0, built.length(), built.transportStart, 6));
        assertEquals(0xFFFF, Reference.u16(built.bytes, built.transportStart + 6));
        assertTrue(Reference.transportChecksumValid(built.bytes, built.ipStart, false, Reference.UDP,
                built.transportStart, built.packetEnd));
    }

    @Test
    void leavesFramesAloneUnlessAskedAndRefusesBadRanges() {
        Frames.Built built = Frames.ipv4().randomPayload(100, 3).checksum(Frames.Checksum.PARTIAL).build();
        ByteBuffer buffer = ByteBuffer.wrap(built.bytes.clone());
        VirtioNetHeader header = new VirtioNetHeader(VirtioNetHeader.LENGTH).wrap(ByteBuffer.allocate(10), 0);
        assertEquals(OffloadStatus.OK, ChecksumCompleter.complete(buffer, 0, built.length(), header));
        assertArrayEquals(built.bytes, buffer.array(), "no NEEDS_CSUM: untouched");

        int length = built.length();
        assertEquals(OffloadStatus.CSUM_BEYOND_FRAME, ChecksumCompleter.complete(buffer, 0, length, length, 0));
        assertEquals(OffloadStatus.CSUM_BEYOND_FRAME, ChecksumCompleter.complete(buffer, 0, length, length - 2, 1));
        assertEquals(OffloadStatus.CSUM_BEYOND_FRAME, ChecksumCompleter.complete(buffer, 0, length, -1, 0));
        assertEquals(OffloadStatus.CSUM_BEYOND_FRAME, ChecksumCompleter.complete(buffer, 0, length, 34, 0xFFFF));
        assertEquals(OffloadStatus.OUT_OF_BOUNDS, ChecksumCompleter.complete(buffer, 1, length, 34, 16));
        assertEquals(OffloadStatus.OUT_OF_BOUNDS, ChecksumCompleter.complete(null, 0, length, 34, 16));
        assertEquals(OffloadStatus.OUT_OF_BOUNDS, ChecksumCompleter.complete(buffer.asReadOnlyBuffer(), 0, length, 34, 16));
        assertArrayEquals(built.bytes, buffer.array(), "refused: untouched");

        header.flags(VirtioNetHeader.F_NEEDS_CSUM).csumStart(built.transportStart).csumOffset(16);
        assertEquals(OffloadStatus.OK, ChecksumCompleter.complete(buffer, 0, length, header));
        assertTrue(Reference.transportChecksumValid(buffer.array(), built.ipStart, false, Reference.TCP,
                built.transportStart, built.packetEnd));
    }
}
