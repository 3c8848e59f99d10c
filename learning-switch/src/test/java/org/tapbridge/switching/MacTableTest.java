package org.tapbridge.switching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class MacTableTest {
    private static final long SEED = 0x5EED_0F_7AB1EL;

    @Test
    void aConcurrentReadIsKeptOnlyWhenNoChangeOverlapsIt() {
        MacTable table = new MacTable(16, 4, SEED);
        long key = MacTable.key(7, 0x02_00_00_00_00_0AL);
        table.insert(~table.find(key), key, 3, false, 100);
        MacTable.EntryRead read = new MacTable.EntryRead();
        assertEquals(MacTable.FOUND, table.readConcurrently(key, read));
        assertEquals(3, read.port);
        assertEquals(100, read.lastSeenNs);

        long stamp = table.beginChange();
        try {
            read.port = -1;
            assertEquals(MacTable.UNSETTLED, table.readConcurrently(key, read));
            assertEquals(-1, read.port, "nothing read during the change is handed out");
        } finally {
            table.endChange(stamp);
        }
        assertEquals(MacTable.FOUND, table.readConcurrently(key, read));
        assertEquals(MacTable.ABSENT, table.readConcurrently(MacTable.key(8, 0x02_00_00_00_00_0AL), read));
    }

    @Test
    void capacityIsThePowerOfTwoAtLeastTwiceTheLimit() {
        assertEquals(32_768, new MacTable(16_384, 4, SEED).capacity());
        assertEquals(32_768, new MacTable(10_000, 4, SEED).capacity());
        assertEquals(16, new MacTable(1, 4, SEED).capacity());
        assertEquals(1 << 21, new MacTable(1 << 20, 4, SEED).capacity());
    }

    @Test
    void matchesAReferenceMapThroughRandomInsertsAndBackwardShiftDeletes() {
        // A tiny table with a small key space forces long probe runs, wrap-around and many shifts.
        MacTable table = new MacTable(60, 8, SEED);
        Map<Long, Integer> reference = new HashMap<>();
        SplittableRandom random = new SplittableRandom(1234);
        for (int step = 0; step < 200_000; step++) {
            long key = MacTable.key(random.nextInt(2), Macs.mac(1 + random.nextInt(100)));
            int slot = table.find(key);
            if (reference.containsKey(key)) {
                assertTrue(slot >= 0, "step " + step);
                assertEquals((int) reference.get(key), table.port(slot));
                if (random.nextBoolean()) {
                    table.removeAt(slot);
                    reference.remove(key);
                }
            } else {
                assertTrue(slot < 0, "step " + step);
                if (reference.size() < 60) {
                    int port = random.nextInt(8);
                    table.insert(~slot, key, port, false, step);
                    reference.put(key, port);
                }
            }
            assertEquals(reference.size(), table.size());
        }
        for (Map.Entry<Long, Integer> entry : reference.entrySet()) {
            assertEquals((int) entry.getValue(), table.port(table.find(entry.getKey())));
        }
    }

    @Test
    void keepsPerPortCountsOfDynamicEntriesOnly() {
        MacTable table = new MacTable(100, 4, SEED);
        table.insert(~table.find(1), 1, 2, false, 0);
        table.insert(~table.find(2), 2, 2, true, 0);
        table.insert(~table.find(3), 3, 3, false, 0);
        assertEquals(1, table.dynamicCount(2));
        table.move(table.find(1), 3, 5);
        assertEquals(0, table.dynamicCount(2));
        assertEquals(2, table.dynamicCount(3));
        table.makeStatic(table.find(3), 1);
        assertEquals(1, table.dynamicCount(3));
        table.removeAt(table.find(1));
        assertEquals(0, table.dynamicCount(3));
        assertEquals(2, table.size());
    }

    @Test
    void spreadsVendorPrefixedMacsEvenly() {
        MacTable table = new MacTable(16_384, 4, SEED);
        List<Long> keys = new ArrayList<>();
        // One vendor prefix, sequential serials: the worst case for a weak hash.
        for (int i = 0; i < 16_384; i++) {
            keys.add(0x00_1B_21_00_00_00L | i);
        }
        for (long key : keys) {
            table.insert(~table.find(key), key, 1, false, 0);
        }
        int longestProbe = table.maxProbeLength();
        assertTrue(longestProbe < 64, "longest probe run " + longestProbe);
    }
}
