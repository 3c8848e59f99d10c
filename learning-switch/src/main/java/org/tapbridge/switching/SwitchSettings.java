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

    /** About 11.5 days; longer aging would keep dead stations for ever. */
    public static final int MAX_MAC_AGING_SECONDS = 1_000_000;
    /** 2^20 entries already need a 2^21-slot table (about 80 MiB). */
    public static final int MAX_MAC_TABLE_LIMIT = 1 << 20;
    public static final int MAX_MOVE_DAMPING_MS = 60_000;
    public static final int MAX_STORM_CONTROL_PPS = 100_000_000;
    public static final int MAX_STORM_CONTROL_BURST = 1_000_000;
    /** Ports are stored in 16 bits of a table entry; 4096 keeps flood arrays small. */
    public static final int MAX_PORTS = 4_096;

    private final int macAgingSeconds;
    private final int macTableLimit;
    private final int perPortMacLimit;
    private final int moveDampingMillis;
    private final boolean forwardStpBpdus;
    private final int stormControlPacketsPerSecond;
    private final int stormControlBurst;
    private final int maxPorts;

    private SwitchSettings(Builder builder) {
        this.macAgingSeconds = builder.macAgingSeconds;
        this.macTableLimit = builder.macTableLimit;
        this.perPortMacLimit = builder.perPortMacLimitSet ? builder.perPortMacLimit : builder.macTableLimit;
        this.moveDampingMillis = builder.moveDampingMillis;
        this.forwardStpBpdus = builder.forwardStpBpdus;
        this.stormControlPacketsPerSecond = builder.stormControlPacketsPerSecond;
        this.stormControlBurst = builder.stormControlBurst;
        this.maxPorts = builder.maxPorts;
        validate();
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
                .maxPorts(maxPorts);
        if (perPortMacLimit != macTableLimit) {
            builder.perPortMacLimit(perPortMacLimit);
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
                && stormControlBurst == that.stormControlBurst && maxPorts == that.maxPorts;
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
        return 31 * hash + maxPorts;
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
                + " " + KEY_MAX_PORTS + "=" + maxPorts;
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

        /** Unless set, the per-port limit follows {@link #macTableLimit}. */
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

        /**
         * Sets a numeric setting by its TOML key, for configuration loaders.
         *
         * @throws IllegalArgumentException for an unknown key or a value outside the int range
         */
        public Builder set(String key, long value) {
            if (KEY_FORWARD_STP.equals(key)) {
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
                default:
                    throw new IllegalArgumentException("unknown switch setting \"" + key + "\"; known: "
                            + String.join(", ", KEY_MAC_AGING_SECONDS, KEY_MAC_TABLE_LIMIT, KEY_PER_PORT_MAC_LIMIT,
                            KEY_MOVE_DAMPING_MS, KEY_FORWARD_STP, KEY_STORM_CONTROL_PPS,
                            KEY_STORM_CONTROL_BURST, KEY_MAX_PORTS));
            }
        }

        /** @throws IllegalArgumentException naming the key and the limit, e.g. {@code mac-table-limit=0 < 1} */
        public SwitchSettings build() {
            return new SwitchSettings(this);
        }
    }
}
