package org.tapbridge.neighbor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Plain {@code long} counters of ARP/ND suppression, written only by the data-path thread; {@link #toMap}
 * copies them there for the control path.
 */
public final class NeighborCounters {
    /** A new binding entered the table. */
    public static final int LEARNED = 0;
    /** A binding changed MAC (a repeated claim won) or port (the host moved to another site). */
    public static final int MOVED = 1;
    public static final int AGED = 2;
    /** A claim for an address bound to another MAC. */
    public static final int CONFLICTS = 3;
    /** Not learned: the table or the port's share of it was full. */
    public static final int LIMIT_HIT = 4;
    /** Valid messages that bind nothing: probes, DAD, no link-layer option, advertisements without override. */
    public static final int NOT_LEARNED = 5;
    /** ARP requests from the TAP answered from the table instead of flooded. */
    public static final int ARP_ANSWERED = 6;
    /** Neighbour solicitations from the TAP answered from the table instead of flooded. */
    public static final int ND_ANSWERED = 7;
    /** Requests from the TAP for an address not bound (or in conflict, or not answerable yet): flooded. */
    public static final int REQUESTS_FLOODED = 8;
    /** Requests from the TAP for a host on the local LAN: left to that host. */
    public static final int REQUESTS_LOCAL_TARGET = 9;
    /** Broadcast ARP requests and multicast solicitations that arrived from a peer: those that crossed the WAN. */
    public static final int REQUESTS_FROM_PEERS = 10;
    /** Dropped: ARP for IPv4 over Ethernet with wrong lengths, operation, or a truncated packet. */
    public static final int DROPPED_MALFORMED_ARP = 11;
    /** Dropped: NS/NA with a bad code, length, target, option, or flags. */
    public static final int DROPPED_MALFORMED_ND = 12;
    /** Dropped: NS/NA whose ICMPv6 checksum does not verify. */
    public static final int DROPPED_BAD_CHECKSUM = 13;
    /** Dropped: NS/NA with a hop limit other than 255 (it crossed a router, or was forged off-link). */
    public static final int DROPPED_BAD_HOP_LIMIT = 14;
    /** Dropped: a zero or multicast sender MAC, or a multicast, broadcast or loopback sender address. */
    public static final int DROPPED_INVALID_SENDER = 15;
    public static final int COUNT = 16;

    private static final String[] NAMES = {
        "learned", "moved", "aged", "conflicts", "limit-hit", "not-learned", "arp-answered", "nd-answered",
        "requests-flooded", "requests-local-target", "requests-from-peers", "dropped-malformed-arp",
        "dropped-malformed-nd", "dropped-bad-checksum", "dropped-bad-hop-limit", "dropped-invalid-sender",
    };

    private final long[] values = new long[COUNT];

    public static String name(int counter) {
        return counter >= 0 && counter < COUNT ? NAMES[counter] : "unknown-" + counter;
    }

    void increment(int counter) {
        values[counter]++;
    }

    /** Live value; data-path thread only. */
    public long value(int counter) {
        return values[counter];
    }

    /** All drops of bogus ARP/ND. */
    public long dropped() {
        long sum = 0;
        for (int c = DROPPED_MALFORMED_ARP; c <= DROPPED_INVALID_SENDER; c++) {
            sum += values[c];
        }
        return sum;
    }

    /** A copy by name, in counter order. Call on the data-path thread; allocates. */
    public Map<String, Long> toMap() {
        Map<String, Long> map = new LinkedHashMap<>();
        for (int c = 0; c < COUNT; c++) {
            map.put(NAMES[c], values[c]);
        }
        return map;
    }
}
