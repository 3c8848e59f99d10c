package org.tapbridge.switching;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.switching.LearningSwitch.DROP;
import static org.tapbridge.switching.LearningSwitch.LOCAL_PORT;
import static org.tapbridge.switching.LearningSwitch.NO_GROUP;
import static org.tapbridge.switching.Macs.A;
import static org.tapbridge.switching.Macs.B;
import static org.tapbridge.switching.Macs.BROADCAST;
import static org.tapbridge.switching.Macs.C;
import static org.tapbridge.switching.Macs.T0;
import static org.tapbridge.switching.Macs.millis;
import static org.tapbridge.switching.Macs.seconds;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tapbridge.drops.DropReason;

/** Issue 11, defect 4c: sustained MAC flapping is a loop, and the port it is charged to is blocked. */
class LoopBlockTest {
    private RecordingLogger log;
    private LearningSwitch sw;

    @BeforeEach
    void threePortsTenFlapsBlockForTenSecondsUpToForty() {
        log = new RecordingLogger();
        sw = new LearningSwitch(SwitchSettings.builder().loopFlapsPerSecond(10).loopBlockSeconds(10)
                .loopBlockMaxSeconds(40).build(), log);
        sw.addPort(1, NO_GROUP);
        sw.addPort(2, NO_GROUP);
        sw.addPort(3, NO_GROUP);
    }

    private int loops;

    /**
     * A fresh MAC on port 1, moved to port 2 once (accepted); then {@code flaps} of its frames from port 1,
     * 1 ms apart, each refused by damping and charged to port 1.
     *
     * @return the time of the last frame
     */
    private long loopOnPortOne(int flaps, long startNs) {
        long mac = Macs.mac(0x1000 + loops++);
        sw.forward(1, 0, mac, BROADCAST, startNs);
        sw.forward(2, 0, mac, BROADCAST, startNs + 1);
        long now = startNs + 1;
        for (int i = 0; i < flaps; i++) {
            now += millis(1);
            sw.forward(1, 0, mac, BROADCAST, now);
        }
        return now;
    }

    @Test
    void sustainedFlappingBlocksThePortBothWays() {
        sw.forward(1, 0, C, BROADCAST, T0);
        long now = loopOnPortOne(10, T0);
        assertTrue(sw.isBlocked(1));
        assertEquals(seconds(10), sw.blockedRemainingNanos(1, now));
        assertEquals(1, sw.snapshot().loopBlocks(1));

        assertEquals(DROP, sw.forward(1, 0, B, BROADCAST, now));
        assertEquals(DropReason.LOOP_BLOCKED, sw.lastDropReason());
        assertEquals(DROP, sw.forward(2, 0, B, C, now), "C was learned on port 1");
        assertEquals(DropReason.LOOP_BLOCKED, sw.lastDropReason());
        assertEquals(2, sw.snapshot().dropped(1, DropReason.LOOP_BLOCKED) + sw.snapshot().dropped(2, DropReason.LOOP_BLOCKED));
        assertArrayEquals(new int[] {0, 3}, sw.floodPorts(2), "floods leave the blocked port out");
        assertArrayEquals(new int[] {2, 3}, sw.floodPorts(LOCAL_PORT));
        assertEquals(1, log.count("port 1 blocked for 10 s"), log.lines.toString());
        assertFalse(sw.isBlocked(2));
    }

    @Test
    void theMacThatFlappedMayLiveOnThePortThatWasNotBlocked() {
        long now = loopOnPortOne(10, T0);
        assertEquals(2, sw.forward(3, 0, B, Macs.mac(0x1000), now + 1));
    }

    @Test
    void aBlockedPortLearnsNothing() {
        long now = loopOnPortOne(10, T0);
        sw.forward(1, 0, B, BROADCAST, now + 1);
        assertEquals(0, sw.dump(now + 1).stream().filter(e -> e.mac() == B).count());
    }

    @Test
    void fewerFlapsThanTheThresholdWithinASecondDoNotBlock() {
        sw.forward(1, 0, A, BROADCAST, T0);
        sw.forward(2, 0, A, BROADCAST, T0 + 1);
        for (int i = 0; i < 9; i++) {
            sw.forward(1, 0, A, BROADCAST, T0 + millis(1 + i));
        }
        assertFalse(sw.isBlocked(1), "a host that really moved flaps a few times");
        // Forty more flaps, but never ten within one second.
        long now = T0 + seconds(2);
        for (int i = 0; i < 40; i++) {
            now += millis(150);
            sw.forward(2, 0, A, BROADCAST, now);
            sw.forward(1, 0, A, BROADCAST, now + 1);
        }
        long flaps = sw.snapshot().flapped(1) + sw.snapshot().flapped(2);
        assertTrue(flaps >= 20, "flaps were counted: " + flaps);
        assertFalse(sw.isBlocked(1));
        assertFalse(sw.isBlocked(2));
        assertEquals(0, sw.snapshot().loopBlocks(1));
    }

