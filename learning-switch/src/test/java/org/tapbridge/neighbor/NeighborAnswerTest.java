package org.tapbridge.neighbor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.tapbridge.neighbor.Harness.LOCAL;
import static org.tapbridge.neighbor.Harness.PEER;
import static org.tapbridge.neighbor.NeighborFrames.BROADCAST;
import static org.tapbridge.neighbor.NeighborFrames.HOST_A;
import static org.tapbridge.neighbor.NeighborFrames.HOST_B;
import static org.tapbridge.neighbor.NeighborFrames.IP_A;
import static org.tapbridge.neighbor.NeighborFrames.IP_B;
import static org.tapbridge.neighbor.NeighborFrames.IP_C;
import static org.tapbridge.neighbor.NeighborSuppressor.ANSWER;
import static org.tapbridge.neighbor.NeighborSuppressor.PASS;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Which requests are answered from the table, and the exact bytes of the answers. */
class NeighborAnswerTest {
    private final Harness h = new Harness();
    private final byte[] a6 = NeighborFrames.linkLocal(0xA);
    private final byte[] b6 = NeighborFrames.linkLocal(0xB);

    private void learnHostBOnPeer() {
        h.feed(PEER, NeighborFrames.arp(HOST_A, HOST_B, 2, HOST_B, IP_B, HOST_A, IP_A));
    }

    @Test
    void answersAnArpRequestFromTheTapForAHostBehindAPeer() {
        learnHostBOnPeer();
        assertEquals(ANSWER, h.feed(LOCAL, NeighborFrames.arp(BROADCAST, HOST_A, 1, HOST_A, IP_A, 0, IP_B)));
        ByteBuffer expected = NeighborFrames.arp(HOST_A, HOST_B, 2, HOST_B, IP_B, HOST_A, IP_A);
        assertArrayEquals(NeighborFrames.bytes(expected, 0, 60), h.reply());
        assertEquals(1, h.count(NeighborCounters.ARP_ANSWERED));
    }

    @Test
    void answersATaggedRequestWithTheSameTag() {
        h.feed(PEER, NeighborFrames.arp(HOST_A, HOST_B, 0x2000 | 7, 2, HOST_B, IP_B, HOST_A, IP_A));
        assertEquals(ANSWER, h.feed(LOCAL, NeighborFrames.arp(BROADCAST, HOST_A, 0x2000 | 7, 1, HOST_A, IP_A, 0, IP_B)));
        ByteBuffer expected = NeighborFrames.arp(HOST_A, HOST_B, 0x2000 | 7, 2, HOST_B, IP_B, HOST_A, IP_A);
        assertArrayEquals(NeighborFrames.bytes(expected, 0, 60), h.reply());
        // Another VLAN knows nothing of it.
        assertEquals(PASS, h.feed(LOCAL, NeighborFrames.arp(BROADCAST, HOST_A, 8, 1, HOST_A, IP_A, 0, IP_B)));
    }

    @Test
    void leavesRequestsForLocalHostsUnknownTargetsAndPeersAlone() {
        learnHostBOnPeer();
        h.feed(LOCAL, NeighborFrames.arp(BROADCAST, NeighborFrames.HOST_C, 1, NeighborFrames.HOST_C, IP_C, 0, IP_A));
        // Host C is local: a request for it is for C to answer.
        assertEquals(PASS, h.feed(LOCAL, NeighborFrames.arp(BROADCAST, HOST_A, 1, HOST_A, IP_A, 0, IP_C)));
        assertEquals(1, h.count(NeighborCounters.REQUESTS_LOCAL_TARGET));
        long flooded = h.count(NeighborCounters.REQUESTS_FLOODED);
        assertEquals(PASS, h.feed(LOCAL, NeighborFrames.arp(BROADCAST, HOST_A, 1, HOST_A, IP_A, 0,
                NeighborFrames.ip(192, 0, 2, 99))));
        assertEquals(flooded + 1, h.count(NeighborCounters.REQUESTS_FLOODED));
        // From a peer: the far site answers its own requests.
        assertEquals(PASS, h.feed(PEER, NeighborFrames.arp(BROADCAST, 0x02_00_00_00_00_0DL, 1, 0x02_00_00_00_00_0DL,
                NeighborFrames.ip(192, 0, 2, 13), 0, IP_B)));
        assertEquals(0, h.count(NeighborCounters.ARP_ANSWERED));
    }

