package org.tapbridge.neighbor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.neighbor.Harness.LOCAL;
import static org.tapbridge.neighbor.Harness.OTHER_PEER;
import static org.tapbridge.neighbor.Harness.PEER;
import static org.tapbridge.neighbor.NeighborFrames.BROADCAST;
import static org.tapbridge.neighbor.NeighborFrames.HOST_A;
import static org.tapbridge.neighbor.NeighborFrames.HOST_B;
import static org.tapbridge.neighbor.NeighborFrames.IP_A;
import static org.tapbridge.neighbor.NeighborFrames.IP_B;
import static org.tapbridge.neighbor.NeighborSuppressor.DROP;
import static org.tapbridge.neighbor.NeighborSuppressor.PASS;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tapbridge.switching.SwitchSettings;

/** Bogus ARP and ND are dropped and counted, bind nothing, and floods never fill the table past its limit. */
class NeighborBadInputTest {
    private final Harness h = new Harness();
    private final byte[] a6 = NeighborFrames.linkLocal(0xA);
    private final byte[] b6 = NeighborFrames.linkLocal(0xB);

    private ByteBuffer request() {
        return NeighborFrames.arp(BROADCAST, HOST_B, 1, HOST_B, IP_B, 0, IP_A);
    }

    private void assertDropped(int counter, ByteBuffer frame) {
        long before = h.count(counter);
        assertEquals(DROP, h.feed(PEER, frame));
        assertEquals(before + 1, h.count(counter));
        assertEquals(0, h.suppressor.size());
    }

    @Test
    void dropsArpWithWrongLengthsOperationOrTruncation() {
        ByteBuffer hlen = request();
        hlen.put(14 + ArpPacket.HARDWARE_LENGTH_OFFSET, (byte) 8);
        assertDropped(NeighborCounters.DROPPED_MALFORMED_ARP, hlen);
        ByteBuffer plen = request();
        plen.put(14 + ArpPacket.PROTOCOL_LENGTH_OFFSET, (byte) 16);
        assertDropped(NeighborCounters.DROPPED_MALFORMED_ARP, plen);
        ByteBuffer operation = request();
        operation.putShort(14 + ArpPacket.OPERATION_OFFSET, (short) 3);
        assertDropped(NeighborCounters.DROPPED_MALFORMED_ARP, operation);
        ByteBuffer truncated = request();
        h.frame.wrap(truncated, 0, 14 + 27);
        assertEquals(DROP, h.suppressor.inspect(PEER, h.frame, h.nowNs));
        h.frame.wrap(truncated, 0, 14 + 3);
        assertEquals(DROP, h.suppressor.inspect(PEER, h.frame, h.nowNs));
        assertEquals(5, h.count(NeighborCounters.DROPPED_MALFORMED_ARP));
    }

    @Test
    void passesArpOfOtherProtocolsUntouched() {
        ByteBuffer other = request();
        other.putShort(14 + ArpPacket.PROTOCOL_TYPE_OFFSET, (short) 0x86DD);
        other.put(14 + ArpPacket.PROTOCOL_LENGTH_OFFSET, (byte) 16);
        assertEquals(PASS, h.feed(PEER, other));
        assertEquals(0, h.suppressor.counters().dropped());
    }

    @Test
    void dropsArpFromZeroOrMulticastMacsAndImpossibleSenderAddresses() {
        assertDropped(NeighborCounters.DROPPED_INVALID_SENDER, NeighborFrames.arp(BROADCAST, HOST_B, 1, 0, IP_B, 0, IP_A));
        assertDropped(NeighborCounters.DROPPED_INVALID_SENDER,
                NeighborFrames.arp(BROADCAST, HOST_B, 1, 0x01_00_5E_00_00_01L, IP_B, 0, IP_A));
        assertDropped(NeighborCounters.DROPPED_INVALID_SENDER,
                NeighborFrames.arp(BROADCAST, HOST_B, 1, HOST_B, NeighborFrames.ip(224, 0, 0, 1), 0, IP_A));
        assertDropped(NeighborCounters.DROPPED_INVALID_SENDER,
                NeighborFrames.arp(BROADCAST, HOST_B, 1, HOST_B, NeighborFrames.ip(255, 255, 255, 255), 0, IP_A));
        assertDropped(NeighborCounters.DROPPED_INVALID_SENDER,
                NeighborFrames.arp(BROADCAST, HOST_B, 1, HOST_B, NeighborFrames.ip(127, 0, 0, 1), 0, IP_A));
    }

