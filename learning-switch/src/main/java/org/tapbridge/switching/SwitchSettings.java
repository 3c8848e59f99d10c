package org.tapbridge.switching;

import java.util.concurrent.TimeUnit;

/**
 * Immutable, validated settings of one {@link LearningSwitch}; build with {@link #builder()}.
 * Keys are the TOML spellings. Any thread; validate before any thread starts.
 */
public final class SwitchSettings {
    public static final String KEY_MAC_AGING_SECONDS = "mac-aging-seconds";
    public static final String KEY_MAC_TABLE_LIMIT = "mac-table-limit";
    public static final String KEY_PER_PORT_MAC_LIMIT = "per-port-mac-limit";
    public static final String KEY_MOVE_DAMPING_MS = "move-damping-ms";
    public static final String KEY_FORWARD_STP = "forward-stp";
    public static final String KEY_STORM_CONTROL_PPS = "storm-control-pps";
    public static final String KEY_STORM_CONTROL_BURST = "storm-control-burst";
    public static final String KEY_MAX_PORTS = "max-ports";
    public static final String KEY_LOCAL_MAC_RESERVE = "local-mac-reserve";
    public static final String KEY_UNKNOWN_UNICAST_PPS = "unknown-unicast-pps";
    public static final String KEY_UNKNOWN_UNICAST_BURST = "unknown-unicast-burst";
    public static final String KEY_LOOP_FLAPS_PER_SECOND = "loop-flaps-per-second";
    public static final String KEY_LOOP_BLOCK_SECONDS = "loop-block-seconds";
    public static final String KEY_LOOP_BLOCK_MAX_SECONDS = "loop-block-max-seconds";
    public static final String KEY_ARP_SUPPRESSION = "arp-suppression";
    public static final String KEY_NEIGHBOR_TABLE_LIMIT = "neighbor-table-limit";
    public static final String KEY_NEIGHBOR_AGING_SECONDS = "neighbor-aging-seconds";

    /** IEEE 802.1D default: long enough that quiet hosts are not flooded to, short enough to follow moves. */
    public static final int DEFAULT_MAC_AGING_SECONDS = 300;
    /** Room for a few thousand hosts per site across a few sites, in about 1 MiB of table. */
    public static final int DEFAULT_MAC_TABLE_LIMIT = 16_384;
    /** A real move is rare; a second of damping stops a loop from re-learning a MAC thousands of times. */
    public static final int DEFAULT_MOVE_DAMPING_MS = 1_000;
    /** STP must not run across the WAN unless the operator asks for it: a slow link would block ports. */
    public static final boolean DEFAULT_FORWARD_STP = false;
    /**
     * A healthy LAN of a few hundred hosts sends well under 500 broadcast+multicast frames a second
     * (ARP, ND, mDNS, SSDP). 2000/s leaves ample headroom, yet caps a storm from a site loop at about
     * 24 Mbit/s of full-size frames per port, which a WAN link survives.
     */
    public static final int DEFAULT_STORM_CONTROL_PPS = 2_000;
    /** Half a second at the default rate: absorbs the re-ARP burst after a link comes back. */
    public static final int DEFAULT_STORM_CONTROL_BURST = 1_000;
    /** One local TAP plus a large mesh of peers; each port costs a flood array and a counter row. */
    public static final int DEFAULT_MAX_PORTS = 256;
    /**
     * Unless set, one port may fill half of the table: a MAC flood from one site (or from the local LAN)
     * then leaves the other half to everyone else, while one large site still fits. The divisor.
     */
    public static final int DEFAULT_PER_PORT_SHARE_DIVISOR = 2;
    /**
     * Unless set, a quarter of the table (at most the per-port limit) is held back for the local port:
     * peers flooding MACs together can never take the slots the site's own LAN needs. 4096 of the default
     * 16384 covers a /20 of local hosts. The divisor.
     */
    public static final int DEFAULT_LOCAL_RESERVE_DIVISOR = 4;
    /**
     * A learned LAN floods unknown unicast only for the first packets of a flow, after aging, and towards
     * a receiver that never sends (syslog or NetFlow collectors, static ARP): 10000 frames a second per port
     * carries such one-way flows of about 120 Mbit/s of full-size frames, yet keeps a host that sprays
     * random destinations from multiplying line rate onto every WAN link.
     */
    public static final int DEFAULT_UNKNOWN_UNICAST_PPS = 10_000;
    /** One second at the default rate: the burst of a busy flow whose destination just aged out. */
    public static final int DEFAULT_UNKNOWN_UNICAST_BURST = 10_000;
    /**
     * Refused moves (flaps) charged to one port within one second that mean a loop. A host that really
     * moves flaps a few times at most (stale frames from its old place); a loop makes every frame of every
     * looping MAC flap, hundreds to thousands a second.
     */
    public static final int DEFAULT_LOOP_FLAPS_PER_SECOND = 50;
    /** The first block of a looping port: long enough to stop the storm, short enough to heal unaided. */
    public static final int DEFAULT_LOOP_BLOCK_SECONDS = 10;
    /** The back-off doubles per repeat up to this; a loop that persists is then retried every ~5 min. */
    public static final int DEFAULT_LOOP_BLOCK_MAX_SECONDS = 320;

