package org.tapbridge.switching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.switching.LearningSwitch.FLOOD;
import static org.tapbridge.switching.LearningSwitch.NO_GROUP;
import static org.tapbridge.switching.Macs.A;
import static org.tapbridge.switching.Macs.B;
import static org.tapbridge.switching.Macs.BROADCAST;
import static org.tapbridge.switching.Macs.T0;
import static org.tapbridge.switching.Macs.seconds;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.tapbridge.ethernet.MacAddress;

class LimitsTest {
    private static final long UNKNOWN = 0x02_FF_FF_FF_FF_FFL;

    private static List<Long> distinctRandomUnicastMacs(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Set<Long> macs = new LinkedHashSet<>();
        while (macs.size() < count) {
            long mac = random.nextLong() & 0xFE_FF_FF_FF_FF_FFL;
            if (MacAddress.isLearnableUnicast(mac) && mac != UNKNOWN) {
                macs.add(mac);
            }
        }
        return new ArrayList<>(macs);
    }

    /** A switch whose every port may fill the whole table: the table limit alone is in play. */
    private static SwitchSettings.Builder noSharing() {
        return SwitchSettings.builder().perPortMacLimit(SwitchSettings.DEFAULT_MAC_TABLE_LIMIT).localMacReserve(0);
    }

    @Test
    void aFloodOf100000SourcesFillsTheTableToItsLimitAndIsStillForwarded() {
        RecordingLogger log = new RecordingLogger();
        LearningSwitch sw = new LearningSwitch(noSharing().build(), log);
        for (int port = 1; port <= 4; port++) {
            sw.addPort(port, NO_GROUP);
        }
        List<Long> macs = distinctRandomUnicastMacs(100_000, 20_261_123L);
        long now = T0;
        for (int i = 0; i < macs.size(); i++) {
            // 10 000 frames a second: 2500 per port, under the unknown-unicast flood limit.
            now += 100_000;
            assertEquals(FLOOD, sw.forward(1 + i % 4, 0, macs.get(i), UNKNOWN, now), "frame " + i);
        }
        assertEquals(16_384, sw.size());
        SwitchCounters.Snapshot counters = sw.snapshot();
        assertEquals(16_384, counters.total(SwitchCounters.LEARNED));
        assertEquals(100_000 - 16_384, counters.total(SwitchCounters.LIMIT_HIT));
        assertEquals(100_000, counters.total(SwitchCounters.FLOODED));
        // The first 16384 sources were learned, the rest were not.
        assertEquals(1 + 16_383 % 4, sw.forward(0, 0, A, macs.get(16_383), now));
        assertEquals(FLOOD, sw.forward(0, 0, A, macs.get(16_384), now));
        assertEquals(FLOOD, sw.forward(0, 0, A, macs.get(99_999), now));
        // 83616 limit hits within 0.1 s: one log line, not thousands.
        assertEquals(1, log.count("MAC table full (mac-table-limit=16384)"), log.lines.toString());
    }

    @Test
    void limitHitsAreLoggedAgainAfterTheLogIntervalWithTheSuppressedCount() {
        RecordingLogger log = new RecordingLogger();
        LearningSwitch sw = new LearningSwitch(SwitchSettings.builder().macTableLimit(10).perPortMacLimit(10)
                .localMacReserve(0).build(), log);
        sw.addPort(1, NO_GROUP);
        for (int i = 1; i <= 20; i++) {
            sw.forward(1, 0, Macs.mac(i), UNKNOWN, T0 + i);
        }
        sw.forward(1, 0, Macs.mac(21), UNKNOWN, T0 + seconds(11));
        assertEquals(2, log.count("MAC table full"), log.lines.toString());
        assertTrue(log.lines.get(1).contains("(9 similar messages suppressed)"), log.lines.get(1));
        assertEquals(11, sw.snapshot().limitHit(1));
    }

