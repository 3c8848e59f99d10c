package org.tapbridge.switching;

import org.tapbridge.drops.DropReason;

/**
 * The end of a forwarding decision, shared by {@link LearningSwitch} and {@link SwitchLane}: the checks on a
 * learned egress port, the flood rules, and the counting of each outcome and of the last drop's reason.
 * One per deciding thread, over that thread's counters.
 */
final class Verdicts {
    private final SwitchCounters counters;
    private int lastDropReason = DropReason.NONE;

    Verdicts(SwitchCounters counters) {
        this.counters = counters;
    }

    int lastDropReason() {
        return lastDropReason;
    }

    int drop(int ingressPort, int reason) {
        counters.incrementDropped(ingressPort, reason);
        lastDropReason = reason;
        return LearningSwitch.DROP;
    }

    int dropUnknownIngress() {
        counters.incrementUnknownIngress();
        lastDropReason = DropReason.UNKNOWN_INGRESS_PORT;
        return LearningSwitch.DROP;
    }

    /** Broadcast, multicast, or a destination whose lookup could not settle. */
    int flood(PortTable ports, int ingressPort) {
        if (ports.floodPorts(ingressPort).length == 0) {
            return drop(ingressPort, DropReason.NO_FLOOD_TARGETS);
        }
        counters.increment(ingressPort, SwitchCounters.FLOODED);
        lastDropReason = DropReason.NONE;
        return LearningSwitch.FLOOD;
    }

    /** A destination not learned: flooded within {@code limit}; a drop for the limit is for the caller to log. */
    int floodUnknownUnicast(PortTable ports, PortTokenBuckets limit, int ingressPort, long nowNs) {
        if (ports.floodPorts(ingressPort).length == 0) {
            return drop(ingressPort, DropReason.NO_FLOOD_TARGETS);
        }
        if (!limit.tryAcquire(ingressPort, nowNs)) {
            return drop(ingressPort, DropReason.UNKNOWN_UNICAST_LIMIT);
        }
        counters.increment(ingressPort, SwitchCounters.FLOODED);
        lastDropReason = DropReason.NONE;
        return LearningSwitch.FLOOD;
    }

    /** A learned destination on {@code egressPort}: forwarded there, unless a port rule forbids it. */
    int toLearnedPort(PortTable ports, int ingressPort, int egressPort) {
        if (egressPort == ingressPort) {
            return drop(ingressPort, DropReason.SAME_PORT);
        }
        if (!ports.isPresent(egressPort)) {
            return drop(ingressPort, DropReason.EGRESS_PORT_DOWN);
        }
        if (!ports.mayForward(ingressPort, egressPort)) {
            return drop(ingressPort, DropReason.SPLIT_HORIZON);
        }
        if (ports.isBlocked(egressPort)) {
            return drop(ingressPort, DropReason.LOOP_BLOCKED);
        }
        counters.increment(ingressPort, SwitchCounters.FORWARDED);
        lastDropReason = DropReason.NONE;
        return egressPort;
    }
}