    /** Off unless asked for: answering for remote hosts is a policy an operator should choose knowingly. */
    public static final boolean DEFAULT_ARP_SUPPRESSION = false;
    /** IP bindings per site are about the MAC count (one or two addresses per host): a quarter of the MAC default. */
    public static final int DEFAULT_NEIGHBOR_TABLE_LIMIT = 4_096;
    /**
     * Like the MAC aging: a binding is refreshed only by the host's own ARP/ND traffic, so a host that went
     * away is answered for at most this long, as a host's own ARP cache would (Linux keeps stale entries longer).
     */
    public static final int DEFAULT_NEIGHBOR_AGING_SECONDS = 300;
    public static final int MAX_NEIGHBOR_TABLE_LIMIT = 1 << 20;

    /** About 11.5 days; longer aging would keep dead stations for ever. */
    public static final int MAX_MAC_AGING_SECONDS = 1_000_000;
    /** 2^20 entries already need a 2^21-slot table (about 80 MiB). */
    public static final int MAX_MAC_TABLE_LIMIT = 1 << 20;
    public static final int MAX_MOVE_DAMPING_MS = 60_000;
    public static final int MAX_STORM_CONTROL_PPS = 100_000_000;
    public static final int MAX_STORM_CONTROL_BURST = 1_000_000;
    /** Ports are stored in 16 bits of a table entry; 4096 keeps flood arrays small. */
    public static final int MAX_PORTS = 4_096;
    public static final int MAX_UNKNOWN_UNICAST_PPS = 100_000_000;
    public static final int MAX_UNKNOWN_UNICAST_BURST = 1_000_000;
    public static final int MAX_LOOP_FLAPS_PER_SECOND = 1_000_000;
    /** One day: a longer block is better done by removing the peer. */
    public static final int MAX_LOOP_BLOCK_SECONDS = 86_400;

    private final int macAgingSeconds;
    private final int macTableLimit;
    private final int perPortMacLimit;
    private final int moveDampingMillis;
    private final boolean forwardStpBpdus;
    private final int stormControlPacketsPerSecond;
    private final int stormControlBurst;
    private final int maxPorts;
    private final int localMacReserve;
    private final int unknownUnicastPacketsPerSecond;
    private final int unknownUnicastBurst;
    private final int loopFlapsPerSecond;
    private final int loopBlockSeconds;
    private final int loopBlockMaxSeconds;
    private final boolean arpSuppression;
    private final int neighborTableLimit;
    private final int neighborAgingSeconds;
    // Whether the two derived limits were given, so that toBuilder() keeps following the table otherwise.
    private final boolean perPortMacLimitSet;
    private final boolean localMacReserveSet;