    @Test
    void aPerPortLimitStopsOneSiteFromFillingTheTable() {
        RecordingLogger log = new RecordingLogger();
        LearningSwitch sw = new LearningSwitch(
                SwitchSettings.builder().macTableLimit(1_000).perPortMacLimit(100).build(), log);
        sw.addPort(1, NO_GROUP);
        sw.addPort(2, NO_GROUP);
        for (int i = 1; i <= 500; i++) {
            assertEquals(FLOOD, sw.forward(1, 0, Macs.mac(i), UNKNOWN, T0));
        }
        assertEquals(100, sw.dynamicEntryCount(1));
        assertEquals(400, sw.snapshot().limitHit(1));
        for (int i = 1; i <= 100; i++) {
            sw.forward(2, 0, Macs.mac(10_000 + i), UNKNOWN, T0);
        }
        assertEquals(100, sw.dynamicEntryCount(2), "the other site still learns");
        assertEquals(0, sw.snapshot().limitHit(2));
        assertEquals(200, sw.size());
        assertEquals(1, log.count("port 1 reached per-port-mac-limit=100"), log.lines.toString());
    }

    @Test
    void aMoveOntoAPortAtItsLimitIsRefused() {
        LearningSwitch sw = new LearningSwitch(
                SwitchSettings.builder().macTableLimit(1_000).perPortMacLimit(1).build());
        sw.addPort(1, NO_GROUP);
        sw.addPort(2, NO_GROUP);
        sw.forward(1, 0, A, UNKNOWN, T0);
        sw.forward(2, 0, B, UNKNOWN, T0);
        sw.forward(2, 0, A, UNKNOWN, T0 + 1);
        assertEquals(1, sw.forward(2, 0, B, A, T0 + 2), "A stays on port 1");
        assertEquals(1, sw.snapshot().limitHit(2));
        assertEquals(0, sw.snapshot().moved(2));
    }

    @Test
    void learningResumesWhenAgingFreesSpace() {
        LearningSwitch sw = new LearningSwitch(SwitchSettings.builder().macTableLimit(10).perPortMacLimit(10)
                .localMacReserve(0).macAgingSeconds(60).build());
        sw.addPort(1, NO_GROUP);
        sw.addPort(2, NO_GROUP);
        for (int i = 1; i <= 10; i++) {
            sw.forward(1, 0, Macs.mac(i), BROADCAST, T0);
        }
        sw.forward(2, 0, B, BROADCAST, T0);
        assertEquals(1, sw.snapshot().limitHit(2));
        long later = T0 + seconds(61);
        sw.tick(later - seconds(1));
        sw.tick(later);
        assertEquals(0, sw.size(), "a 60 s tick gap sweeps the whole small table");
        sw.forward(2, 0, B, BROADCAST, later);
        assertEquals(2, sw.forward(1, 0, A, B, later));
    }

