package org.tapbridge.switching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.tapbridge.switching.LearningSwitch.FLOOD;
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

class AgingTest {
    private LearningSwitch sw;

    @BeforeEach
    void threePorts() {
        // One port may fill the whole table here: these tests are about aging, not about sharing the table.
        sw = new LearningSwitch(SwitchSettings.builder().perPortMacLimit(SwitchSettings.DEFAULT_MAC_TABLE_LIMIT)
                .localMacReserve(0).build());
        sw.addPort(1, NO_GROUP);
        sw.addPort(2, NO_GROUP);
    }

    @Test
    void anEntryIsStillUsedOneNanosecondBeforeTheAgingTime() {
        sw.forward(2, 0, B, BROADCAST, T0);
        assertEquals(2, sw.forward(1, 0, A, B, T0 + seconds(300) - 1));
    }

    @Test
    void anEntryExpiresExactlyAtTheAgingTimeEvenWithoutATick() {
        sw.forward(2, 0, B, BROADCAST, T0);
        assertEquals(FLOOD, sw.forward(1, 0, A, B, T0 + seconds(300)));
        assertEquals(1, sw.snapshot().aged(2));
    }

    @Test
    void atAnyClockPhaseAnEntryExpiresExactlyAtTheAgingTime() {
        for (long phase = 1; phase < 4096; phase += 7) {
            LearningSwitch fresh = new LearningSwitch(SwitchSettings.defaults());
            fresh.addPort(1, NO_GROUP);
            fresh.addPort(2, NO_GROUP);
            long seen = T0 + phase;
            fresh.forward(2, 0, B, BROADCAST, seen);
            assertEquals(2, fresh.forward(1, 0, A, B, seen + seconds(300) - 1), "phase " + phase);
            assertEquals(FLOOD, fresh.forward(1, 0, A, B, seen + seconds(300)), "phase " + phase);
        }
    }

    @Test
    void aClockThatStepsBackDoesNotExpireEntries() {
        sw.forward(2, 0, B, BROADCAST, T0);
        assertEquals(2, sw.forward(1, 0, A, B, T0 - seconds(3_600)));
    }

    @Test
    void trafficFromTheSourceKeepsItsEntryAlive() {
        sw.forward(2, 0, B, BROADCAST, T0);
        sw.forward(2, 0, B, BROADCAST, T0 + seconds(200));
        assertEquals(2, sw.forward(1, 0, A, B, T0 + seconds(499)));
        assertEquals(FLOOD, sw.forward(1, 0, A, B, T0 + seconds(500)));
    }

    @Test
    void agingTimeIsConfigurable() {
        LearningSwitch fast = new LearningSwitch(SwitchSettings.builder().macAgingSeconds(10).build());
        fast.addPort(1, NO_GROUP);
        fast.addPort(2, NO_GROUP);
        fast.forward(2, 0, B, BROADCAST, T0);
        assertEquals(2, fast.forward(1, 0, A, B, T0 + seconds(10) - 1));
        assertEquals(FLOOD, fast.forward(1, 0, A, B, T0 + seconds(10)));
    }

    @Test
    void anExpiredSourceIsLearnedAgainAsNew() {
        sw.forward(2, 0, B, BROADCAST, T0);
        sw.forward(1, 0, B, BROADCAST, T0 + seconds(301));
        assertEquals(1, sw.forward(2, 0, C, B, T0 + seconds(302)));
        assertEquals(0, sw.snapshot().moved(1), "re-learning after expiry is not a move");
        assertEquals(2, sw.size(), "B once, and C");
        assertEquals(1, sw.snapshot().learned(1));
        assertEquals(1, sw.snapshot().aged(2));
    }

    @Test
    void ticksRemoveIdleEntriesWithinAQuarterOfTheAgingTimeAfterExpiry() {
        for (int i = 1; i <= 10_000; i++) {
            sw.forward(1, 0, Macs.mac(i), BROADCAST, T0);
        }
        assertEquals(10_000, sw.size());
        long now = T0;
        sw.tick(now);
        // Ticks every 100 ms; nothing may be removed before the aging time ...
        while (now < T0 + seconds(300) - millis(100)) {
            now += millis(100);
            sw.tick(now);
        }
        assertEquals(10_000, sw.size());
        // ... and everything must be gone a quarter of the aging time later, without any frame.
        while (now < T0 + seconds(300 + 75) + millis(100)) {
            now += millis(100);
            sw.tick(now);
        }
        assertEquals(0, sw.size());
        assertEquals(10_000, sw.snapshot().aged(1));
    }

    @Test
    void eachTickSweepsOnlyAShareOfTheTable() {
        for (int i = 1; i <= 10_000; i++) {
            sw.forward(1, 0, Macs.mac(i), BROADCAST, T0);
        }
        sw.tick(T0 + seconds(400));
        sw.tick(T0 + seconds(400) + millis(100));
        int left = sw.size();
        assertEquals(true, left > 9_000 && left < 10_000, "a 100 ms tick removed " + (10_000 - left));
    }

    @Test
    void trafficAlsoSweepsExpiredEntriesWithoutTicks() {
        for (int i = 1; i <= 1_000; i++) {
            sw.forward(1, 0, Macs.mac(i), BROADCAST, T0);
        }
        // 32768 slots, two checks per frame; each of the 1000 removals costs a check too.
        for (int i = 0; i < 17_000; i++) {
            sw.forward(2, 0, B, C, T0 + seconds(301));
        }
        assertEquals(1, sw.size(), "only B is left");
    }

    @Test
    void staticEntriesNeverAge() {
        sw.addStaticEntry(0, B, 2);
        long later = T0 + seconds(1_000_000);
        sw.tick(later);
        assertEquals(2, sw.forward(1, 0, A, B, later));
        assertEquals(true, sw.dump(later).get(1).isStatic());
    }

    @Test
    void dumpLeavesOutExpiredEntries() {
        sw.forward(2, 0, B, BROADCAST, T0);
        sw.forward(2, 0, C, BROADCAST, T0 + seconds(100));
        assertEquals(1, sw.dump(T0 + seconds(300)).size());
        assertEquals(200_000, sw.dump(T0 + seconds(300)).get(0).ageMillis());
    }
}
