package org.tapbridge.neighbor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.neighbor.NeighborFrames.BROADCAST;
import static org.tapbridge.neighbor.NeighborFrames.HOST_A;
import static org.tapbridge.neighbor.NeighborFrames.HOST_B;
import static org.tapbridge.neighbor.NeighborFrames.IP_A;
import static org.tapbridge.neighbor.NeighborFrames.IP_B;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Pins the byte layout of the ARP and NS/NA flyweights against frames built byte by byte. */
class WireLayoutTest {
    @Test
    void pinsArpFieldOffsets() {
        assertEquals(28, ArpPacket.LENGTH);
        assertEquals(8, ArpPacket.SENDER_MAC_OFFSET);
        assertEquals(14, ArpPacket.SENDER_IP_OFFSET);
        assertEquals(18, ArpPacket.TARGET_MAC_OFFSET);
        assertEquals(24, ArpPacket.TARGET_IP_OFFSET);
        assertEquals(24, NdMessage.OPTIONS_OFFSET);
        assertEquals(8, NdMessage.TARGET_OFFSET);
    }

    @Test
    void readsEveryArpFieldWhateverTheBufferByteOrder() {
        ByteBuffer frame = NeighborFrames.arp(BROADCAST, HOST_A, 1, HOST_A, IP_A, 0, IP_B);
        frame.order(ByteOrder.LITTLE_ENDIAN);
        ArpPacket arp = new ArpPacket().wrap(frame, 14);
        assertEquals(1, arp.hardwareType());
        assertEquals(0x0800, arp.protocolType());
        assertEquals(6, arp.hardwareLength());
        assertEquals(4, arp.protocolLength());
        assertEquals(1, arp.operation());
        assertEquals(HOST_A, arp.senderMac());
        assertEquals(IP_A, arp.senderIp());
        assertEquals(0, arp.targetMac());
        assertEquals(IP_B, arp.targetIp());
    }

    @Test
    void readsSolicitationFieldsAndItsSourceLinkLayerOption() {
        byte[] source = NeighborFrames.linkLocal(0xA);
        byte[] target = NeighborFrames.linkLocal(0xB);
        byte[] group = NeighborFrames.solicitedNode(target);
        ByteBuffer frame = NeighborFrames.solicitation(NeighborFrames.multicastMac(group), HOST_A, source, group,
                target, HOST_A);
        NdMessage nd = new NdMessage().wrap(frame, 14);
        assertEquals(6, nd.version());
        assertEquals(58, nd.nextHeader());
        assertEquals(255, nd.hopLimit());
        assertEquals(32, nd.icmpLength());
        assertEquals(135, nd.type());
        assertEquals(0, nd.code());
        assertEquals(0xFE80_0000_0000_0000L, nd.sourceHigh());
        assertEquals(0xAL, nd.sourceLow());
        assertEquals(0xFF02_0000_0000_0000L, nd.destinationHigh());
        assertEquals(0xBL, nd.targetLow());
        assertTrue(nd.hasValidChecksum());
        assertEquals(HOST_A, nd.linkLayerOption(NdMessage.OPTION_SOURCE_LINK_LAYER));
        assertEquals(NdMessage.NO_OPTION, nd.linkLayerOption(NdMessage.OPTION_TARGET_LINK_LAYER));
    }

    @Test
    void checksumFailsWhenOneBitOfTheTargetFlips() {
        byte[] target = NeighborFrames.linkLocal(0xB);
        ByteBuffer frame = NeighborFrames.advertisement(HOST_A, HOST_B, target, NeighborFrames.linkLocal(0xA),
                0x60, target, HOST_B);
        NdMessage nd = new NdMessage().wrap(frame, 14);
        assertTrue(nd.hasValidChecksum());
        frame.put(14 + 40 + 8 + 15, (byte) (frame.get(14 + 40 + 8 + 15) ^ 1));
        assertFalse(nd.hasValidChecksum());
    }

    @Test
    void optionWalkRejectsZeroLengthOverrunAndWrongSizedLinkLayerOptions() {
        byte[] target = NeighborFrames.linkLocal(0xB);
        byte[] source = NeighborFrames.linkLocal(0xA);
        byte[] zeroLength = {1, 0, 0, 0, 0, 0, 0, 0};
        byte[] overrun = {1, 2, 0, 0, 0, 0, 0, 0};
        byte[] twoUnits = {1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        byte[] unknownThenSource = {9, 1, 0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 0, 0, 0, 0x0A};
        assertEquals(NdMessage.MALFORMED_OPTIONS, options(source, target, zeroLength));
        assertEquals(NdMessage.MALFORMED_OPTIONS, options(source, target, overrun));
        assertEquals(NdMessage.MALFORMED_OPTIONS, options(source, target, twoUnits));
        assertEquals(HOST_A, options(source, target, unknownThenSource));
    }

    private static long options(byte[] source, byte[] target, byte[] options) {
        ByteBuffer frame = NeighborFrames.nd(BROADCAST, HOST_A, source, NeighborFrames.solicitedNode(target), 135, 0,
                target, options, 255);
        return new NdMessage().wrap(frame, 14).linkLayerOption(NdMessage.OPTION_SOURCE_LINK_LAYER);
    }
}