    @Test
    void dropsNeighbourDiscoveryWithBadChecksumHopLimitOrOptions() {
        byte[] group = NeighborFrames.solicitedNode(a6);
        long groupMac = NeighborFrames.multicastMac(group);
        ByteBuffer badChecksum = NeighborFrames.solicitation(groupMac, HOST_B, b6, group, a6, HOST_B);
        badChecksum.put(14 + 42, (byte) (badChecksum.get(14 + 42) ^ 0x10));
        assertDropped(NeighborCounters.DROPPED_BAD_CHECKSUM, badChecksum);
        assertDropped(NeighborCounters.DROPPED_BAD_HOP_LIMIT,
                NeighborFrames.nd(groupMac, HOST_B, b6, group, 135, 0, a6, NeighborFrames.option(1, HOST_B), 254));
        assertDropped(NeighborCounters.DROPPED_MALFORMED_ND,
                NeighborFrames.nd(groupMac, HOST_B, b6, group, 135, 0, a6, new byte[] {1, 0, 0, 0, 0, 0, 0, 0}, 255));
        assertDropped(NeighborCounters.DROPPED_MALFORMED_ND,
                NeighborFrames.nd(groupMac, HOST_B, b6, group, 135, 0, a6, new byte[] {1, 3, 0, 0, 0, 0, 0, 0}, 255));
        // A multicast target, and a solicited advertisement sent to a group.
        assertDropped(NeighborCounters.DROPPED_MALFORMED_ND,
                NeighborFrames.solicitation(groupMac, HOST_B, b6, group, group, HOST_B));
        assertDropped(NeighborCounters.DROPPED_MALFORMED_ND,
                NeighborFrames.advertisement(groupMac, HOST_B, b6, group, 0x60, b6, HOST_B));
        // DAD with a source link-layer option.
        assertDropped(NeighborCounters.DROPPED_MALFORMED_ND,
                NeighborFrames.solicitation(groupMac, HOST_B, new byte[16], group, a6, HOST_B));
        assertDropped(NeighborCounters.DROPPED_INVALID_SENDER,
                NeighborFrames.advertisement(HOST_A, HOST_B, b6, a6, 0x60, b6, 0x33_33_00_00_00_01L));
    }

    @Test
    void dropsNeighbourDiscoveryWhosePayloadLengthOverrunsTheFrame() {
        byte[] group = NeighborFrames.solicitedNode(a6);
        ByteBuffer frame = NeighborFrames.solicitation(NeighborFrames.multicastMac(group), HOST_B, b6, group, a6, HOST_B);
        h.frame.wrap(frame, 0, frame.limit() - 1);
        assertEquals(DROP, h.suppressor.inspect(PEER, h.frame, h.nowNs));
        assertEquals(1, h.count(NeighborCounters.DROPPED_MALFORMED_ND));
    }

    @Test
    void aFloodOfGratuitousArpsFillsOnlyThePortsShareOfTheTable() {
        Harness small = new Harness(SwitchSettings.builder().arpSuppression(true).neighborTableLimit(1_000).build());
        for (int i = 0; i < 20_000; i++) {
            int ip = NeighborFrames.ip(198, 18, (i >>> 8) & 0xFF, i & 0xFF);
            long mac = 0x02_00_00_00_00_00L | i;
            small.feed(PEER, NeighborFrames.arp(BROADCAST, mac, 1, mac, ip, 0, ip));
        }
        assertEquals(500, small.suppressor.count(PEER));
        assertEquals(19_500, small.count(NeighborCounters.LIMIT_HIT));
        // The rest of the table is still there for the local LAN.
        for (int i = 0; i < 600; i++) {
            int ip = NeighborFrames.ip(203, 0, 113, i % 250) + (i / 250 << 8);
            small.feed(LOCAL, NeighborFrames.arp(BROADCAST, HOST_A, 1, HOST_A, ip, 0, ip));
        }
        assertEquals(500, small.suppressor.count(LOCAL));
        small.feed(OTHER_PEER, NeighborFrames.arp(BROADCAST, HOST_B, 1, HOST_B, IP_B, 0, IP_B));
        assertEquals(1_000, small.suppressor.size());
        assertTrue(small.log.lines.size() <= 2, small.log.lines.toString());
    }

    @Test
    void randomBytesAfterArpAndIpv6HeadersNeverThrowAndNeverOverfillTheTable() {
        Harness small = new Harness(SwitchSettings.builder().arpSuppression(true).neighborTableLimit(64).build());
        SplittableRandom random = new SplittableRandom(12);
        ByteBuffer frame = ByteBuffer.allocateDirect(200);
        for (int i = 0; i < 200_000; i++) {
            int length = 14 + random.nextInt(150);
            for (int j = 0; j < length; j++) {
                frame.put(j, (byte) random.nextInt(256));
            }
            boolean arp = random.nextBoolean();
            frame.putShort(12, (short) (arp ? 0x0806 : 0x86DD));
            if (arp && length >= 22) {
                // Mostly plausible headers, so that the deeper checks run too.
                frame.putShort(14, (short) 1).putShort(16, (short) 0x0800);
                if (random.nextInt(4) > 0) {
                    frame.put(18, (byte) 6).put(19, (byte) 4).putShort(20, (short) (1 + random.nextInt(2)));
                }
            } else if (!arp && length >= 14 + 41) {
                frame.put(14, (byte) 0x60).put(14 + 6, (byte) 58).put(14 + 7, (byte) 255);
                frame.put(14 + 40, (byte) (135 + random.nextInt(2)));
            }
            small.frame.wrap(frame, 0, length);
            int port = random.nextInt(3);
            int verdict = small.suppressor.inspect(port, small.frame, small.nowNs);
            assertTrue(verdict == PASS || verdict == DROP || verdict == NeighborSuppressor.ANSWER);
            small.nowNs += 1_000_000;
            assertTrue(small.suppressor.size() <= 64);
        }
        assertTrue(small.suppressor.counters().dropped() > 0);
    }
}