    private SwitchSettings(Builder builder) {
        this.macAgingSeconds = builder.macAgingSeconds;
        this.macTableLimit = builder.macTableLimit;
        this.perPortMacLimitSet = builder.perPortMacLimitSet;
        this.perPortMacLimit = builder.perPortMacLimitSet ? builder.perPortMacLimit
                : defaultPerPortMacLimit(builder.macTableLimit);
        this.localMacReserveSet = builder.localMacReserveSet;
        this.localMacReserve = builder.localMacReserveSet ? builder.localMacReserve
                : defaultLocalMacReserve(builder.macTableLimit, perPortMacLimit);
        this.unknownUnicastPacketsPerSecond = builder.unknownUnicastPacketsPerSecond;
        this.unknownUnicastBurst = builder.unknownUnicastBurst;
        this.loopFlapsPerSecond = builder.loopFlapsPerSecond;
        this.loopBlockSeconds = builder.loopBlockSeconds;
        this.loopBlockMaxSeconds = builder.loopBlockMaxSeconds;
        this.moveDampingMillis = builder.moveDampingMillis;
        this.forwardStpBpdus = builder.forwardStpBpdus;
        this.stormControlPacketsPerSecond = builder.stormControlPacketsPerSecond;
        this.stormControlBurst = builder.stormControlBurst;
        this.maxPorts = builder.maxPorts;
        this.arpSuppression = builder.arpSuppression;
        this.neighborTableLimit = builder.neighborTableLimit;
        this.neighborAgingSeconds = builder.neighborAgingSeconds;
        validate();
    }

    /** Half the table, rounded up so that a one-entry table still learns. */
    static int defaultPerPortMacLimit(int macTableLimit) {
        return Math.max(1, (macTableLimit + DEFAULT_PER_PORT_SHARE_DIVISOR - 1) / DEFAULT_PER_PORT_SHARE_DIVISOR);
    }

    /** A quarter of the table, never more than the local port may hold nor all of the table. */
    static int defaultLocalMacReserve(int macTableLimit, int perPortMacLimit) {
        return Math.max(0, Math.min(Math.min(macTableLimit / DEFAULT_LOCAL_RESERVE_DIVISOR, perPortMacLimit),
                macTableLimit - 1));
    }

    public static SwitchSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these values, to override a few. */
    public Builder toBuilder() {
        Builder builder = new Builder()
                .macAgingSeconds(macAgingSeconds)
                .macTableLimit(macTableLimit)
                .moveDampingMillis(moveDampingMillis)
                .forwardStpBpdus(forwardStpBpdus)
                .stormControlPacketsPerSecond(stormControlPacketsPerSecond)
                .stormControlBurst(stormControlBurst)
                .maxPorts(maxPorts)
                .unknownUnicastPacketsPerSecond(unknownUnicastPacketsPerSecond)
                .unknownUnicastBurst(unknownUnicastBurst)
                .loopFlapsPerSecond(loopFlapsPerSecond)
                .loopBlockSeconds(loopBlockSeconds)
                .loopBlockMaxSeconds(loopBlockMaxSeconds)
                .arpSuppression(arpSuppression)
                .neighborTableLimit(neighborTableLimit)
                .neighborAgingSeconds(neighborAgingSeconds);
        if (perPortMacLimitSet) {
            builder.perPortMacLimit(perPortMacLimit);
        }
        if (localMacReserveSet) {
            builder.localMacReserve(localMacReserve);
        }
        return builder;
    }