    @Test
    void flapsFromTheLocalPortAreChargedToThePeerHoldingTheMac() {
        // A lives on the local LAN; a loop through port 3 echoes its frames back, and the echo moved A there.
        sw.forward(LOCAL_PORT, 0, A, BROADCAST, T0);
        sw.forward(3, 0, A, BROADCAST, T0 + 1);
        long now = T0 + 1;
        for (int i = 0; i < 10; i++) {
            now += millis(1);
            sw.forward(LOCAL_PORT, 0, A, BROADCAST, now);
        }
        assertTrue(sw.isBlocked(3));
        assertFalse(sw.isBlocked(LOCAL_PORT), "the local port is the site itself and is never blocked");
        assertEquals(10, sw.snapshot().flapped(LOCAL_PORT));
        // A blocked port holds nothing: A's next local frame moves it home at once, damping or not.
        sw.forward(LOCAL_PORT, 0, A, BROADCAST, now + 1);
        assertEquals(LOCAL_PORT, sw.forward(2, 0, B, A, now + 2));
    }

    @Test
    void theBlockLiftsAfterItsTimeAndDoublesOnEveryRepeatUpToTheMaximum() {
        long now = loopOnPortOne(10, T0);
        long blockedAt = now;
        assertTrue(sw.isBlocked(1));
        sw.tick(blockedAt + seconds(10) - 1);
        assertTrue(sw.isBlocked(1));
        assertEquals(1, sw.blockedRemainingNanos(1, blockedAt + seconds(10) - 1));
        assertEquals(DropReason.NONE, dropOf(sw.forward(1, 0, B, BROADCAST, blockedAt + seconds(10))));
        assertFalse(sw.isBlocked(1), "the first frame after the block passes");
        assertArrayEquals(new int[] {0, 1, 3}, sw.floodPorts(2));
        assertEquals(1, log.count("port 1 unblocked"), log.lines.toString());

        long[] expectedSeconds = {20, 40, 40};
        now = blockedAt + seconds(10);
        for (long expected : expectedSeconds) {
            now = loopOnPortOne(10, now + seconds(1));
            assertTrue(sw.isBlocked(1));
            assertEquals(seconds(expected), sw.blockedRemainingNanos(1, now));
            now += seconds(expected);
            sw.tick(now);
            assertFalse(sw.isBlocked(1), "a tick unblocks too");
        }
        assertEquals(4, sw.snapshot().loopBlocks(1));
    }

    @Test
    void aPortQuietForAWholeMaximumBlockStartsOverAtTheFirstLength() {
        long now = loopOnPortOne(10, T0);
        now += seconds(10);
        sw.tick(now);
        now = loopOnPortOne(10, now + seconds(1));
        assertEquals(seconds(20), sw.blockedRemainingNanos(1, now));
        now += seconds(20);
        sw.tick(now);
        now = loopOnPortOne(10, now + seconds(40));
        assertEquals(seconds(10), sw.blockedRemainingNanos(1, now));
    }

    private int dropOf(int result) {
        return result == DROP ? sw.lastDropReason() : DropReason.NONE;
    }

    @Test
    void removingAPortLiftsItsBlock() {
        loopOnPortOne(10, T0);
        sw.removePort(1);
        sw.addPort(1, NO_GROUP);
        assertFalse(sw.isBlocked(1));
        assertArrayEquals(new int[] {0, 1, 3}, sw.floodPorts(2));
    }

    @Test
    void zeroFlapsPerSecondTurnsLoopBlockingOff() {
        LearningSwitch off = new LearningSwitch(SwitchSettings.builder().loopFlapsPerSecond(0).build());
        off.addPort(1, NO_GROUP);
        off.addPort(2, NO_GROUP);
        off.forward(1, 0, A, BROADCAST, T0);
        off.forward(2, 0, A, BROADCAST, T0 + 1);
        for (int i = 0; i < 10_000; i++) {
            off.forward(1, 0, A, BROADCAST, T0 + 2 + i);
        }
        assertEquals(10_000, off.snapshot().flapped(1));
        assertFalse(off.isBlocked(1));
    }

    @Test
    void twoBlockedPortsLeaveEveryFloodListAndComeBackInOrder() {
        long now = loopOnPortOne(10, T0);
        sw.forward(3, 0, C, BROADCAST, now);
        sw.forward(2, 0, C, BROADCAST, now + 1);
        for (int i = 0; i < 10; i++) {
            sw.forward(3, 0, C, BROADCAST, now + 2 + i);
        }
        assertTrue(sw.isBlocked(3));
        assertArrayEquals(new int[] {0}, sw.floodPorts(2));
        assertArrayEquals(new int[] {2}, sw.floodPorts(LOCAL_PORT));
        sw.tick(now + seconds(10));
        assertArrayEquals(new int[] {0, 1}, sw.floodPorts(2), "port 1 was blocked first");
        sw.tick(now + seconds(11));
        assertArrayEquals(new int[] {0, 1, 3}, sw.floodPorts(2));
    }
}
