package org.tapbridge.switching;

import java.lang.invoke.VarHandle;
import org.tapbridge.drops.DropReason;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.ethernet.FrameStatus;
import org.tapbridge.ethernet.MacAddress;

/**
 * A second data-path loop's way into a {@link LearningSwitch} that another loop owns: the same forwarding
 * decisions, made without writing anything the owner holds. One per extra loop, used by that loop's thread
 * only; made by {@link LearningSwitch#addLane()}.
 *
 * <p>Why the owner stays the only writer: learning decides limits, moves, flap damping and loop blocks,
 * which all depend on the whole table, so two writers would need a lock on every learned frame, and
 * striping the table by MAC would split a flow's two directions (and each per-port count) across loops.
 * So a lane looks entries up through {@link MacTable#readConcurrently} (optimistic, validated, never
 * blocking the owner; a lookup that overlaps the owner's changes 64 times in a row floods, uncharged to the
 * unknown-unicast limit), and hands what it learned to the owner through its own bounded queue: a source MAC
 * that is new, moved, or due a refresh is offered once per {@link #OFFER_INTERVAL_NS}, and the owner applies
 * it with every limit on its next turn ({@link LearningSwitch#learnFromLanes}), woken for it when the queue
 * was empty. Until then, frames for that MAC are flooded, as for any MAC not yet learned.
 *
 * <p>Port presence, split-horizon groups and loop blocks are copied from the owner whenever its port
 * generation moves, under a sequence check so that no half-made change is copied. Storm control and the
 * unknown-unicast limit are counted per loop, each loop at its share of the configured rate. Counters are
 * the lane's own; {@link LearningSwitch#snapshot()} adds them up.
 */
public final class SwitchLane {
    /** A source seen again within this time is not offered again: the owner has not applied it yet. */
    static final long OFFER_INTERVAL_NS = 10_000_000L;
    private static final int MAX_VLAN_ID = 4094;
    private static final int RECENT_OFFERS = 256;
    private static final int QUEUE_CAPACITY = 4096;

    private final LearningSwitch owner;
    private final MacTable table;
    private final long agingNs;
    /** The owner learns a refresh this long before the entry would age out there. */
    private final long refreshNs;
    private final boolean forwardStpBpdus;
    private final PortTable ports;
    private PortTokenBuckets stormControl;
    private PortTokenBuckets unknownUnicastLimit;
    private final SwitchCounters counters;
    private final Verdicts verdicts;
    private final LearnQueue queue = new LearnQueue(QUEUE_CAPACITY);
    private final MacTable.EntryRead entry = new MacTable.EntryRead();
    private final long[] recentKeys = new long[RECENT_OFFERS];
    private final int[] recentPorts = new int[RECENT_OFFERS];
    private final long[] recentAtNs = new long[RECENT_OFFERS];
    private final boolean[] presentScratch;
    private final int[] groupsScratch;
    private final boolean[] blockedScratch;
    private int seenPortGeneration = -1;
    /** Called when this lane's queue gets its first source since the owner last drained it. */
    private final Runnable wakeOwner;
    private long queueFull;
    private long unsettledReads;

    SwitchLane(LearningSwitch owner, MacTable table, SwitchSettings settings, Runnable wakeOwner) {
        this.owner = owner;
        this.wakeOwner = wakeOwner;
        this.table = table;
        this.agingNs = settings.macAgingNanos();
        this.refreshNs = Math.max(1, agingNs / 4);
        this.forwardStpBpdus = settings.forwardStpBpdus();
        this.ports = new PortTable(settings.maxPorts());
        this.counters = new SwitchCounters(settings.maxPorts());
        this.verdicts = new Verdicts(counters);
        this.presentScratch = new boolean[settings.maxPorts()];
        this.groupsScratch = new int[settings.maxPorts()];
        this.blockedScratch = new boolean[settings.maxPorts()];
    }

    /** Sets this lane's share of the rate limits; owner's thread, before the lane's loop runs. */
    void limits(PortTokenBuckets storm, PortTokenBuckets unknownUnicast) {
        this.stormControl = storm;
        this.unknownUnicastLimit = unknownUnicast;
    }

    LearnQueue queue() {
        return queue;
    }

    SwitchCounters counters() {
        return counters;
    }

    /** As {@link LearningSwitch#forward(int, EthernetFrame, long)}. */
    public int forward(int ingressPort, EthernetFrame frame, long nowNs) {
        if (frame.status() != FrameStatus.OK) {
            syncPorts();
            if (!ports.isPresent(ingressPort)) {
                return dropUnknownIngress();
            }
            counters.increment(ingressPort, SwitchCounters.FRAMES_IN);
            return drop(ingressPort, DropReason.MALFORMED);
        }
        return forward(ingressPort, frame.vlanId(), frame.source(), frame.destination(), nowNs);
    }