    private void validate() {
        check(KEY_MAC_AGING_SECONDS, macAgingSeconds, 1, MAX_MAC_AGING_SECONDS);
        check(KEY_MAC_TABLE_LIMIT, macTableLimit, 1, MAX_MAC_TABLE_LIMIT);
        check(KEY_PER_PORT_MAC_LIMIT, perPortMacLimit, 1, Integer.MAX_VALUE);
        if (perPortMacLimit > macTableLimit) {
            throw new IllegalArgumentException(KEY_PER_PORT_MAC_LIMIT + "=" + perPortMacLimit + " > "
                    + KEY_MAC_TABLE_LIMIT + "=" + macTableLimit);
        }
        check(KEY_MOVE_DAMPING_MS, moveDampingMillis, 0, MAX_MOVE_DAMPING_MS);
        check(KEY_STORM_CONTROL_PPS, stormControlPacketsPerSecond, 0, MAX_STORM_CONTROL_PPS);
        check(KEY_STORM_CONTROL_BURST, stormControlBurst, stormControlPacketsPerSecond == 0 ? 0 : 1,
                MAX_STORM_CONTROL_BURST);
        check(KEY_MAX_PORTS, maxPorts, 1, MAX_PORTS);
        check(KEY_LOCAL_MAC_RESERVE, localMacReserve, 0, Integer.MAX_VALUE);
        if (localMacReserve > perPortMacLimit) {
            throw new IllegalArgumentException(KEY_LOCAL_MAC_RESERVE + "=" + localMacReserve + " > "
                    + KEY_PER_PORT_MAC_LIMIT + "=" + perPortMacLimit);
        }
        if (localMacReserve >= macTableLimit) {
            throw new IllegalArgumentException(KEY_LOCAL_MAC_RESERVE + "=" + localMacReserve + " >= "
                    + KEY_MAC_TABLE_LIMIT + "=" + macTableLimit + ", which leaves peers no room");
        }
        check(KEY_UNKNOWN_UNICAST_PPS, unknownUnicastPacketsPerSecond, 0, MAX_UNKNOWN_UNICAST_PPS);
        check(KEY_UNKNOWN_UNICAST_BURST, unknownUnicastBurst, unknownUnicastPacketsPerSecond == 0 ? 0 : 1,
                MAX_UNKNOWN_UNICAST_BURST);
        check(KEY_LOOP_FLAPS_PER_SECOND, loopFlapsPerSecond, 0, MAX_LOOP_FLAPS_PER_SECOND);
        check(KEY_LOOP_BLOCK_SECONDS, loopBlockSeconds, 1, MAX_LOOP_BLOCK_SECONDS);
        check(KEY_LOOP_BLOCK_MAX_SECONDS, loopBlockMaxSeconds, 1, MAX_LOOP_BLOCK_SECONDS);
        if (loopBlockMaxSeconds < loopBlockSeconds) {
            throw new IllegalArgumentException(KEY_LOOP_BLOCK_MAX_SECONDS + "=" + loopBlockMaxSeconds + " < "
                    + KEY_LOOP_BLOCK_SECONDS + "=" + loopBlockSeconds);
        }
        check(KEY_NEIGHBOR_TABLE_LIMIT, neighborTableLimit, 1, MAX_NEIGHBOR_TABLE_LIMIT);
        check(KEY_NEIGHBOR_AGING_SECONDS, neighborAgingSeconds, 1, MAX_MAC_AGING_SECONDS);
    }

    private static void check(String key, long value, long min, long max) {
        if (value < min) {
            throw new IllegalArgumentException(key + "=" + value + " < " + min);
        }
        if (value > max) {
            throw new IllegalArgumentException(key + "=" + value + " > " + max);
        }
    }

    public int macAgingSeconds() {
        return macAgingSeconds;
    }

    public long macAgingNanos() {
        return TimeUnit.SECONDS.toNanos(macAgingSeconds);
    }

    public int macTableLimit() {
        return macTableLimit;
    }

    public int perPortMacLimit() {
        return perPortMacLimit;
    }

    public int moveDampingMillis() {
        return moveDampingMillis;
    }

    public long moveDampingNanos() {
        return TimeUnit.MILLISECONDS.toNanos(moveDampingMillis);
    }

    public boolean forwardStpBpdus() {
        return forwardStpBpdus;
    }

    /** Broadcast+multicast frames per second per ingress port; 0 turns storm control off. */
    public int stormControlPacketsPerSecond() {
        return stormControlPacketsPerSecond;
    }

    public int stormControlBurst() {
        return stormControlBurst;
    }

    public boolean stormControlEnabled() {
        return stormControlPacketsPerSecond > 0;
    }

    /** Valid port numbers are 0 to maxPorts - 1. */
    public int maxPorts() {
        return maxPorts;
    }

    /** Dynamic entries held back for the local port; peers never learn into them. */
    public int localMacReserve() {
        return localMacReserve;
    }

    /** Unknown-unicast frames per second per ingress port; 0 turns the limit off. */
    public int unknownUnicastPacketsPerSecond() {
        return unknownUnicastPacketsPerSecond;
    }

    public int unknownUnicastBurst() {
        return unknownUnicastBurst;
    }

