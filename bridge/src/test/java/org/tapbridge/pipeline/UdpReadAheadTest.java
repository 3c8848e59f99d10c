package org.tapbridge.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How many datagrams the loop asks the socket for: about what came last time, so that a lone datagram after
 * a quiet spell does not set up a whole batch of messages, while a burst is still taken in one turn.
 */
class UdpReadAheadTest {
    /** a's TAP has a vnet header, as a gateway's does; the test does not depend on it. */
    private static final int VNET_HEADER = 12;
    /** An experimental EtherType: nothing coalesces or clamps these frames, each is written on its own. */
    private static final int ETHERTYPE = 0x88B5;

    @TempDir
    Path dir;

    private OffloadHub hub;

    @BeforeEach
    void start() throws Exception {
        hub = new OffloadHub(dir, VNET_HEADER);
        hub.awaitPeersUp();
    }

    @AfterEach
    void stop() {
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void eachTurnAsksForTwiceWhatTheLastOneBroughtNotAWholeBatch() throws Exception {
        int firstReceive = hub.port.receives();
        long written = hub.tap.writes();
        for (int i = 0; i < 5; i++) {
            hub.tapB.inject(broadcast(i));
            long expected = written + i + 1;
            hub.turnUntil(() -> hub.tap.writes() >= expected, 2_000);
            hub.turnUntil(() -> false, 20);
        }
        assertEquals(written + 5, hub.tap.writes(), "the five frames from b reached a's TAP");

        int turnTotal = 0;
        int smallAsks = 0;
        for (int i = firstReceive; i < hub.port.receives(); i++) {
            if (i > firstReceive) {
                // A receive that came back full is followed, in the same turn, by one asking twice as many.
                boolean sameTurn = hub.port.got(i - 1) == hub.port.ask(i - 1);
                int expected = sameTurn
                        ? Math.min(2 * hub.port.ask(i - 1), DataPathLoop.BATCH - turnTotal)
                        : Math.max(DataPathLoop.MIN_READ_AHEAD, Math.min(DataPathLoop.BATCH, 2 * turnTotal));
                assertEquals(expected, hub.port.ask(i), "receive " + i + (sameTurn ? " after a full one"
                        : " after a turn that brought " + turnTotal));
                if (!sameTurn) {
                    turnTotal = 0;
                }
            }
            turnTotal += hub.port.got(i);
            if (hub.port.ask(i) <= 2 * DataPathLoop.MIN_READ_AHEAD) {
                smallAsks++;
            }
        }
        assertTrue(smallAsks > 0, "no receive asked for a few datagrams: the lone frames did not show it");
    }

    @Test
    void aBurstLargerThanTheLastAskIsTakenWithinOneTurn() throws Exception {
        int burst = 20;
        for (int i = 0; i < burst; i++) {
            hub.tapB.inject(broadcast(i));
        }
        // Until all of them are queued: at least the burst, and no more coming for 50 ms (a keepalive may be
        // among them, so the count alone does not tell).
        long deadline = System.nanoTime() + 2_000_000_000L;
        int seen = -1;
        while ((hub.udp.pending() < burst || hub.udp.pending() != seen) && System.nanoTime() < deadline) {
            seen = hub.udp.pending();
            Thread.sleep(50);
        }
        assertTrue(hub.udp.pending() >= burst, "b's " + burst + " datagrams did not arrive: " + hub.udp.pending());
        long written = hub.tap.writes();

        hub.loop.turnOnCallingThread();

        assertEquals(written + burst, hub.tap.writes(), "one turn wrote the whole burst to a's TAP");
        int afterBurst = hub.port.receives();
        hub.tapB.inject(broadcast(burst));
        hub.turnUntil(() -> hub.port.receives() > afterBurst, 2_000);
        // At least twice the burst: a keepalive may have joined it.
        assertTrue(hub.port.ask(afterBurst) >= 2 * burst,
                "the receive after the burst asks for twice the burst: " + hub.port.ask(afterBurst));
    }

    /** A broadcast frame as b's LAN host sends it: b's TAP has no vnet header. */
    private static byte[] broadcast(int n) {
        byte[] frame = new byte[60];
        for (int i = 0; i < 6; i++) {
            frame[i] = (byte) 0xFF;
        }
        byte[] source = {0x02, 0, 0, 0, 0x0B, 0x02};
        System.arraycopy(source, 0, frame, 6, 6);
        frame[12] = (byte) (ETHERTYPE >> 8);
        frame[13] = (byte) ETHERTYPE;
        frame[14] = (byte) n;
        return frame;
    }
}
