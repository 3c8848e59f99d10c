package org.tapbridge.switching;

import java.util.List;

import org.tapbridge.ethernet.MacAddress;

/**
 * One row of a MAC table dump, copied for the control path; immutable, any thread.
 *
 * @param vlan the VLAN ID, 0 for untagged
 * @param mac the 48-bit MAC address
 * @param port the port the MAC was learned or configured on
 * @param ageMillis time since the MAC was last seen (0 for static entries)
 * @param isStatic true for configured entries, which never age or move
 * @param moveCount accepted moves to another port
 * @param flapCount moves refused by damping: a rising count points at a loop
 */
public record MacTableEntry(int vlan, long mac, int port, long ageMillis, boolean isStatic, int moveCount,
                            int flapCount) {

    /** Column titles matching {@link #toString()}. */
    public static final String HEADER = String.format("%-5s %-17s %5s %10s %-7s %6s %6s",
            "VLAN", "MAC", "PORT", "AGE-MS", "TYPE", "MOVES", "FLAPS");

    /** A header line and one line per entry, as operator commands print a dump. */
    public static String format(List<MacTableEntry> entries) {
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        for (MacTableEntry entry : entries) {
            text.append(entry).append('\n');
        }
        return text.toString();
    }

    public String macText() {
        return MacAddress.format(mac);
    }

    /** One aligned line for operators. */
    @Override
    public String toString() {
        return String.format("%-5d %-17s %5d %10d %-7s %6d %6d", vlan, macText(), port, ageMillis,
                isStatic ? "static" : "dynamic", moveCount, flapCount);
    }
}
