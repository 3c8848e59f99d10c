package org.tapbridge.switching;

/** Why {@link LearningSwitch#forward} returned {@link LearningSwitch#DROP}. Constants only. */
public final class DropReason {
    /** The last frame was not dropped. */
    public static final int NONE = 0;
    /** The frame view did not wrap cleanly (too short, truncated tag, reserved VLAN, out of bounds). */
    public static final int MALFORMED = 1;
    /** The source MAC is multicast, broadcast or all-zero: no station sends from it. */
    public static final int INVALID_SOURCE = 2;
    /** The destination is in 01:80:c2:00:00:00-0f, which bridges must not relay. */
    public static final int LINK_LOCAL = 3;
    /** The ingress port's broadcast+multicast token bucket was empty. */
    public static final int STORM_CONTROL = 4;
    /** The destination was learned on the ingress port: the receiver already has the frame. */
    public static final int SAME_PORT = 5;
    /** The destination is behind a port of the ingress port's split-horizon group. */
    public static final int SPLIT_HORIZON = 6;
    /** A static entry points at a port that is currently absent. */
    public static final int EGRESS_PORT_DOWN = 7;
    /** A flood would reach no port (no other port, or only ports of the same mesh group). */
    public static final int NO_FLOOD_TARGETS = 8;
    /** The ingress port was never added, or was removed. */
    public static final int UNKNOWN_INGRESS_PORT = 9;
    /** Number of reasons, for counter arrays indexed by reason. */
    public static final int COUNT = 10;

    private static final String[] NAMES = {
        "none", "malformed", "invalid-source", "link-local", "storm-control", "same-port",
        "split-horizon", "egress-port-down", "no-flood-targets", "unknown-ingress-port",
    };

    private static final String[] DESCRIPTIONS = {
        "not dropped",
        "malformed frame",
        "multicast, broadcast or all-zero source MAC",
        "IEEE link-local destination 01:80:c2:00:00:0x",
        "broadcast/multicast storm control",
        "destination is on the ingress port",
        "split horizon: destination behind a port of the same mesh group",
        "static entry points to an absent port",
        "flood would reach no port",
        "ingress port not added",
    };

    private DropReason() {
    }

    /** A short kebab-case token, for counter names. */
    public static String name(int reason) {
        return reason >= 0 && reason < COUNT ? NAMES[reason] : "unknown-" + reason;
    }

    /** A human sentence fragment for operators. */
    public static String describe(int reason) {
        return reason >= 0 && reason < COUNT ? DESCRIPTIONS[reason] : "unknown drop reason " + reason;
    }
}