    @Test
    void staticEntriesCountAgainstTheTableLimit() {
        LearningSwitch sw = new LearningSwitch(SwitchSettings.builder().macTableLimit(2).build());
        sw.addStaticEntry(0, A, 1);
        sw.addStaticEntry(0, B, 1);
        IllegalStateException error = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> sw.addStaticEntry(0, Macs.C, 1));
        assertTrue(error.getMessage().contains("mac-table-limit=2"), error.getMessage());
        sw.addStaticEntry(0, A, 2);
        assertEquals(2, sw.size(), "re-pointing an existing static entry needs no room");
    }

    // ---------------------------------------------------------------- default shares (issue 11, defect 4a)

    /** Learns {@code count} fresh sources on one port, 100 µs apart (under every rate limit). */
    private static long flood(LearningSwitch sw, int port, List<Long> macs, long startNs) {
        long now = startNs;
        for (long mac : macs) {
            now += 100_000;
            sw.forward(port, 0, mac, UNKNOWN, now);
        }
        return now;
    }

    @Test
    void oneFloodingPeerFillsAtMostHalfOfTheTableByDefault() {
        LearningSwitch sw = new LearningSwitch(SwitchSettings.defaults(), new RecordingLogger());
        sw.addPort(1, NO_GROUP);
        sw.addPort(2, NO_GROUP);
        long now = flood(sw, 1, distinctRandomUnicastMacs(20_000, 41L), T0);
        assertEquals(8_192, sw.dynamicEntryCount(1), "half of mac-table-limit=16384");
        now = flood(sw, 2, distinctRandomUnicastMacs(3_000, 42L), now);
        assertEquals(3_000, sw.dynamicEntryCount(2), "the other peer still learns");
        flood(sw, 0, distinctRandomUnicastMacs(3_000, 43L), now);
        assertEquals(3_000, sw.dynamicEntryCount(0), "the local LAN still learns");
    }

    @Test
    void peersFloodingTogetherNeverTakeTheRoomReservedForTheLocalPort() {
        RecordingLogger log = new RecordingLogger();
        LearningSwitch sw = new LearningSwitch(SwitchSettings.defaults(), log);
        for (int port = 1; port <= 4; port++) {
            sw.addPort(port, NO_GROUP);
        }
        long now = T0;
        for (int port = 1; port <= 4; port++) {
            now = flood(sw, port, distinctRandomUnicastMacs(8_000, 100L + port), now);
        }
        assertEquals(16_384 - 4_096, sw.size(), "peers stop where local-mac-reserve=4096 begins");
        assertEquals(1, log.count("reserved for the local port (local-mac-reserve=4096"), log.lines.toString());
        flood(sw, LearningSwitch.LOCAL_PORT, distinctRandomUnicastMacs(5_000, 7L), now);
        assertEquals(4_096, sw.dynamicEntryCount(LearningSwitch.LOCAL_PORT), "the whole reserve is there");
        assertEquals(16_384, sw.size());
    }

    @Test
    void aFloodFromTheLocalLanLeavesHalfOfTheTableToThePeers() {
        LearningSwitch sw = new LearningSwitch(SwitchSettings.defaults(), new RecordingLogger());
        sw.addPort(1, NO_GROUP);
        long now = flood(sw, LearningSwitch.LOCAL_PORT, distinctRandomUnicastMacs(20_000, 5L), T0);
        assertEquals(8_192, sw.dynamicEntryCount(LearningSwitch.LOCAL_PORT));
        flood(sw, 1, distinctRandomUnicastMacs(8_192, 6L), now);
        assertEquals(8_192, sw.dynamicEntryCount(1));
    }

    @Test
    void localEntriesBeyondTheReserveAreSharedWithThePeers() {
        LearningSwitch sw = new LearningSwitch(
                SwitchSettings.builder().macTableLimit(100).perPortMacLimit(100).localMacReserve(10).build());
        sw.addPort(1, NO_GROUP);
        long now = flood(sw, LearningSwitch.LOCAL_PORT, distinctRandomUnicastMacs(30, 8L), T0);
        flood(sw, 1, distinctRandomUnicastMacs(100, 9L), now);
        assertEquals(70, sw.dynamicEntryCount(1), "30 local entries already cover the reserve of 10");
    }

    @Test
    void aMoveFromTheLocalPortToAPeerMayNotEatIntoTheReserve() {
        LearningSwitch sw = new LearningSwitch(
                SwitchSettings.builder().macTableLimit(10).perPortMacLimit(10).localMacReserve(2).build());
        sw.addPort(1, NO_GROUP);
        sw.forward(0, 0, A, UNKNOWN, T0);
        sw.forward(0, 0, B, UNKNOWN, T0);
        for (int i = 1; i <= 8; i++) {
            sw.forward(1, 0, Macs.mac(100 + i), UNKNOWN, T0);
        }
        assertEquals(10, sw.size());
        sw.forward(1, 0, A, UNKNOWN, T0 + 1);
        assertEquals(LearningSwitch.LOCAL_PORT, sw.forward(1, 0, Macs.mac(101), A, T0 + 2), "A stays local");
        assertEquals(1, sw.snapshot().limitHit(1));
    }
}
