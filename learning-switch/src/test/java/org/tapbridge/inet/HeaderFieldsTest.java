package org.tapbridge.inet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

/** The field accessors of the header flyweights read and write network order at the documented offsets. */
class HeaderFieldsTest {
    @Test
    void readsAndRewritesIpv4Fields() {
        TestFrame frame = FrameBuilder.ipv4().tcpFlags(TcpHeader.ACK).payload(new byte[10]).build();
        // A little-endian buffer: accessors must not depend on the buffer's order.
        ByteBuffer buffer = ByteBuffer.allocateDirect(frame.length()).order(ByteOrder.LITTLE_ENDIAN).put(0, frame.bytes);
        Ipv4Header ip = new Ipv4Header().wrap(buffer, frame.ipStart);
        assertEquals(0, ip.typeOfService());
        assertEquals(0x1D1D, ip.identification());
        assertEquals(64, ip.ttl());
        assertTrue(ip.dontFragment()); // the builder sets DF, as TCP stacks do
        assertFalse(ip.isFragment());
        assertEquals(0, InternetChecksum.checksum(buffer, frame.ipStart, 20));

        ip.identification(0xBEEF);
        ip.totalLength(1234);
        ip.updateChecksum();
        assertEquals(0xBEEF, TestFrame.u16(bytes(buffer), frame.ipStart + 4));
        assertEquals(1234, TestFrame.u16(bytes(buffer), frame.ipStart + 2));
        assertEquals(0, InternetChecksum.checksum(buffer, frame.ipStart, 20));
        assertEquals(ip.checksum(), TestFrame.u16(bytes(buffer), frame.ipStart + 10));

        TestFrame fragment = FrameBuilder.ipv4().ipv4Fragment(1480, true).build();
        Ipv4Header fragmentIp = new Ipv4Header().wrap(ByteBuffer.wrap(fragment.bytes), fragment.ipStart);
        assertTrue(fragmentIp.isFragment());
        assertEquals(0x2000 | 1480 / 8, fragmentIp.flagsAndFragmentOffset());
    }

    @Test
    void readsAndRewritesIpv6AndTcpFields() {
        TestFrame frame = FrameBuilder.ipv6().tcpFlags(TcpHeader.ACK | TcpHeader.PSH).payload(new byte[3]).build();
        ByteBuffer buffer = ByteBuffer.wrap(frame.bytes);
        Ipv6Header ip = new Ipv6Header().wrap(buffer, frame.ipStart);
        assertEquals(0x6000_0000, ip.versionClassAndFlowLabel());
        assertEquals(64, ip.hopLimit());
        ip.payloadLength(0x1234);
        assertEquals(0x1234, TestFrame.u16(frame.bytes, frame.ipStart + 4));

        TcpHeader tcp = new TcpHeader().wrap(buffer, frame.tcpStart);
        assertEquals(49_152, tcp.sourcePort());
        assertEquals(443, tcp.destinationPort());
        assertEquals(0x1200_0034, tcp.sequence());
        assertEquals(0x5600_0078, tcp.acknowledgment());
        assertEquals(64_240, tcp.window());
        assertEquals(TcpHeader.ACK | TcpHeader.PSH, tcp.flags());
        tcp.sequence(0xFFFF_FFFE);
        tcp.flags(TcpHeader.ACK | TcpHeader.CWR);
        assertEquals(0xFFFF, TestFrame.u16(frame.bytes, frame.tcpStart + 4));
        assertEquals(0xFFFE, TestFrame.u16(frame.bytes, frame.tcpStart + 6));
        assertEquals(0x90, frame.bytes[frame.tcpStart + 13] & 0xFF);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] copy = new byte[buffer.capacity()];
        buffer.get(0, copy);
        return copy;
    }
}
