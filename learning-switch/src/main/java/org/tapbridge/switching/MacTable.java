package org.tapbridge.switching;

import java.util.concurrent.locks.StampedLock;

/**
 * Open-addressing hash map (VLAN, MAC) → port on primitive arrays, fixed capacity, linear probing
 * with backward-shift deletion. Holds storage only; policy lives in {@link LearningSwitch}. One thread
 * writes it (the switch's owner); other data-path loops may look entries up at the same time through
 * {@link #readConcurrently}, which validates what it read against a {@link StampedLock} that every change
 * of a slot's key or port takes for writing, so a reader never acts on a key paired with another entry's
 * port (a backward shift moves entries while it runs). Refreshing an entry's last-seen time takes no lock:
 * that word stands alone, and a reader that sees the old or the new value decides correctly either way.
 *
 * <p>Each slot is four longs, so a lookup touches one cache line:
 * <pre>
 * +--------------------+--------------------+--------------------+--------------------+
 * | key: vlan&lt;&lt;48|mac  | lastSeenNs         | meta: static|port  | lastMoveNs         |
 * +--------------------+--------------------+--------------------+--------------------+
 * </pre>
 * Key 0 (VLAN 0, MAC 00:00:00:00:00:00) marks an empty slot; that MAC is never stored.
 *
 * <p>Home slots come from a per-table secret seed mixed into the key before the finalizer: without it,
 * anyone who knows the hash can choose MACs that share one home slot and turn every lookup into a scan
 * of a long probe run.
 */
final class MacTable {
    /** What {@link #readConcurrently} found: {@link #FOUND}, {@link #ABSENT}, or {@link #UNSETTLED}. */
    static final int FOUND = 1;
    static final int ABSENT = 0;
    /** The writer kept changing the table during every attempt: treat the key as unknown (flood). */
    static final int UNSETTLED = -1;
    /** The owner's changes take tens of nanoseconds: this many overlapping in a row means a flood of changes. */
    private static final int READ_ATTEMPTS = 64;

    private static final int STRIDE_SHIFT = 2;
    private static final int KEY = 0;
    private static final int LAST_SEEN = 1;
    private static final int META = 2;
    private static final int LAST_MOVE = 3;
    private static final long EMPTY = 0L;
    private static final long PORT_MASK = 0xFFFFL;
    private static final long STATIC_BIT = 1L << 16;
    private static final long MAC_MASK = 0xFFFF_FFFF_FFFFL;

    private final long[] slots;
    // Touched only on moves and flaps, so kept out of the lookup cache line.
    private final int[] moveCounts;
    private final int[] flapCounts;
    private final int[] dynamicCountByPort;
    private final int mask;
    private final long seed;
    private final StampedLock changes = new StampedLock();
    private int size;

    /**
     * @param limit the most entries ever stored; capacity is the power of two at least twice that,
     *     so probe sequences stay short and always end at an empty slot
     * @param maxPorts ports are 0 to maxPorts - 1
     * @param seed the secret that places keys; random per process, fixed in tests
     */
    MacTable(int limit, int maxPorts, long seed) {
        int capacity = Integer.highestOneBit(Math.max(8, limit) * 2 - 1) << 1;
        this.slots = new long[capacity << STRIDE_SHIFT];
        this.moveCounts = new int[capacity];
        this.flapCounts = new int[capacity];
        this.dynamicCountByPort = new int[maxPorts];
        this.mask = capacity - 1;
        this.seed = seed;
    }

    static long key(int vlan, long mac) {
        return (long) vlan << 48 | mac;
    }

    static int vlanOf(long key) {
        return (int) (key >>> 48);
    }

    static long macOf(long key) {
        return key & MAC_MASK;
    }

    /** MurmurHash3's 64-bit finalizer: MACs share vendor prefixes, so their low bits alone cluster. */
    static long mix(long key) {
        long h = key;
        h ^= h >>> 33;
        h *= 0xFF51_AFD7_ED55_8CCDL;
        h ^= h >>> 33;
        h *= 0xC4CE_B9FE_1A85_EC53L;
        h ^= h >>> 33;
        return h;
    }

