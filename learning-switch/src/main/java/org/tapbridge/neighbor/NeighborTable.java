package org.tapbridge.neighbor;

/**
 * Open-addressing hash map (VLAN, IP address) → binding on one primitive array, fixed capacity, linear
 * probing with backward-shift deletion. Storage only; policy lives in {@link NeighborSuppressor}. Data-path thread.
 *
 * <p>An address is 128 bits in two longs; IPv4 is stored IPv4-mapped ({@code ::ffff:a.b.c.d}), so the
 * families never collide. Each slot is eight longs, one cache line:
 * <pre>
 * +----------+----------+-------------------------------+-----+------------+------------+------------+----------+
 * | ip high  | ip low   | meta: used|flags|vlan&lt;&lt;16|port | mac | lastSeenNs | challenger | conflictNs | claims   |
 * +----------+----------+-------------------------------+-----+------------+------------+------------+----------+
 * </pre>
 * {@code claims} holds the challenger's repeated claims (low 32 bits) and the moves (high 32 bits).
 */
final class NeighborTable {
    static final long IPV4_MAPPED_PREFIX = 0x0000_FFFF_0000_0000L;

    static final long FLAG_ROUTER_KNOWN = 1L << 32;
    static final long FLAG_ROUTER = 1L << 33;
    static final long FLAG_CONFLICT_SEEN = 1L << 34;
    private static final long USED = 1L << 40;
    private static final long PORT_MASK = 0xFFFFL;
    private static final int VLAN_SHIFT = 16;
    private static final long VLAN_MASK = 0xFFFL;

    private static final int STRIDE_SHIFT = 3;
    private static final int HIGH = 0;
    private static final int LOW = 1;
    private static final int META = 2;
    private static final int MAC = 3;
    private static final int LAST_SEEN = 4;
    private static final int CHALLENGER = 5;
    private static final int CONFLICT = 6;
    private static final int CLAIMS = 7;

    private final long[] slots;
    private final int[] countByPort;
    private final int mask;
    private final long seed;
    private int size;

    /**
     * @param limit the most bindings ever stored; capacity is the power of two at least twice that
     * @param maxPorts ports are 0 to maxPorts - 1
     * @param seed places keys; random per process so senders cannot choose colliding addresses
     */
    NeighborTable(int limit, int maxPorts, long seed) {
        int capacity = Integer.highestOneBit(Math.max(8, limit) * 2 - 1) << 1;
        this.slots = new long[capacity << STRIDE_SHIFT];
        this.countByPort = new int[maxPorts];
        this.mask = capacity - 1;
        this.seed = seed;
    }

    static long ipv4Low(int ip) {
        return IPV4_MAPPED_PREFIX | (ip & 0xFFFF_FFFFL);
    }

    static boolean isIpv4(long high, long low) {
        return high == 0 && (low & 0xFFFF_FFFF_0000_0000L) == IPV4_MAPPED_PREFIX;
    }

    private static long mix(long value) {
        long h = value;
        h ^= h >>> 33;
        h *= 0xFF51_AFD7_ED55_8CCDL;
        h ^= h >>> 33;
        h *= 0xC4CE_B9FE_1A85_EC53L;
        h ^= h >>> 33;
        return h;
    }

    private int home(int vlan, long high, long low) {
        return (int) mix(mix(high ^ seed) ^ low ^ ((long) vlan << 52)) & mask;
    }

