package org.tapbridge.link;

import org.tapbridge.drops.DropReason;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Drops that cannot be charged to a known peer (garbage from unknown senders, bad versions), by reason.
 * Written by the link receive threads; several may write, so increments are atomic.
 */
public final class LinkCounters {
    private final AtomicLongArray drops = new AtomicLongArray(DropReason.COUNT);

    public void dropped(int reason) {
        drops.incrementAndGet(reason);
    }

    public long drops(int reason) {
        return drops.get(reason);
    }

    public long totalDrops() {
        long sum = 0;
        for (int i = 0; i < DropReason.COUNT; i++) {
            sum += drops.get(i);
        }
        return sum;
    }
}