    /**
     * XOR with the seed, then the finalizer's avalanche: every bit of the seed reaches every bit of the
     * home slot, so a set of keys chosen to collide under one seed is spread out under another. Not a
     * keyed PRF, but the table's layout is never shown to the senders who choose the MACs.
     */
    private int home(long key) {
        return (int) mix(key ^ seed) & mask;
    }

    /** Slots between an occupied slot and its home slot: 0 when the entry sits at home. */
    int probeLength(int slot) {
        return (slot - home(keyAt(slot))) & mask;
    }

    /** The longest probe of any stored entry: what the slowest lookup of a stored key costs. */
    int maxProbeLength() {
        int longest = 0;
        for (int slot = 0; slot <= mask; slot++) {
            if (isOccupied(slot)) {
                longest = Math.max(longest, probeLength(slot));
            }
        }
        return longest;
    }

    /** The slot holding {@code key}, or {@code ~slot} of the empty slot where it would be inserted. */
    int find(long key) {
        int slot = home(key);
        while (true) {
            long found = slots[slot << STRIDE_SHIFT];
            if (found == key) {
                return slot;
            }
            if (found == EMPTY) {
                return ~slot;
            }
            slot = (slot + 1) & mask;
        }
    }

    /** Stores a new entry in the empty slot returned (complemented) by {@link #find}. */
    void insert(int emptySlot, long key, int port, boolean isStatic, long nowNs) {
        long stamp = beginChange();
        try {
            int base = emptySlot << STRIDE_SHIFT;
            slots[base + KEY] = key;
            slots[base + LAST_SEEN] = nowNs;
            slots[base + META] = (isStatic ? STATIC_BIT : 0) | port;
            slots[base + LAST_MOVE] = 0;
            moveCounts[emptySlot] = 0;
            flapCounts[emptySlot] = 0;
            if (!isStatic) {
                dynamicCountByPort[port]++;
            }
            size++;
        } finally {
            endChange(stamp);
        }
    }

    /** Empties a slot and shifts the rest of its probe run back, so no tombstones are needed. */
    void removeAt(int slot) {
        long stamp = beginChange();
        try {
            int base = slot << STRIDE_SHIFT;
            if ((slots[base + META] & STATIC_BIT) == 0) {
                dynamicCountByPort[port(slot)]--;
            }
            size--;
            int hole = slot;
            int next = slot;
            while (true) {
                next = (next + 1) & mask;
                long key = slots[next << STRIDE_SHIFT];
                if (key == EMPTY) {
                    break;
                }
                int home = home(key);
                // The entry may fill the hole only if its home is not after the hole on its probe path.
                if (((next - home) & mask) >= ((next - hole) & mask)) {
                    copy(next, hole);
                    hole = next;
                }
            }
            int holeBase = hole << STRIDE_SHIFT;
            slots[holeBase + KEY] = EMPTY;
            slots[holeBase + LAST_SEEN] = 0;
            slots[holeBase + META] = 0;
            slots[holeBase + LAST_MOVE] = 0;
            moveCounts[hole] = 0;
            flapCounts[hole] = 0;
        } finally {
            endChange(stamp);
        }
    }

    /** Marks a change of keys or ports as under way: concurrent reads overlapping it are not kept. */
    long beginChange() {
        return changes.writeLock();
    }

    void endChange(long stamp) {
        changes.unlockWrite(stamp);
    }

    private void copy(int from, int to) {
        System.arraycopy(slots, from << STRIDE_SHIFT, slots, to << STRIDE_SHIFT, 1 << STRIDE_SHIFT);
        moveCounts[to] = moveCounts[from];
        flapCounts[to] = flapCounts[from];
    }