    /** As {@link LearningSwitch#forward(int, int, long, long, long)}, without writing the owner's state. */
    public int forward(int ingressPort, int vlanId, long source, long destination, long nowNs) {
        syncPorts();
        if (!ports.isPresent(ingressPort)) {
            return dropUnknownIngress();
        }
        counters.increment(ingressPort, SwitchCounters.FRAMES_IN);
        if (ports.isBlocked(ingressPort)) {
            return drop(ingressPort, DropReason.LOOP_BLOCKED);
        }
        if (vlanId < 0 || vlanId > MAX_VLAN_ID || (destination >>> 48) != 0 || (source >>> 48) != 0) {
            return drop(ingressPort, DropReason.MALFORMED);
        }
        if (!MacAddress.isLearnableUnicast(source)) {
            return drop(ingressPort, DropReason.INVALID_SOURCE);
        }
        offerSource(ingressPort, MacTable.key(vlanId, source), nowNs);
        if (MacAddress.isMulticast(destination)) {
            if (MacAddress.isLinkLocal(destination)
                    && !(forwardStpBpdus && destination == MacAddress.STP_BPDU)) {
                return drop(ingressPort, DropReason.LINK_LOCAL);
            }
            if (!stormControl.tryAcquire(ingressPort, nowNs)) {
                return drop(ingressPort, DropReason.STORM_CONTROL);
            }
            return flood(ingressPort);
        }
        int found = table.readConcurrently(MacTable.key(vlanId, destination), entry);
        if (found == MacTable.UNSETTLED) {
            // The destination may well be known: flooding reaches it, and it is not charged to the limit on
            // unknown destinations, which would otherwise drop known traffic while the owner learns fast.
            unsettledReads++;
            return flood(ingressPort);
        }
        if (found != MacTable.FOUND || !entry.isStatic && nowNs - entry.lastSeenNs >= agingNs) {
            return floodUnknownUnicast(ingressPort, nowNs);
        }
        return verdicts.toLearnedPort(ports, ingressPort, entry.port);
    }

    /** The egress ports of a flood from {@code ingressPort}, as this lane last copied them; shared, read-only. */
    public int[] floodPorts(int ingressPort) {
        syncPorts();
        return ports.floodPorts(ingressPort);
    }

    /** Why the last {@link #forward} returned {@link LearningSwitch#DROP}, as a {@link DropReason}; NONE otherwise. */
    public int lastDropReason() {
        return verdicts.lastDropReason();
    }

    /** Sources the owner never heard of because this lane's queue was full. */
    public long learningQueueFull() {
        return queueFull;
    }

    int learningQueueCapacity() {
        return queue.capacity();
    }

    /** Lookups that overlapped the owner's changes on every attempt, and flooded. */
    public long unsettledReads() {
        return unsettledReads;
    }

    private void offerSource(int port, long key, long nowNs) {
        int found = table.readConcurrently(key, entry);
        if (found == MacTable.FOUND) {
            if (entry.isStatic) {
                if (entry.port != port) {
                    counters.increment(port, SwitchCounters.STATIC_CONFLICT);
                }
                return;
            }
            if (entry.port == port && nowNs - entry.lastSeenNs < refreshNs) {
                return;
            }
        }
        int recent = (int) MacTable.mix(key) & (RECENT_OFFERS - 1);
        if (recentKeys[recent] == key && recentPorts[recent] == port && nowNs - recentAtNs[recent] < OFFER_INTERVAL_NS) {
            return;
        }
        boolean first = queue.isEmpty();
        if (queue.offer(key, port)) {
            if (first) {
                // The owner may be asleep until its next tick: one wake-up per batch it will drain, not per source.
                wakeOwner.run();
            }
            recentKeys[recent] = key;
            recentPorts[recent] = port;
            recentAtNs[recent] = nowNs;
        } else {
            queueFull++;
        }
    }

    /** Copies the owner's ports when they changed, unless a change is under way (then the next frame does). */
    private void syncPorts() {
        int generation = owner.portGeneration();
        if (generation == seenPortGeneration || (generation & 1) != 0) {
            return;
        }
        PortTable source = owner.portTable();
        int max = ports.maxPorts();
        boolean[] present = presentScratch;
        int[] groups = groupsScratch;
        boolean[] blocked = blockedScratch;
        // Read everything first; apply only if the owner changed nothing meanwhile.
        for (int port = 0; port < max; port++) {
            present[port] = source.isPresent(port);
            groups[port] = present[port] ? source.group(port) : LearningSwitch.NO_GROUP;
            blocked[port] = present[port] && source.isBlocked(port);
        }
        VarHandle.acquireFence();
        if (owner.portGeneration() != generation) {
            return;
        }
        for (int port = 0; port < max; port++) {
            if (present[port] != ports.isPresent(port) || present[port] && groups[port] != ports.group(port)) {
                if (present[port]) {
                    ports.add(port, groups[port]);
                } else {
                    ports.remove(port);
                }
            }
        }
        for (int port = 0; port < max; port++) {
            if (present[port]) {
                ports.setBlocked(port, blocked[port]);
            }
        }
        seenPortGeneration = generation;
    }

    private int flood(int ingressPort) {
        return verdicts.flood(ports, ingressPort);
    }

    private int floodUnknownUnicast(int ingressPort, long nowNs) {
        return verdicts.floodUnknownUnicast(ports, unknownUnicastLimit, ingressPort, nowNs);
    }

    private int drop(int ingressPort, int reason) {
        return verdicts.drop(ingressPort, reason);
    }

    private int dropUnknownIngress() {
        return verdicts.dropUnknownIngress();
    }
}
