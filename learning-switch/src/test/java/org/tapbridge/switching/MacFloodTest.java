package org.tapbridge.switching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.switching.LearningSwitch.LOCAL_PORT;
import static org.tapbridge.switching.LearningSwitch.MESH_GROUP;
import static org.tapbridge.switching.Macs.BROADCAST;
import static org.tapbridge.switching.Macs.T0;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.tapbridge.drops.DropReason;

/**
 * Issue 11, defect 4: one LAN host sends a million random source MACs towards random absent destinations
 * at gigabit line rate; the table stays within the local port's share, the flood reaching the WAN is cut
 * to the unknown-unicast rate, and the other hosts' traffic keeps flowing, in both directions.
 */
class MacFloodTest {
    private static final long H1 = 0x02_00_00_00_01_01L;
    private static final long H2 = 0x02_00_00_00_01_02L;
    private static final long R1 = 0x02_00_00_00_02_01L;
    private static final long R2 = 0x02_00_00_00_03_01L;
    private static final long R3 = 0x02_00_00_00_03_03L;
    /** Minimum-size frames at 1 Gbit/s: 1 488 095 a second. */
    private static final long FRAME_GAP_NS = 672;

    @Test
    void aMillionRandomSourcesFromOneLanHostLeaveTheOtherHostsTrafficFlowing() {
        LearningSwitch sw = new LearningSwitch(SwitchSettings.defaults(), new RecordingLogger(), 11);
        sw.addPort(1, MESH_GROUP);
        sw.addPort(2, MESH_GROUP);
        long now = T0;
        sw.forward(LOCAL_PORT, 0, H1, BROADCAST, now);
        sw.forward(LOCAL_PORT, 0, H2, BROADCAST, now);
        sw.forward(1, 0, R1, BROADCAST, now);
        sw.forward(2, 0, R2, BROADCAST, now);

        SplittableRandom random = new SplittableRandom(20_261_130L);
        int floodFrames = 1_000_000;
        int wrongTurns = 0;
        int legitimate = 0;
        long floodsFromTheFlooder = 0;
        for (int i = 0; i < floodFrames; i++) {
            now += FRAME_GAP_NS;
            long source = (random.nextLong() & 0xFE_FF_FF_FF_FF_FFL) | 0x02_00_00_00_00_00L;
            long destination = (random.nextLong() & 0xFE_FF_FF_FF_FF_FFL) | 0x02_00_00_00_00_00L;
            floodsFromTheFlooder += sw.forward(LOCAL_PORT, 0, source, destination, now) == LearningSwitch.FLOOD ? 1 : 0;
            if (i % 100 == 0) {
                legitimate += 4;
                wrongTurns += sw.forward(LOCAL_PORT, 0, H1, R1, now) == 1 ? 0 : 1;
                wrongTurns += sw.forward(1, 0, R1, H1, now) == LOCAL_PORT ? 0 : 1;
                wrongTurns += sw.forward(2, 0, R2, H2, now) == LOCAL_PORT ? 0 : 1;
                wrongTurns += sw.forward(LOCAL_PORT, 0, H2, R2, now) == 2 ? 0 : 1;
            }
            if (i == floodFrames / 2) {
                sw.forward(2, 0, R3, BROADCAST, now);
            }
            if ((i & 0xFFFF) == 0) {
                sw.tick(now);
            }
        }
        assertEquals(0, wrongTurns, "of " + legitimate + " frames between the other hosts");
        assertEquals(SwitchSettings.DEFAULT_MAC_TABLE_LIMIT / 2, sw.dynamicEntryCount(LOCAL_PORT));
        assertEquals(2, sw.forward(LOCAL_PORT, 0, H1, R3, now), "a peer's new host was learned mid-flood");
        double seconds = (now - T0) / 1e9;
        long allowed = SwitchSettings.DEFAULT_UNKNOWN_UNICAST_BURST
                + (long) (seconds * SwitchSettings.DEFAULT_UNKNOWN_UNICAST_PPS) + 1;
        assertTrue(floodsFromTheFlooder <= allowed, floodsFromTheFlooder + " floods > " + allowed);
        SwitchCounters.Snapshot counters = sw.snapshot();
        System.out.printf("MAC flood: %d frames in %.2f s (simulated), local entries %d, table %d, floods to the"
                        + " WAN %d, unknown-unicast drops %d, limit hits %d, frames between other hosts %d, wrong %d%n",
                floodFrames, seconds, sw.dynamicEntryCount(LOCAL_PORT), sw.size(), floodsFromTheFlooder,
                counters.dropped(LOCAL_PORT, DropReason.UNKNOWN_UNICAST_LIMIT), counters.limitHit(LOCAL_PORT),
                legitimate, wrongTurns);
    }
}