    /**
     * Looks {@code key} up from a thread that does not write this table, filling {@code into} with the
     * entry's port, kind and last-seen time when found. Never blocks the writer and never allocates: each
     * attempt reads optimistically and is kept only if no key or port changed meanwhile.
     *
     * @return {@link #FOUND}, {@link #ABSENT}, or {@link #UNSETTLED} when every attempt overlapped a change
     */
    int readConcurrently(long key, EntryRead into) {
        for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
            long stamp = changes.tryOptimisticRead();
            if (stamp == 0) {
                Thread.onSpinWait();
                continue;
            }
            int slot = home(key);
            int found = ABSENT;
            long meta = 0;
            long lastSeen = 0;
            // Bounded: a torn view may lack the empty slot that ends every probe run of a settled table.
            for (int probes = 0; probes <= mask; probes++) {
                long stored = slots[slot << STRIDE_SHIFT];
                if (stored == key) {
                    meta = slots[(slot << STRIDE_SHIFT) + META];
                    lastSeen = slots[(slot << STRIDE_SHIFT) + LAST_SEEN];
                    found = FOUND;
                    break;
                }
                if (stored == EMPTY) {
                    break;
                }
                slot = (slot + 1) & mask;
            }
            if (changes.validate(stamp)) {
                into.port = (int) (meta & PORT_MASK);
                into.isStatic = (meta & STATIC_BIT) != 0;
                into.lastSeenNs = lastSeen;
                return found;
            }
            Thread.onSpinWait();
        }
        return UNSETTLED;
    }

    /** One entry as {@link #readConcurrently} saw it; owned by the reading thread and reused. */
    static final class EntryRead {
        int port;
        boolean isStatic;
        long lastSeenNs;
    }

    boolean isOccupied(int slot) {
        return slots[slot << STRIDE_SHIFT] != EMPTY;
    }

    long keyAt(int slot) {
        return slots[slot << STRIDE_SHIFT];
    }

    int port(int slot) {
        return (int) (slots[(slot << STRIDE_SHIFT) + META] & PORT_MASK);
    }

    boolean isStatic(int slot) {
        return (slots[(slot << STRIDE_SHIFT) + META] & STATIC_BIT) != 0;
    }

    long lastSeenNs(int slot) {
        return slots[(slot << STRIDE_SHIFT) + LAST_SEEN];
    }

    void touch(int slot, long nowNs) {
        slots[(slot << STRIDE_SHIFT) + LAST_SEEN] = nowNs;
    }

    long lastMoveNs(int slot) {
        return slots[(slot << STRIDE_SHIFT) + LAST_MOVE];
    }

    int moveCount(int slot) {
        return moveCounts[slot];
    }

    int flapCount(int slot) {
        return flapCounts[slot];
    }

    void recordFlap(int slot) {
        if (flapCounts[slot] != Integer.MAX_VALUE) {
            flapCounts[slot]++;
        }
    }

    /** Re-homes a dynamic entry on another port, counting the move. */
    void move(int slot, int port, long nowNs) {
        long stamp = beginChange();
        try {
            int base = slot << STRIDE_SHIFT;
            dynamicCountByPort[port(slot)]--;
            dynamicCountByPort[port]++;
            slots[base + META] = port;
            slots[base + LAST_SEEN] = nowNs;
            slots[base + LAST_MOVE] = nowNs;
            if (moveCounts[slot] != Integer.MAX_VALUE) {
                moveCounts[slot]++;
            }
        } finally {
            endChange(stamp);
        }
    }

    /** Turns an entry static on a port (or re-points a static one); static entries keep no port count. */
    void makeStatic(int slot, int port) {
        long stamp = beginChange();
        try {
            int base = slot << STRIDE_SHIFT;
            if ((slots[base + META] & STATIC_BIT) == 0) {
                dynamicCountByPort[port(slot)]--;
            }
            slots[base + META] = STATIC_BIT | port;
        } finally {
            endChange(stamp);
        }
    }

    /**
     * Stores a copy of {@code other}'s entry at {@code slot} (key, times, port, kind, move and flap counts):
     * a switch rebuilt with new limits keeps what it knew. The key must not be present here yet.
     */
    void copyEntry(MacTable other, int slot) {
        long key = other.keyAt(slot);
        int empty = ~find(key);
        insert(empty, key, other.port(slot), other.isStatic(slot), other.lastSeenNs(slot));
        slots[(empty << STRIDE_SHIFT) + LAST_MOVE] = other.lastMoveNs(slot);
        moveCounts[empty] = other.moveCounts[slot];
        flapCounts[empty] = other.flapCounts[slot];
    }

    long seed() {
        return seed;
    }

    int dynamicCount(int port) {
        return dynamicCountByPort[port];
    }

    int size() {
        return size;
    }

    int capacity() {
        return mask + 1;
    }
}
