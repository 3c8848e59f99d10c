package org.tapbridge.neighbor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.tapbridge.neighbor.Harness.LOCAL;
import static org.tapbridge.neighbor.Harness.OTHER_PEER;
import static org.tapbridge.neighbor.Harness.PEER;
import static org.tapbridge.neighbor.NeighborFrames.BROADCAST;
import static org.tapbridge.neighbor.NeighborFrames.HOST_A;
import static org.tapbridge.neighbor.NeighborFrames.HOST_B;
import static org.tapbridge.neighbor.NeighborFrames.HOST_C;
import static org.tapbridge.neighbor.NeighborFrames.IP_A;
import static org.tapbridge.neighbor.NeighborFrames.IP_B;
import static org.tapbridge.neighbor.NeighborSuppressor.ANSWER;
import static org.tapbridge.neighbor.NeighborSuppressor.PASS;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.tapbridge.ethernet.MacAddress;

/** One address claimed by two MACs: counted, logged at a limited rate, moved after repeated claims. */
class NeighborConflictTest {
    private final Harness h = new Harness();

    private ByteBuffer gratuitous(long mac) {
        return NeighborFrames.arp(BROADCAST, mac, 1, mac, IP_B, 0, IP_B);
    }

    private ByteBuffer askForB() {
        return NeighborFrames.arp(BROADCAST, HOST_A, 1, HOST_A, IP_A, 0, IP_B);
    }

    @Test
    void aSecondClaimInARowMovesTheAddressToTheNewMac() {
        h.feed(PEER, gratuitous(HOST_B));
        h.feed(OTHER_PEER, gratuitous(HOST_C));
        NeighborEntry pending = h.entry("192.0.2.11");
        assertEquals(HOST_B, pending.mac());
        assertEquals(NeighborEntry.STATE_CONFLICT, pending.state());
        assertEquals(HOST_C, pending.challenger());
        h.feed(OTHER_PEER, gratuitous(HOST_C));
        NeighborEntry moved = h.entry("192.0.2.11");
        assertEquals(HOST_C, moved.mac());
        assertEquals(OTHER_PEER, moved.port());
        assertEquals(1, moved.moves());
        assertEquals(2, h.count(NeighborCounters.CONFLICTS));
        assertEquals(1, h.count(NeighborCounters.MOVED));
    }

    @Test
    void theOwnerSpeakingResetsTheChallengersClaims() {
        h.feed(PEER, gratuitous(HOST_B));
        for (int i = 0; i < 5; i++) {
            h.feed(OTHER_PEER, gratuitous(HOST_C));
            h.feed(PEER, gratuitous(HOST_B));
        }
        assertEquals(HOST_B, h.entry("192.0.2.11").mac());
        assertEquals(5, h.count(NeighborCounters.CONFLICTS));
        assertEquals(0, h.count(NeighborCounters.MOVED));
    }

    @Test
    void requestsAreFloodedWhileInConflictAndAnsweredWithTheNewMacAfterTheHold() {
        h.feed(PEER, gratuitous(HOST_B));
        assertEquals(ANSWER, h.feed(LOCAL, askForB()));
        h.feed(PEER, gratuitous(HOST_C));
        assertEquals(PASS, h.feed(LOCAL, askForB()));
        h.feed(PEER, gratuitous(HOST_C));
        h.advanceSeconds(9.9);
        assertEquals(PASS, h.feed(LOCAL, askForB()));
        h.advanceSeconds(0.2);
        assertEquals(ANSWER, h.feed(LOCAL, askForB()));
        ByteBuffer reply = NeighborFrames.direct(h.reply(), 60);
        assertEquals(HOST_C, MacAddress.read(reply, 6));
        assertEquals(HOST_C, MacAddress.read(reply, 14 + ArpPacket.SENDER_MAC_OFFSET));
    }

    @Test
    void conflictsAreLoggedAtMostOncePerTenSecondsWithTheCountHeldBack() {
        h.feed(PEER, gratuitous(HOST_B));
        for (int i = 0; i < 100; i++) {
            h.feed(OTHER_PEER, gratuitous(HOST_C));
            h.feed(PEER, gratuitous(HOST_B));
            h.advanceSeconds(0.01);
        }
        assertEquals(1, h.log.lines.size(), h.log.lines.toString());
        h.advanceSeconds(10);
        h.feed(OTHER_PEER, gratuitous(HOST_C));
        assertEquals(2, h.log.lines.size());
        String line = h.log.lines.get(1);
        assertEquals(true, line.contains("192.0.2.11") && line.contains("99 similar messages suppressed"), line);
        assertEquals(101, h.count(NeighborCounters.CONFLICTS));
    }
}