    @Test
    void neverAnswersUnicastRequestsProbesOrAnnouncements() {
        learnHostBOnPeer();
        // Unicast: the asker checks that B is still there, which only B can tell.
        assertEquals(PASS, h.feed(LOCAL, NeighborFrames.arp(HOST_B, HOST_A, 1, HOST_A, IP_A, HOST_B, IP_B)));
        assertEquals(PASS, h.feed(LOCAL, NeighborFrames.arp(BROADCAST, HOST_A, 1, HOST_A, 0, 0, IP_B)));
        assertEquals(PASS, h.feed(LOCAL, NeighborFrames.arp(BROADCAST, HOST_A, 1, HOST_A, IP_A, 0, IP_A)));
        assertEquals(0, h.count(NeighborCounters.ARP_ANSWERED));
    }

    @Test
    void answersASolicitationWithAValidSolicitedOverridingAdvertisement() {
        h.feed(PEER, NeighborFrames.advertisement(HOST_A, HOST_B, b6, a6, 0x60, b6, HOST_B));
        byte[] group = NeighborFrames.solicitedNode(b6);
        assertEquals(ANSWER, h.feed(LOCAL,
                NeighborFrames.solicitation(NeighborFrames.multicastMac(group), HOST_A, a6, group, b6, HOST_A)));
        byte[] reply = h.reply();
        ByteBuffer expected = NeighborFrames.advertisement(HOST_A, HOST_B, b6, a6, 0x60, b6, HOST_B);
        assertArrayEquals(NeighborFrames.bytes(expected, 0, expected.limit()), reply);
        assertEquals(0, NeighborFrames.referenceChecksum(reply, 14, 54, 32));
        assertEquals(1, h.count(NeighborCounters.ND_ANSWERED));
    }

    @Test
    void keepsTheRouterFlagOfTheTarget() {
        h.feed(PEER, NeighborFrames.advertisement(HOST_A, HOST_B, b6, a6, 0xE0, b6, HOST_B));
        byte[] group = NeighborFrames.solicitedNode(b6);
        assertEquals(ANSWER, h.feed(LOCAL,
                NeighborFrames.solicitation(NeighborFrames.multicastMac(group), HOST_A, a6, group, b6, HOST_A)));
        assertEquals(0xE0, h.reply()[14 + 40 + 4] & 0xFF);
        assertEquals(0, NeighborFrames.referenceChecksum(h.reply(), 14, 54, 32));
    }

    @Test
    void doesNotAnswerForAnAddressLearnedOnlyFromASolicitation() {
        byte[] group = NeighborFrames.solicitedNode(a6);
        h.feed(PEER, NeighborFrames.solicitation(NeighborFrames.multicastMac(group), HOST_B, b6, group, a6, HOST_B));
        byte[] groupB = NeighborFrames.solicitedNode(b6);
        assertEquals(PASS, h.feed(LOCAL,
                NeighborFrames.solicitation(NeighborFrames.multicastMac(groupB), HOST_A, a6, groupB, b6, HOST_A)));
        assertEquals(1, h.count(NeighborCounters.REQUESTS_FLOODED));
    }

    @Test
    void leavesDadAndUnicastSolicitationsToTheHosts() {
        h.feed(PEER, NeighborFrames.advertisement(HOST_A, HOST_B, b6, a6, 0x60, b6, HOST_B));
        byte[] group = NeighborFrames.solicitedNode(b6);
        assertEquals(PASS, h.feed(LOCAL, NeighborFrames.solicitation(NeighborFrames.multicastMac(group), HOST_A,
                new byte[16], group, b6, 0)));
        assertEquals(PASS, h.feed(LOCAL, NeighborFrames.solicitation(HOST_B, HOST_A, a6, b6, b6, HOST_A)));
        assertEquals(0, h.count(NeighborCounters.ND_ANSWERED));
    }
}
