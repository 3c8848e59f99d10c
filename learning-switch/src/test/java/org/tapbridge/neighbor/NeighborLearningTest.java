package org.tapbridge.neighbor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.tapbridge.neighbor.Harness.LOCAL;
import static org.tapbridge.neighbor.Harness.OTHER_PEER;
import static org.tapbridge.neighbor.Harness.PEER;
import static org.tapbridge.neighbor.NeighborFrames.BROADCAST;
import static org.tapbridge.neighbor.NeighborFrames.HOST_A;
import static org.tapbridge.neighbor.NeighborFrames.HOST_B;
import static org.tapbridge.neighbor.NeighborFrames.IP_A;
import static org.tapbridge.neighbor.NeighborFrames.IP_B;
import static org.tapbridge.neighbor.NeighborSuppressor.PASS;

import org.junit.jupiter.api.Test;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.switching.SwitchSettings;

/** What binds an address to a MAC, what does not, refreshes, moves between sites, and aging. */
class NeighborLearningTest {
    private final Harness h = new Harness();

    @Test
    void learnsTheSenderOfAnArpRequestOnItsPort() {
        assertEquals(PASS, h.feed(PEER, NeighborFrames.arp(BROADCAST, HOST_B, 1, HOST_B, IP_B, 0, IP_A)));
        NeighborEntry e = h.entry("192.0.2.11");
        assertNotNull(e, h.entries().toString());
        assertEquals(HOST_B, e.mac());
        assertEquals(PEER, e.port());
        assertEquals(NeighborEntry.STATE_REACHABLE, e.state());
        assertEquals(1, h.count(NeighborCounters.LEARNED));
        assertEquals(1, h.count(NeighborCounters.REQUESTS_FROM_PEERS));
    }

    @Test
    void learnsFromRepliesAndGratuitousArps() {
        h.feed(PEER, NeighborFrames.arp(HOST_A, HOST_B, 2, HOST_B, IP_B, HOST_A, IP_A));
        h.feed(PEER, NeighborFrames.arp(BROADCAST, 0x02_00_00_00_00_0CL, 1, 0x02_00_00_00_00_0CL,
                NeighborFrames.IP_C, 0, NeighborFrames.IP_C));
        assertEquals(HOST_B, h.entry("192.0.2.11").mac());
        assertEquals(0x02_00_00_00_00_0CL, h.entry("192.0.2.12").mac());
        // A gratuitous ARP announces; it is not a question that crossed the WAN.
        assertEquals(0, h.count(NeighborCounters.REQUESTS_FROM_PEERS));
    }

    @Test
    void anArpProbeBindsNothing() {
        assertEquals(PASS, h.feed(PEER, NeighborFrames.arp(BROADCAST, HOST_B, 1, HOST_B, 0, 0, IP_B)));
        assertEquals(0, h.suppressor.size());
        assertEquals(1, h.count(NeighborCounters.NOT_LEARNED));
    }

    @Test
    void learnsSolicitationSourcesAndAdvertisedTargetsWithTheirRouterFlag() {
        byte[] a = NeighborFrames.linkLocal(0xA);
        byte[] b = NeighborFrames.linkLocal(0xB);
        byte[] group = NeighborFrames.solicitedNode(a);
        h.feed(PEER, NeighborFrames.solicitation(NeighborFrames.multicastMac(group), HOST_B, b, group, a, HOST_B));
        assertEquals(NeighborEntry.STATE_UNCONFIRMED, h.entry("fe80::b").state());
        h.feed(PEER, NeighborFrames.advertisement(HOST_A, HOST_B, b, a, 0x80 | 0x40 | 0x20, b, HOST_B));
        NeighborEntry e = h.entry("fe80::b");
        assertEquals(HOST_B, e.mac());
        assertEquals(NeighborEntry.STATE_REACHABLE, e.state());
        assertEquals(1, h.count(NeighborCounters.LEARNED));
    }

    @Test
    void dadAndAdvertisementsWithoutOverrideOrOptionBindNothing() {
        byte[] a = NeighborFrames.linkLocal(0xA);
        byte[] b = NeighborFrames.linkLocal(0xB);
        byte[] group = NeighborFrames.solicitedNode(b);
        h.feed(PEER, NeighborFrames.solicitation(NeighborFrames.multicastMac(group), HOST_B, new byte[16], group, b, 0));
        h.feed(PEER, NeighborFrames.advertisement(HOST_A, HOST_B, b, a, 0x40, b, HOST_B));
        h.feed(PEER, NeighborFrames.advertisement(HOST_A, HOST_B, b, a, 0x60, b, 0));
        assertEquals(0, h.suppressor.size());
        assertEquals(3, h.count(NeighborCounters.NOT_LEARNED));
    }

    @Test
    void aHostSeenFromAnotherSiteWithItsOwnMacIsRelearnedThere() {
        h.feed(PEER, NeighborFrames.arp(BROADCAST, HOST_B, 1, HOST_B, IP_B, 0, IP_A));
        h.feed(OTHER_PEER, NeighborFrames.arp(BROADCAST, HOST_B, 1, HOST_B, IP_B, 0, IP_A));
        NeighborEntry e = h.entry("192.0.2.11");
        assertEquals(OTHER_PEER, e.port());
        assertEquals(1, e.moves());
        assertEquals(1, h.count(NeighborCounters.MOVED));
        assertEquals(0, h.count(NeighborCounters.CONFLICTS));
        assertEquals(0, h.suppressor.count(PEER));
        assertEquals(1, h.suppressor.count(OTHER_PEER));
    }

    @Test
    void keepsVlansApart() {
        h.feed(PEER, NeighborFrames.arp(BROADCAST, HOST_B, 10, 1, HOST_B, IP_B, 0, IP_A));
        h.feed(PEER, NeighborFrames.arp(BROADCAST, HOST_A, 20, 1, HOST_A, IP_B, 0, IP_A));
        assertEquals(2, h.suppressor.size());
        assertEquals(0, h.count(NeighborCounters.CONFLICTS));
    }

    @Test
    void aBindingAgesOutUnlessItsHostSpeaksAgain() {
        Harness aging = new Harness(SwitchSettings.builder().arpSuppression(true).neighborAgingSeconds(60).build());
        aging.feed(PEER, NeighborFrames.arp(BROADCAST, HOST_B, 1, HOST_B, IP_B, 0, IP_A));
        aging.advanceSeconds(59);
        aging.feed(PEER, NeighborFrames.arp(HOST_A, HOST_B, 2, HOST_B, IP_B, HOST_A, IP_A));
        aging.advanceSeconds(59);
        assertNotNull(aging.entry("192.0.2.11"));
        aging.advanceSeconds(2);
        assertNull(aging.entry("192.0.2.11"));
        // Ticks over a quarter of the aging time sweep the whole table.
        for (int i = 0; i < 160; i++) {
            aging.advanceSeconds(0.1);
            aging.suppressor.tick(aging.nowNs);
        }
        assertEquals(0, aging.suppressor.size());
        assertEquals(1, aging.count(NeighborCounters.AGED));
    }

    @Test
    void removingAPortForgetsItsBindings() {
        h.feed(PEER, NeighborFrames.arp(BROADCAST, HOST_B, 1, HOST_B, IP_B, 0, IP_A));
        h.feed(LOCAL, NeighborFrames.arp(BROADCAST, HOST_A, 1, HOST_A, IP_A, 0, IP_B));
        h.suppressor.removePort(PEER);
        assertNull(h.entry("192.0.2.11"));
        assertEquals(MacAddress.format(HOST_A), MacAddress.format(h.entry("192.0.2.10").mac()));
    }
}