    /** The slot holding the key, or {@code ~slot} of the empty slot where it would be inserted. */
    int find(int vlan, long high, long low) {
        int slot = home(vlan, high, low);
        while (true) {
            int base = slot << STRIDE_SHIFT;
            long meta = slots[base + META];
            if (meta == 0) {
                return ~slot;
            }
            if (slots[base + LOW] == low && slots[base + HIGH] == high && vlanOfMeta(meta) == vlan) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
    }

    void insert(int emptySlot, int vlan, long high, long low, long mac, int port, long flags, long nowNs) {
        int base = emptySlot << STRIDE_SHIFT;
        slots[base + HIGH] = high;
        slots[base + LOW] = low;
        slots[base + META] = USED | flags | (long) vlan << VLAN_SHIFT | port;
        slots[base + MAC] = mac;
        slots[base + LAST_SEEN] = nowNs;
        slots[base + CHALLENGER] = 0;
        slots[base + CONFLICT] = 0;
        slots[base + CLAIMS] = 0;
        countByPort[port]++;
        size++;
    }

    /** Empties a slot and shifts the rest of its probe run back, so no tombstones are needed. */
    void removeAt(int slot) {
        countByPort[port(slot)]--;
        size--;
        int hole = slot;
        int next = slot;
        while (true) {
            next = (next + 1) & mask;
            int base = next << STRIDE_SHIFT;
            long meta = slots[base + META];
            if (meta == 0) {
                break;
            }
            int home = home(vlanOfMeta(meta), slots[base + HIGH], slots[base + LOW]);
            if (((next - home) & mask) >= ((next - hole) & mask)) {
                System.arraycopy(slots, base, slots, hole << STRIDE_SHIFT, 1 << STRIDE_SHIFT);
                hole = next;
            }
        }
        java.util.Arrays.fill(slots, hole << STRIDE_SHIFT, (hole + 1) << STRIDE_SHIFT, 0L);
    }

    private static int vlanOfMeta(long meta) {
        return (int) (meta >>> VLAN_SHIFT & VLAN_MASK);
    }

    boolean isOccupied(int slot) {
        return slots[(slot << STRIDE_SHIFT) + META] != 0;
    }

    long high(int slot) {
        return slots[(slot << STRIDE_SHIFT) + HIGH];
    }

    long low(int slot) {
        return slots[(slot << STRIDE_SHIFT) + LOW];
    }

    int vlan(int slot) {
        return vlanOfMeta(slots[(slot << STRIDE_SHIFT) + META]);
    }

    int port(int slot) {
        return (int) (slots[(slot << STRIDE_SHIFT) + META] & PORT_MASK);
    }

    boolean hasFlag(int slot, long flag) {
        return (slots[(slot << STRIDE_SHIFT) + META] & flag) != 0;
    }

    void setFlags(int slot, long flags, boolean on) {
        int at = (slot << STRIDE_SHIFT) + META;
        slots[at] = on ? slots[at] | flags : slots[at] & ~flags;
    }

    long mac(int slot) {
        return slots[(slot << STRIDE_SHIFT) + MAC];
    }

    long lastSeenNs(int slot) {
        return slots[(slot << STRIDE_SHIFT) + LAST_SEEN];
    }

    void touch(int slot, long nowNs) {
        slots[(slot << STRIDE_SHIFT) + LAST_SEEN] = nowNs;
    }

    long challenger(int slot) {
        return slots[(slot << STRIDE_SHIFT) + CHALLENGER];
    }

    int challengerClaims(int slot) {
        return (int) slots[(slot << STRIDE_SHIFT) + CLAIMS];
    }

    int moves(int slot) {
        return (int) (slots[(slot << STRIDE_SHIFT) + CLAIMS] >>> 32);
    }

    long conflictNs(int slot) {
        return slots[(slot << STRIDE_SHIFT) + CONFLICT];
    }

    /** Records a claim by another MAC: the same challenger counts up, a new one starts at 1. Returns the count. */
    int challenge(int slot, long mac, long nowNs) {
        int base = slot << STRIDE_SHIFT;
        int claims = slots[base + CHALLENGER] == mac ? challengerClaims(slot) + 1 : 1;
        slots[base + CHALLENGER] = mac;
        slots[base + CLAIMS] = (slots[base + CLAIMS] & 0xFFFF_FFFF_0000_0000L) | (claims & 0xFFFF_FFFFL);
        slots[base + CONFLICT] = nowNs;
        slots[base + META] |= FLAG_CONFLICT_SEEN;
        return claims;
    }

    /** The owner spoke again: a challenger has to start its run of claims over. */
    void clearChallenger(int slot) {
        int base = slot << STRIDE_SHIFT;
        slots[base + CHALLENGER] = 0;
        slots[base + CLAIMS] &= 0xFFFF_FFFF_0000_0000L;
    }

    /** Re-binds the address to another MAC and/or port, counting the move and clearing the challenger. */
    void move(int slot, long mac, int port, long flags, long nowNs) {
        int base = slot << STRIDE_SHIFT;
        long meta = slots[base + META];
        countByPort[(int) (meta & PORT_MASK)]--;
        countByPort[port]++;
        long kept = meta & (USED | FLAG_CONFLICT_SEEN | VLAN_MASK << VLAN_SHIFT);
        slots[base + META] = kept | flags | port;
        slots[base + MAC] = mac;
        slots[base + LAST_SEEN] = nowNs;
        slots[base + CHALLENGER] = 0;
        int moves = moves(slot);
        slots[base + CLAIMS] = (long) (moves == Integer.MAX_VALUE ? moves : moves + 1) << 32;
    }

    int count(int port) {
        return countByPort[port];
    }

    int size() {
        return size;
    }

    int capacity() {
        return mask + 1;
    }
}
