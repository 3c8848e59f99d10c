package org.tapbridge.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

/** Verifies one segment cut from a super-frame independently of the code that cut it. */
final class SegmentCheck {
    static final int FIN = 0x01;
    static final int PSH = 0x08;
    static final int CWR = 0x80;

    private SegmentCheck() {
    }

    /**
     * Checks segment {@code index} of {@code count} (each carrying {@code segmentPayload} bytes but the last)
     * of {@code original}: copied headers, rewritten lengths, IPv4 ID, sequence, flags, both checksums by full
     * recomputation, and the payload slice.
     */
    static void verifyTcp(Frames.Built original, byte[] segment, int index, int count, int segmentPayload) {
        String where = "segment " + index + " of " + count;
        byte[] o = original.bytes;
        int header = original.headerLength;
        int skipped = index * segmentPayload;
        int payload = Math.min(segmentPayload, original.payloadLength() - skipped);
        assertEquals(header + payload, segment.length, where + ": length");
        int ip = original.ipStart;
        assertArrayEquals(Arrays.copyOfRange(o, 0, ip), Arrays.copyOfRange(segment, 0, ip), where + ": L2 header");
        verifyIp(original, segment, index, where);
        int tcp = original.transportStart;
        assertEquals(Reference.u32(o, tcp), Reference.u32(segment, tcp), where + ": ports");
        assertEquals(Reference.u32(o, tcp + 4) + skipped & 0xFFFF_FFFFL, Reference.u32(segment, tcp + 4), where + ": seq");
        assertEquals(Reference.u32(o, tcp + 8), Reference.u32(segment, tcp + 8), where + ": ack");
        assertEquals(o[tcp + 12], segment[tcp + 12], where + ": data offset");
        int flags = o[tcp + 13] & 0xFF;
        if (index != count - 1) {
            flags &= ~(FIN | PSH);
        }
        if (index != 0) {
            flags &= ~CWR;
        }
        assertEquals(flags, segment[tcp + 13] & 0xFF, where + ": flags");
        assertEquals(Reference.u16(o, tcp + 14), Reference.u16(segment, tcp + 14), where + ": window");
        assertEquals(Reference.u16(o, tcp + 18), Reference.u16(segment, tcp + 18), where + ": urgent pointer");
        assertArrayEquals(Arrays.copyOfRange(o, tcp + 20, header), Arrays.copyOfRange(segment, tcp + 20, header),
                where + ": TCP options");
        assertTrue(Reference.transportChecksumValid(segment, ip, original.ipv6, Reference.TCP, tcp, segment.length),
                where + ": TCP checksum");
        assertArrayEquals(Arrays.copyOfRange(o, header + skipped, header + skipped + payload),
                Arrays.copyOfRange(segment, header, segment.length), where + ": payload");
    }

    /** The same for a UDP datagram of a USO super-frame. */
    static void verifyUdp(Frames.Built original, byte[] segment, int index, int count, int gsoSize) {
        String where = "datagram " + index + " of " + count;
        byte[] o = original.bytes;
        int header = original.headerLength;
        int skipped = index * gsoSize;
        int payload = Math.min(gsoSize, original.payloadLength() - skipped);
        assertEquals(header + payload, segment.length, where + ": length");
        assertArrayEquals(Arrays.copyOfRange(o, 0, original.ipStart), Arrays.copyOfRange(segment, 0, original.ipStart));
        verifyIp(original, segment, index, where);
        int udp = original.transportStart;
        assertEquals(Reference.u32(o, udp), Reference.u32(segment, udp), where + ": ports");
        assertEquals(8 + payload, Reference.u16(segment, udp + 4), where + ": UDP length");
        assertTrue(Reference.u16(segment, udp + 6) != 0, where + ": UDP checksum present");
        assertTrue(Reference.transportChecksumValid(segment, original.ipStart, original.ipv6, Reference.UDP, udp, segment.length),
                where + ": UDP checksum");
        assertArrayEquals(Arrays.copyOfRange(o, header + skipped, header + skipped + payload),
                Arrays.copyOfRange(segment, header, segment.length), where + ": payload");
    }

    private static void verifyIp(Frames.Built original, byte[] segment, int index, String where) {
        byte[] o = original.bytes;
        int ip = original.ipStart;
        int transport = original.transportStart;
        if (original.ipv6) {
            assertArrayEquals(Arrays.copyOfRange(o, ip, ip + 4), Arrays.copyOfRange(segment, ip, ip + 4), where);
            assertEquals(segment.length - ip - 40, Reference.u16(segment, ip + 4), where + ": payload length");
            assertArrayEquals(Arrays.copyOfRange(o, ip + 6, transport), Arrays.copyOfRange(segment, ip + 6, transport),
                    where + ": rest of the IPv6 header and extension headers");
        } else {
            assertEquals(o[ip], segment[ip], where + ": version/IHL");
            assertEquals(o[ip + 1], segment[ip + 1], where + ": TOS");
            assertEquals(segment.length - ip, Reference.u16(segment, ip + 2), where + ": total length");
            assertEquals(Reference.u16(o, ip + 4) + index & 0xFFFF, Reference.u16(segment, ip + 4), where + ": ID");
            assertArrayEquals(Arrays.copyOfRange(o, ip + 6, ip + 10), Arrays.copyOfRange(segment, ip + 6, ip + 10),
                    where + ": flags, TTL, protocol");
            assertArrayEquals(Arrays.copyOfRange(o, ip + 12, transport), Arrays.copyOfRange(segment, ip + 12, transport),
                    where + ": addresses and options");
            assertTrue(Reference.ipv4HeaderValid(segment, ip), where + ": IPv4 header checksum");
        }
    }
}
