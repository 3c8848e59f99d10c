package org.tapbridge.switching;

/**
 * Which ports exist, their split-horizon groups, and the flood list of each ingress port,
 * precomputed on every change so that a flood costs no decisions. Switch thread.
 */
final class PortTable {
    private static final int[] NO_PORTS = new int[0];

    private final boolean[] present;
    private final int[] groups;
    private final int[][] floodLists;

    PortTable(int maxPorts) {
        this.present = new boolean[maxPorts];
        this.groups = new int[maxPorts];
        this.floodLists = new int[maxPorts][];
        java.util.Arrays.fill(floodLists, NO_PORTS);
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

    void remove(int port) {
        present[port] = false;
        groups[port] = LearningSwitch.NO_GROUP;
        recomputeFloodLists();
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
        java.util.Arrays.fill(floodLists, NO_PORTS);
        int[] scratch = new int[ports.length];
        for (int ingress : ports) {
            int count = 0;
            for (int egress : ports) {
                if (mayForward(ingress, egress)) {
                    scratch[count++] = egress;
                }
            }
            floodLists[ingress] = count == 0 ? NO_PORTS : java.util.Arrays.copyOf(scratch, count);
        }
    }
}