    /** Flaps charged to one port within a second that block it as a loop; 0 turns loop blocking off. */
    public int loopFlapsPerSecond() {
        return loopFlapsPerSecond;
    }

    public long loopBlockNanos() {
        return TimeUnit.SECONDS.toNanos(loopBlockSeconds);
    }

    public int loopBlockSeconds() {
        return loopBlockSeconds;
    }

    public long loopBlockMaxNanos() {
        return TimeUnit.SECONDS.toNanos(loopBlockMaxSeconds);
    }

    public int loopBlockMaxSeconds() {
        return loopBlockMaxSeconds;
    }

    /** Whether ARP requests and neighbour solicitations for hosts at other sites are answered locally. */
    public boolean arpSuppression() {
        return arpSuppression;
    }

    /** The most IP-to-MAC bindings the neighbour table holds; one port may fill half of it. */
    public int neighborTableLimit() {
        return neighborTableLimit;
    }

    public int neighborAgingSeconds() {
        return neighborAgingSeconds;
    }

    public long neighborAgingNanos() {
        return TimeUnit.SECONDS.toNanos(neighborAgingSeconds);
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof SwitchSettings)) {
            return false;
        }
        SwitchSettings that = (SwitchSettings) other;
        return macAgingSeconds == that.macAgingSeconds && macTableLimit == that.macTableLimit
                && perPortMacLimit == that.perPortMacLimit && moveDampingMillis == that.moveDampingMillis
                && forwardStpBpdus == that.forwardStpBpdus
                && stormControlPacketsPerSecond == that.stormControlPacketsPerSecond
                && stormControlBurst == that.stormControlBurst && maxPorts == that.maxPorts
                && localMacReserve == that.localMacReserve
                && unknownUnicastPacketsPerSecond == that.unknownUnicastPacketsPerSecond
                && unknownUnicastBurst == that.unknownUnicastBurst && loopFlapsPerSecond == that.loopFlapsPerSecond
                && loopBlockSeconds == that.loopBlockSeconds && loopBlockMaxSeconds == that.loopBlockMaxSeconds
                && arpSuppression == that.arpSuppression && neighborTableLimit == that.neighborTableLimit
                && neighborAgingSeconds == that.neighborAgingSeconds;
    }

    @Override
    public int hashCode() {
        int hash = macAgingSeconds;
        hash = 31 * hash + macTableLimit;
        hash = 31 * hash + perPortMacLimit;
        hash = 31 * hash + moveDampingMillis;
        hash = 31 * hash + (forwardStpBpdus ? 1 : 0);
        hash = 31 * hash + stormControlPacketsPerSecond;
        hash = 31 * hash + stormControlBurst;
        hash = 31 * hash + maxPorts;
        hash = 31 * hash + localMacReserve;
        hash = 31 * hash + unknownUnicastPacketsPerSecond;
        hash = 31 * hash + unknownUnicastBurst;
        hash = 31 * hash + loopFlapsPerSecond;
        hash = 31 * hash + loopBlockSeconds;
        hash = 31 * hash + loopBlockMaxSeconds;
        hash = 31 * hash + (arpSuppression ? 1 : 0);
        hash = 31 * hash + neighborTableLimit;
        return 31 * hash + neighborAgingSeconds;
    }

    @Override
    public String toString() {
        return KEY_MAC_AGING_SECONDS + "=" + macAgingSeconds
                + " " + KEY_MAC_TABLE_LIMIT + "=" + macTableLimit
                + " " + KEY_PER_PORT_MAC_LIMIT + "=" + perPortMacLimit
                + " " + KEY_MOVE_DAMPING_MS + "=" + moveDampingMillis
                + " " + KEY_FORWARD_STP + "=" + forwardStpBpdus
                + " " + KEY_STORM_CONTROL_PPS + "=" + stormControlPacketsPerSecond
                + " " + KEY_STORM_CONTROL_BURST + "=" + stormControlBurst
                + " " + KEY_MAX_PORTS + "=" + maxPorts
                + " " + KEY_LOCAL_MAC_RESERVE + "=" + localMacReserve
                + " " + KEY_UNKNOWN_UNICAST_PPS + "=" + unknownUnicastPacketsPerSecond
                + " " + KEY_UNKNOWN_UNICAST_BURST + "=" + unknownUnicastBurst
                + " " + KEY_LOOP_FLAPS_PER_SECOND + "=" + loopFlapsPerSecond
                + " " + KEY_LOOP_BLOCK_SECONDS + "=" + loopBlockSeconds
                + " " + KEY_LOOP_BLOCK_MAX_SECONDS + "=" + loopBlockMaxSeconds
                + " " + KEY_ARP_SUPPRESSION + "=" + arpSuppression
                + " " + KEY_NEIGHBOR_TABLE_LIMIT + "=" + neighborTableLimit
                + " " + KEY_NEIGHBOR_AGING_SECONDS + "=" + neighborAgingSeconds;
    }

    /** Collects overrides; {@link #build()} validates. Not thread-safe. */
    public static final class Builder {
        private int macAgingSeconds = DEFAULT_MAC_AGING_SECONDS;
        private int macTableLimit = DEFAULT_MAC_TABLE_LIMIT;
        private int perPortMacLimit;
        private boolean perPortMacLimitSet;
        private int moveDampingMillis = DEFAULT_MOVE_DAMPING_MS;
        private boolean forwardStpBpdus = DEFAULT_FORWARD_STP;
        private int stormControlPacketsPerSecond = DEFAULT_STORM_CONTROL_PPS;
        private int stormControlBurst = DEFAULT_STORM_CONTROL_BURST;
        private int maxPorts = DEFAULT_MAX_PORTS;
        private int localMacReserve;
        private boolean localMacReserveSet;
        private int unknownUnicastPacketsPerSecond = DEFAULT_UNKNOWN_UNICAST_PPS;
        private int unknownUnicastBurst = DEFAULT_UNKNOWN_UNICAST_BURST;
        private int loopFlapsPerSecond = DEFAULT_LOOP_FLAPS_PER_SECOND;
        private int loopBlockSeconds = DEFAULT_LOOP_BLOCK_SECONDS;
        private int loopBlockMaxSeconds = DEFAULT_LOOP_BLOCK_MAX_SECONDS;
        private boolean arpSuppression = DEFAULT_ARP_SUPPRESSION;
        private int neighborTableLimit = DEFAULT_NEIGHBOR_TABLE_LIMIT;
        private int neighborAgingSeconds = DEFAULT_NEIGHBOR_AGING_SECONDS;

        private Builder() {
        }

        public Builder macAgingSeconds(int seconds) {
            this.macAgingSeconds = seconds;
            return this;
        }

        public Builder macTableLimit(int entries) {
            this.macTableLimit = entries;
            return this;
        }

        /** Unless set, the per-port limit is half of {@link #macTableLimit} (rounded up). */
        public Builder perPortMacLimit(int entries) {
            this.perPortMacLimit = entries;
            this.perPortMacLimitSet = true;
            return this;
        }

        public Builder moveDampingMillis(int millis) {
            this.moveDampingMillis = millis;
            return this;
        }

        public Builder forwardStpBpdus(boolean forward) {
            this.forwardStpBpdus = forward;
            return this;
        }

        public Builder stormControlPacketsPerSecond(int packetsPerSecond) {
            this.stormControlPacketsPerSecond = packetsPerSecond;
            return this;
        }

        public Builder stormControlBurst(int packets) {
            this.stormControlBurst = packets;
            return this;
        }

        public Builder maxPorts(int ports) {
            this.maxPorts = ports;
            return this;
        }

        /** Unless set, a quarter of {@link #macTableLimit}, at most the per-port limit; 0 reserves nothing. */
        public Builder localMacReserve(int entries) {
            this.localMacReserve = entries;
            this.localMacReserveSet = true;
            return this;
        }

        public Builder unknownUnicastPacketsPerSecond(int packetsPerSecond) {
            this.unknownUnicastPacketsPerSecond = packetsPerSecond;
            return this;
        }

        public Builder unknownUnicastBurst(int packets) {
            this.unknownUnicastBurst = packets;
            return this;
        }

        public Builder loopFlapsPerSecond(int flaps) {
            this.loopFlapsPerSecond = flaps;
            return this;
        }

        public Builder loopBlockSeconds(int seconds) {
            this.loopBlockSeconds = seconds;
            return this;
        }

        public Builder loopBlockMaxSeconds(int seconds) {
            this.loopBlockMaxSeconds = seconds;
            return this;
        }

        public Builder arpSuppression(boolean suppress) {
            this.arpSuppression = suppress;
            return this;
        }

        public Builder neighborTableLimit(int bindings) {
            this.neighborTableLimit = bindings;
            return this;
        }

        public Builder neighborAgingSeconds(int seconds) {
            this.neighborAgingSeconds = seconds;
            return this;
        }

        /**
         * Sets a numeric setting by its TOML key, for configuration loaders.
         *
         * @throws IllegalArgumentException for an unknown key or a value outside the int range
         */
        public Builder set(String key, long value) {
            if (KEY_FORWARD_STP.equals(key) || KEY_ARP_SUPPRESSION.equals(key)) {
                throw new IllegalArgumentException(key + " is a boolean: use true or false");
            }
            if (value > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(key + "=" + value + " > " + Integer.MAX_VALUE);
            }
            if (value < Integer.MIN_VALUE) {
                throw new IllegalArgumentException(key + "=" + value + " < " + Integer.MIN_VALUE);
            }
            int number = (int) value;
            switch (key == null ? "" : key) {
                case KEY_MAC_AGING_SECONDS:
                    return macAgingSeconds(number);
                case KEY_MAC_TABLE_LIMIT:
                    return macTableLimit(number);
                case KEY_PER_PORT_MAC_LIMIT:
                    return perPortMacLimit(number);
                case KEY_MOVE_DAMPING_MS:
                    return moveDampingMillis(number);
                case KEY_STORM_CONTROL_PPS:
                    return stormControlPacketsPerSecond(number);
                case KEY_STORM_CONTROL_BURST:
                    return stormControlBurst(number);
                case KEY_MAX_PORTS:
                    return maxPorts(number);
                case KEY_LOCAL_MAC_RESERVE:
                    return localMacReserve(number);
                case KEY_UNKNOWN_UNICAST_PPS:
                    return unknownUnicastPacketsPerSecond(number);
                case KEY_UNKNOWN_UNICAST_BURST:
                    return unknownUnicastBurst(number);
                case KEY_LOOP_FLAPS_PER_SECOND:
                    return loopFlapsPerSecond(number);
                case KEY_LOOP_BLOCK_SECONDS:
                    return loopBlockSeconds(number);
                case KEY_LOOP_BLOCK_MAX_SECONDS:
                    return loopBlockMaxSeconds(number);
                case KEY_NEIGHBOR_TABLE_LIMIT:
                    return neighborTableLimit(number);
                case KEY_NEIGHBOR_AGING_SECONDS:
                    return neighborAgingSeconds(number);
                default:
                    throw new IllegalArgumentException("unknown switch setting \"" + key + "\"; known: "
                            + String.join(", ", KEY_MAC_AGING_SECONDS, KEY_MAC_TABLE_LIMIT, KEY_PER_PORT_MAC_LIMIT,
                            KEY_MOVE_DAMPING_MS, KEY_FORWARD_STP, KEY_STORM_CONTROL_PPS,
                            KEY_STORM_CONTROL_BURST, KEY_MAX_PORTS, KEY_LOCAL_MAC_RESERVE, KEY_UNKNOWN_UNICAST_PPS,
                            KEY_UNKNOWN_UNICAST_BURST, KEY_LOOP_FLAPS_PER_SECOND, KEY_LOOP_BLOCK_SECONDS,
                            KEY_LOOP_BLOCK_MAX_SECONDS, KEY_ARP_SUPPRESSION, KEY_NEIGHBOR_TABLE_LIMIT,
                            KEY_NEIGHBOR_AGING_SECONDS));
            }
        }

        /** @throws IllegalArgumentException naming the key and the limit, e.g. {@code mac-table-limit=0 < 1} */
        public SwitchSettings build() {
            return new SwitchSettings(this);
        }
    }
}
