package org.tapbridge.switching;

import org.tapbridge.drops.DropReason;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Plain {@code long} counters per port, written only by the data-path thread; {@link #snapshot} copies
 * them there for the control path. Frame counters count by ingress port; learning counters by the
 * port the MAC was learned on (aged: the port it was on).
 */
public final class SwitchCounters {
    public static final int FRAMES_IN = 0;
    /** Known unicast sent to one port. */
    public static final int FORWARDED = 1;
    public static final int FLOODED = 2;
    public static final int LEARNED = 3;
    public static final int AGED = 4;
    public static final int MOVED = 5;
    /** Moves refused by damping. */
    public static final int FLAPPED = 6;
    /** Table or per-port limit reached: the MAC was not learned (or not moved). */
    public static final int LIMIT_HIT = 7;
    /** A static MAC was seen on another port than configured; it did not move. */
    public static final int STATIC_CONFLICT = 8;
    /** Times the port was blocked because MAC flapping charged to it looked like a loop. */
    public static final int LOOP_BLOCKS = 9;
    /** Number of counters besides drops. */
    public static final int COUNT = 10;

    private static final String[] NAMES = {
        "frames-in", "forwarded", "flooded", "learned", "aged", "moved", "flapped", "limit-hit", "static-conflict",
        "loop-blocks",
    };

    // One row per port; 32 longs (4 cache lines) so a row never shares a line with the next port.
    private static final int DROP_BASE = COUNT;
    private static final int ROW_SHIFT = 5;

    private final long[] values;
    private final int maxPorts;
    private long unknownIngressFrames;

    SwitchCounters(int maxPorts) {
        this.maxPorts = maxPorts;
        this.values = new long[maxPorts << ROW_SHIFT];
    }

    /** Takes over {@code other}'s values for the ports both have: a rebuilt switch keeps counting on. */
    void copyFrom(SwitchCounters other) {
        int ports = Math.min(maxPorts, other.maxPorts);
        System.arraycopy(other.values, 0, values, 0, ports << ROW_SHIFT);
        unknownIngressFrames = other.unknownIngressFrames;
    }

    /** Adds {@code other}'s values to these: a switch's own counters and its lanes', summed for a report. */
    void add(SwitchCounters other) {
        int length = Math.min(values.length, other.values.length);
        for (int i = 0; i < length; i++) {
            values[i] += other.values[i];
        }
        unknownIngressFrames += other.unknownIngressFrames;
    }

    /** Zeroes one port's row: a port number given to a new peer starts from nothing. */
    void clearPort(int port) {
        java.util.Arrays.fill(values, port << ROW_SHIFT, (port + 1) << ROW_SHIFT, 0L);
    }

    /** A kebab-case name for a counter index, e.g. {@code limit-hit}. */
    public static String name(int counter) {
        return counter >= 0 && counter < COUNT ? NAMES[counter] : "unknown-" + counter;
    }

    void increment(int port, int counter) {
        values[(port << ROW_SHIFT) + counter]++;
    }

    void incrementDropped(int port, int reason) {
        values[(port << ROW_SHIFT) + DROP_BASE + reason]++;
    }

    void incrementUnknownIngress() {
        unknownIngressFrames++;
    }

    /** Live value; read on the data-path thread only. */
    public long value(int port, int counter) {
        return values[(port << ROW_SHIFT) + counter];
    }

    /** Live value; read on the data-path thread only. */
    public long dropped(int port, int reason) {
        return values[(port << ROW_SHIFT) + DROP_BASE + reason];
    }

    /** Frames from port numbers that were never added or out of range; live, data-path thread only. */
    public long unknownIngressFrames() {
        return unknownIngressFrames;
    }

    public int maxPorts() {
        return maxPorts;
    }

    /**
     * Copies all counters. Call on the data-path thread: the copy is then consistent (no frame is half
     * counted) and may be read by any thread. Rows are included for {@code presentPorts} and for any
     * other port with a nonzero counter.
     */
    public Snapshot snapshot(int[] presentPorts) {
        boolean[] include = new boolean[maxPorts];
        for (int port : presentPorts) {
            include[port] = true;
        }
        int count = 0;
        for (int port = 0; port < maxPorts; port++) {
            if (!include[port]) {
                int base = port << ROW_SHIFT;
                for (int i = 0; i < COUNT + DropReason.SWITCH_COUNT; i++) {
                    if (values[base + i] != 0) {
                        include[port] = true;
                        break;
                    }
                }
            }
            count += include[port] ? 1 : 0;
        }
        int[] ports = new int[count];
        long[][] rows = new long[count][];
        int at = 0;
        for (int port = 0; port < maxPorts; port++) {
            if (include[port]) {
                ports[at] = port;
                int base = port << ROW_SHIFT;
                rows[at] = Arrays.copyOfRange(values, base, base + COUNT + DropReason.SWITCH_COUNT);
                at++;
            }
        }
        return new Snapshot(ports, rows, unknownIngressFrames);
    }

    /** An immutable copy of all counters; any thread. */
    public static final class Snapshot {
        private final int[] ports;
        private final long[][] rows;
        private final long unknownIngressFrames;

        Snapshot(int[] ports, long[][] rows, long unknownIngressFrames) {
            this.ports = ports;
            this.rows = rows;
            this.unknownIngressFrames = unknownIngressFrames;
        }

        /** Port numbers with a row, ascending. */
        public int[] ports() {
            return ports.clone();
        }

        private long[] row(int port) {
            int index = Arrays.binarySearch(ports, port);
            return index >= 0 ? rows[index] : null;
        }

        /** A counter of one port; 0 for ports without a row. */
        public long value(int port, int counter) {
            if (counter < 0 || counter >= COUNT) {
                throw new IllegalArgumentException("counter " + counter + " is not in 0.." + (COUNT - 1));
            }
            long[] row = row(port);
            return row == null ? 0 : row[counter];
        }

        /** Drops of one port for one {@link DropReason}. */
        public long dropped(int port, int reason) {
            if (reason < 0 || reason >= DropReason.SWITCH_COUNT) {
                throw new IllegalArgumentException("drop reason " + reason + " is not in 0.." + (DropReason.SWITCH_COUNT - 1));
            }
            long[] row = row(port);
            return row == null ? 0 : row[DROP_BASE + reason];
        }

        /** All drops of one port. */
        public long dropped(int port) {
            long[] row = row(port);
            long sum = 0;
            if (row != null) {
                for (int reason = 0; reason < DropReason.SWITCH_COUNT; reason++) {
                    sum += row[DROP_BASE + reason];
                }
            }
            return sum;
        }

        public long framesIn(int port) {
            return value(port, FRAMES_IN);
        }

        public long forwarded(int port) {
            return value(port, FORWARDED);
        }

        public long flooded(int port) {
            return value(port, FLOODED);
        }

        public long learned(int port) {
            return value(port, LEARNED);
        }

        public long aged(int port) {
            return value(port, AGED);
        }

        public long moved(int port) {
            return value(port, MOVED);
        }

        public long flapped(int port) {
            return value(port, FLAPPED);
        }

        public long limitHit(int port) {
            return value(port, LIMIT_HIT);
        }

        public long loopBlocks(int port) {
            return value(port, LOOP_BLOCKS);
        }

        /** A counter summed over all ports. */
        public long total(int counter) {
            long sum = 0;
            for (int port : ports) {
                sum += value(port, counter);
            }
            return sum;
        }

        /** Drops for one reason summed over all ports (unknown-ingress frames included for that reason). */
        public long totalDropped(int reason) {
            long sum = reason == DropReason.UNKNOWN_INGRESS_PORT ? unknownIngressFrames : 0;
            for (int port : ports) {
                sum += dropped(port, reason);
            }
            return sum;
        }

        /** All drops, including frames from unknown ingress ports. */
        public long totalDropped() {
            long sum = 0;
            for (int reason = 0; reason < DropReason.SWITCH_COUNT; reason++) {
                sum += totalDropped(reason);
            }
            return sum;
        }

        public long unknownIngressFrames() {
            return unknownIngressFrames;
        }

        /**
         * Flat named values for the control protocol: {@code total.frames-in},
         * {@code total.dropped.link-local}, {@code port.3.flooded}, {@code port.3.dropped.same-port}.
         * Zero drop reasons of a port are left out to keep the output short.
         */
        public Map<String, Long> toMap() {
            Map<String, Long> map = new LinkedHashMap<>();
            for (int counter = 0; counter < COUNT; counter++) {
                map.put("total." + name(counter), total(counter));
            }
            map.put("total.dropped", totalDropped());
            for (int reason = 1; reason < DropReason.SWITCH_COUNT; reason++) {
                map.put("total.dropped." + DropReason.name(reason), totalDropped(reason));
            }
            for (int port : ports) {
                String prefix = "port." + port + ".";
                for (int counter = 0; counter < COUNT; counter++) {
                    map.put(prefix + name(counter), value(port, counter));
                }
                map.put(prefix + "dropped", dropped(port));
                for (int reason = 1; reason < DropReason.SWITCH_COUNT; reason++) {
                    long value = dropped(port, reason);
                    if (value != 0) {
                        map.put(prefix + "dropped." + DropReason.name(reason), value);
                    }
                }
            }
            return map;
        }

        /** One line per non-zero value, for operators. */
        @Override
        public String toString() {
            StringBuilder text = new StringBuilder();
            for (Map.Entry<String, Long> entry : toMap().entrySet()) {
                if (entry.getValue() != 0) {
                    text.append(entry.getKey()).append(' ').append(entry.getValue()).append('\n');
                }
            }
            return text.toString();
        }
    }
}
