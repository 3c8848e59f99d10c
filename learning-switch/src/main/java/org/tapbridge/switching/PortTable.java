package org.tapbridge.switching;

import java.util.Arrays;

/**
 * Which ports exist, their split-horizon groups, which are blocked as part of a loop, and the flood
 * list of each ingress port, precomputed on every change so that a flood costs no decisions. Switch thread.
 *
 * <p>Adding or removing a port rebuilds the lists (control path, allocates). Blocking or unblocking a
 * port happens on the data path, so it refills lists in place: each ingress port keeps one array per list
 * length, made the first time that length is needed and reused after that.
 */
final class PortTable {
    private static final int[] NO_PORTS = new int[0];

    private final boolean[] present;
    private final boolean[] blocked;
    private final int[] groups;
    /** Flood lists as if no port were blocked. */
    private final int[][] unblockedLists;
    /** What {@link #floodPorts} returns: the unblocked list, or a filtered copy while ports are blocked. */
    private final int[][] floodLists;
    /** Per ingress port, index = length: reusable arrays for filtered lists. */
    private final int[][][] listsByLength;
    private int blockedCount;

    PortTable(int maxPorts) {
        this.present = new boolean[maxPorts];
        this.blocked = new boolean[maxPorts];
        this.groups = new int[maxPorts];
        this.unblockedLists = new int[maxPorts][];
        this.floodLists = new int[maxPorts][];
        this.listsByLength = new int[maxPorts][][];
        Arrays.fill(unblockedLists, NO_PORTS);
        Arrays.fill(floodLists, NO_PORTS);
    }

    int maxPorts() {
        return present.length;
    }

    boolean isValidNumber(int port) {
        return port >= 0 && port < present.length;
    }

    boolean isPresent(int port) {
        return port >= 0 && port < present.length && present[port];
    }

    int group(int port) {
        return groups[port];
    }

    /** Split horizon: a frame from a port of group g > 0 never leaves through another port of g. */
    boolean mayForward(int ingressPort, int egressPort) {
        int group = groups[ingressPort];
        return ingressPort != egressPort && (group == LearningSwitch.NO_GROUP || group != groups[egressPort]);
    }

    /** Adds a port or changes its group. */
    void add(int port, int group) {
        present[port] = true;
        groups[port] = group;
        recomputeFloodLists();
    }

    /** Removes a port; it is unblocked too, so that it comes back forwarding. */
    void remove(int port) {
        present[port] = false;
        groups[port] = LearningSwitch.NO_GROUP;
        setBlockedFlag(port, false);
        recomputeFloodLists();
    }

    boolean isBlocked(int port) {
        return blocked[port];
    }

    /**
     * Blocks or unblocks a port: a blocked port leaves every flood list. Allocation-free once each
     * ingress port has met the resulting list length before.
     */
    void setBlocked(int port, boolean isBlocked) {
        if (blocked[port] != isBlocked) {
            setBlockedFlag(port, isBlocked);
            applyBlocks();
        }
    }

    private void setBlockedFlag(int port, boolean isBlocked) {
        if (blocked[port] != isBlocked) {
            blocked[port] = isBlocked;
            blockedCount += isBlocked ? 1 : -1;
        }
    }

    /** The egress ports of a flood from {@code ingressPort}; shared, must not be modified. */
    int[] floodPorts(int ingressPort) {
        return ingressPort >= 0 && ingressPort < floodLists.length ? floodLists[ingressPort] : NO_PORTS;
    }

    int[] presentPorts() {
        int count = 0;
        for (boolean isPresent : present) {
            count += isPresent ? 1 : 0;
        }
        int[] ports = new int[count];
        int at = 0;
        for (int port = 0; port < present.length; port++) {
            if (present[port]) {
                ports[at++] = port;
            }
        }
        return ports;
    }

    private void recomputeFloodLists() {
        int[] ports = presentPorts();
        Arrays.fill(unblockedLists, NO_PORTS);
        Arrays.fill(listsByLength, null);
        int[] scratch = new int[ports.length];
        for (int ingress : ports) {
            int count = 0;
            for (int egress : ports) {
                if (mayForward(ingress, egress)) {
                    scratch[count++] = egress;
                }
            }
            unblockedLists[ingress] = count == 0 ? NO_PORTS : Arrays.copyOf(scratch, count);
            listsByLength[ingress] = new int[count + 1][];
            listsByLength[ingress][0] = NO_PORTS;
            listsByLength[ingress][count] = unblockedLists[ingress];
        }
        applyBlocks();
    }

    private void applyBlocks() {
        for (int ingress = 0; ingress < present.length; ingress++) {
            int[] unblocked = unblockedLists[ingress];
            if (blockedCount == 0 || !present[ingress]) {
                floodLists[ingress] = unblocked;
                continue;
            }
            int count = 0;
            for (int egress : unblocked) {
                count += blocked[egress] ? 0 : 1;
            }
            int[] list = listsByLength[ingress][count];
            if (list == null) {
                list = new int[count];
                listsByLength[ingress][count] = list;
            }
            if (list != unblocked) {
                int at = 0;
                for (int egress : unblocked) {
                    if (!blocked[egress]) {
                        list[at++] = egress;
                    }
                }
            }
            floodLists[ingress] = list;
        }
    }
}
