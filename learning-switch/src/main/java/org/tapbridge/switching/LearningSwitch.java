package org.tapbridge.switching;

import org.tapbridge.drops.DropReason;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.ethernet.FrameStatus;
import org.tapbridge.ethernet.MacAddress;

/**
 * The MAC-learning switch: learns sources, ages entries, and decides per frame between one egress
 * port, a flood under split horizon, or a drop. Owned by the data-path thread; {@link #forward} allocates nothing.
 *
 * <p>Table room: every port may hold at most {@code per-port-mac-limit} dynamic entries (default half the
 * table), and peer ports never learn into the {@code local-mac-reserve} entries kept for the local port
 * while it has not used them. So a MAC flood from one peer leaves room for the other peers and for the
 * site's own LAN, and a flood from the LAN leaves half the table to the peers.
 *
 * <p>Loops: a move refused by damping is a flap, charged to the port the MAC came in on, or to the port
 * holding it when it came in on {@link #LOCAL_PORT}, which is never blocked (it is the site itself).
 * Sustained flapping blocks that port both ways (see {@link LoopGuard}).
 */
public final class LearningSwitch {
    /** {@link #forward} result: send to every port of {@link #floodPorts(int)}. */
    public static final int FLOOD = -1;
    /** {@link #forward} result: send nowhere; see {@link #lastDropReason()}. */
    public static final int DROP = -2;
    /** The local TAP device. It exists from construction, in its own group. */
    public static final int LOCAL_PORT = 0;
    /** Split-horizon group of a port that forms a group of its own (spoke, local TAP). */
    public static final int NO_GROUP = 0;
    /** The conventional group of full-mesh peer links. */
    public static final int MESH_GROUP = 1;

    // Two slots per frame: at a few thousand frames per second a 32k-slot table is swept every few seconds.
    private static final int AGING_SLOTS_PER_FRAME = 2;
    private static final int MIN_AGING_SLOTS_PER_TICK = 64;
    private static final long LOG_INTERVAL_NS = TimeUnit.SECONDS.toNanos(10);
    private static final int MAX_VLAN_ID = 4094;

    private final SwitchSettings settings;
    private final long agingNs;
    private final long moveDampingNs;
    private final boolean forwardStpBpdus;
    private final int tableLimit;
    private final int perPortLimit;
    private final int localReserve;
    private final MacTable table;
    private final PortTable ports;
    private PortTokenBuckets stormControl;
    private PortTokenBuckets unknownUnicastLimit;
    private final LoopGuard loopGuard;
    private final SwitchCounters counters;
    private final Verdicts verdicts;
    private final Logger logger;
    private final LogRateLimiter tableLimitLog = new LogRateLimiter(LOG_INTERVAL_NS);
    private final LogRateLimiter portLimitLog = new LogRateLimiter(LOG_INTERVAL_NS);
    private final LogRateLimiter flapLog = new LogRateLimiter(LOG_INTERVAL_NS);
    private final LogRateLimiter stormLog = new LogRateLimiter(LOG_INTERVAL_NS);
    private final LogRateLimiter reserveLog = new LogRateLimiter(LOG_INTERVAL_NS);
    private final LogRateLimiter unknownUnicastLog = new LogRateLimiter(LOG_INTERVAL_NS);
    private final LogRateLimiter loopLog = new LogRateLimiter(LOG_INTERVAL_NS);
    private final LogRateLimiter unblockLog = new LogRateLimiter(LOG_INTERVAL_NS);
    // A full pass of tick() sweeping takes a quarter of the aging time, so idle entries leave at most 25% late.
    private final long tickNsPerSlot;

    private int agingHand;
    private long lastTickNs;
    // Time not yet turned into swept slots, so short ticks add up instead of rounding down to nothing.
    private long tickCreditNs;
    private boolean ticked;
    /** Other loops' ways in; replaced (never changed) when one is added. */
    private SwitchLane[] lanes = new SwitchLane[0];
    /** Odd while the ports change: lanes copy them only between changes ({@link SwitchLane}). */
    private volatile int portGeneration;
    private final LearnQueue.Sink laneLearning = this::learnFromLane;
    private Runnable laneWakeup = () -> { };
    private long laneNowNs;

    public LearningSwitch(SwitchSettings settings) {
        this(settings, System.getLogger(LearningSwitch.class.getName()));
    }

    /** With an explicit logger, e.g. one that records lines in tests. */
    public LearningSwitch(SwitchSettings settings, Logger logger) {
        this(settings, logger, new SecureRandom().nextLong());
    }

    /**
     * With a fixed MAC table hash seed, for tests and benchmarks that need one layout. Otherwise the seed is
     * drawn once per switch from {@link SecureRandom}, so no sender can choose MACs that collide.
     */
    public LearningSwitch(SwitchSettings settings, Logger logger, long hashSeed) {
        if (settings == null || logger == null) {
            throw new IllegalArgumentException("settings and logger are required");
        }
        this.settings = settings;
        this.logger = logger;
        this.agingNs = settings.macAgingNanos();
        this.moveDampingNs = settings.moveDampingNanos();
        this.forwardStpBpdus = settings.forwardStpBpdus();
        this.tableLimit = settings.macTableLimit();
        this.perPortLimit = settings.perPortMacLimit();
        this.localReserve = settings.localMacReserve();
        this.table = new MacTable(tableLimit, settings.maxPorts(), hashSeed);
        this.ports = new PortTable(settings.maxPorts());
        this.stormControl = new PortTokenBuckets(settings.stormControlPacketsPerSecond(),
                settings.stormControlBurst(), settings.maxPorts());
        this.unknownUnicastLimit = new PortTokenBuckets(settings.unknownUnicastPacketsPerSecond(),
                settings.unknownUnicastBurst(), settings.maxPorts());
        this.loopGuard = new LoopGuard(settings.loopFlapsPerSecond(), settings.loopBlockNanos(),
                settings.loopBlockMaxNanos(), settings.maxPorts());
        this.counters = new SwitchCounters(settings.maxPorts());
        this.verdicts = new Verdicts(counters);
        this.tickNsPerSlot = Math.max(1, agingNs / 4 / table.capacity());
        ports.add(LOCAL_PORT, NO_GROUP);
    }

    public SwitchSettings settings() {
        return settings;
    }

    // ---------------------------------------------------------------- control path (may allocate)

    /**
     * Adds a port, or changes the split-horizon group of an existing one; learned entries stay.
     *
     * @param splitHorizonGroup {@link #NO_GROUP} for a port of its own, or a group id &gt; 0 whose
     *     ports never forward to each other (e.g. {@link #MESH_GROUP})
     * @throws IllegalArgumentException for a port outside 0..max-ports-1 or a negative group
     */
    public void addPort(int port, int splitHorizonGroup) {
        checkPortNumber(port);
        if (splitHorizonGroup < 0) {
            throw new IllegalArgumentException("split-horizon group " + splitHorizonGroup + " of port " + port
                    + " < 0; use " + NO_GROUP + " for a port of its own or a group id > 0");
        }
        if (!ports.isPresent(port)) {
            stormControl.reset(port);
            unknownUnicastLimit.reset(port);
            loopGuard.reset(port);
        }
        beginPortChange();
        ports.add(port, splitHorizonGroup);
        endPortChange();
    }

    /** Removes a port and flushes the dynamic entries learned on it; static entries stay. No-op if absent. */
    public void removePort(int port) {
        checkPortNumber(port);
        if (!ports.isPresent(port)) {
            return;
        }
        beginPortChange();
        ports.remove(port);
        endPortChange();
        loopGuard.reset(port);
        int slot = 0;
        int capacity = table.capacity();
        // Backward shift may move a later entry into this slot, so the slot is re-examined after a removal.
        while (slot < capacity) {
            if (table.isOccupied(slot) && !table.isStatic(slot) && table.port(slot) == port) {
                table.removeAt(slot);
            } else {
                slot++;
            }
        }
    }

    /**
     * A switch with {@code newSettings} that carries on where this one stands: the same ports and groups,
     * every entry with its age, moves and flaps, and the counters. For a live reload of the switch limits;
     * this switch must not be used afterwards. Static entries are kept first; dynamic entries beyond a
     * lowered {@code mac-table-limit} are left out (they are learned again when their hosts talk, or age
     * out). Loop blocks and storm-control buckets start afresh. Control path: allocates.
     *
     * @throws IllegalArgumentException when a present port is not below the new {@code max-ports}
     */
    public LearningSwitch reconfigured(SwitchSettings newSettings) {
        for (int port : ports.presentPorts()) {
            if (port >= newSettings.maxPorts()) {
                throw new IllegalArgumentException("port " + port + " is in use, but " + SwitchSettings.KEY_MAX_PORTS
                        + "=" + newSettings.maxPorts());
            }
        }
        LearningSwitch next = new LearningSwitch(newSettings, logger, table.seed());
        for (int port : ports.presentPorts()) {
            next.ports.add(port, ports.group(port));
        }
        for (int pass = 0; pass < 2; pass++) {
            boolean statics = pass == 0;
            for (int slot = 0; slot < table.capacity(); slot++) {
                if (table.isOccupied(slot) && table.isStatic(slot) == statics && table.port(slot) < newSettings.maxPorts()
                        && next.table.size() < next.tableLimit) {
                    next.table.copyEntry(table, slot);
                }
            }
        }
        next.counters.copyFrom(counters);
        next.laneWakeup = laneWakeup;
        // The lanes' counts too: the further loops' frames must not vanish from the totals with the old switch.
        for (SwitchLane lane : lanes) {
            next.counters.add(lane.counters());
        }
        return next;
    }

    /** Zeroes a port's counters: its number now belongs to another peer. Control path. */
    public void clearPortCounters(int port) {
        checkPortNumber(port);
        counters.clearPort(port);
    }

    public boolean hasPort(int port) {
        return ports.isPresent(port);
    }

    /** The split-horizon group of a present port. */
    public int splitHorizonGroup(int port) {
        checkPortNumber(port);
        if (!ports.isPresent(port)) {
            throw new IllegalArgumentException("port " + port + " is not present");
        }
        return ports.group(port);
    }

    /** Present ports, ascending. */
    public int[] ports() {
        return ports.presentPorts();
    }

    /**
     * Adds or replaces a configured entry that never ages and never moves. The port need not be present
     * yet; frames to it are dropped while it is absent.
     *
     * @throws IllegalArgumentException for a bad VLAN, a MAC that is not unicast, or a bad port number
     * @throws IllegalStateException when the table is at mac-table-limit
     */
    public void addStaticEntry(int vlan, long mac, int port) {
        checkVlan(vlan);
        if (!MacAddress.isLearnableUnicast(mac)) {
            throw new IllegalArgumentException("static entry " + MacAddress.format(mac) + " vlan " + vlan
                    + ": only unicast, non-zero MAC addresses can be static entries");
        }
        checkPortNumber(port);
        long key = MacTable.key(vlan, mac);
        int slot = table.find(key);
        if (slot >= 0) {
            table.makeStatic(slot, port);
            return;
        }
        if (table.size() >= tableLimit) {
            throw new IllegalStateException("cannot add static entry " + MacAddress.format(mac) + " vlan " + vlan
                    + ": the MAC table holds " + table.size() + " entries, " + SwitchSettings.KEY_MAC_TABLE_LIMIT
                    + "=" + tableLimit + "; raise " + SwitchSettings.KEY_MAC_TABLE_LIMIT);
        }
        table.insert(~slot, key, port, true, 0);
    }

    /** Removes a static entry; returns false if there was none (dynamic entries are left alone). */
    public boolean removeStaticEntry(int vlan, long mac) {
        checkVlan(vlan);
        int slot = table.find(MacTable.key(vlan, mac & 0xFFFF_FFFF_FFFFL));
        if (slot < 0 || !table.isStatic(slot)) {
            return false;
        }
        table.removeAt(slot);
        return true;
    }

    /**
     * The live entries sorted by VLAN then MAC; expired entries that were not swept yet are left out.
     * Allocates; call on the data-path thread.
     */
    public List<MacTableEntry> dump(long nowNs) {
        List<MacTableEntry> entries = new ArrayList<>(table.size());
        for (int slot = 0; slot < table.capacity(); slot++) {
            if (!table.isOccupied(slot) || isExpired(slot, nowNs)) {
                continue;
            }
            long key = table.keyAt(slot);
            boolean isStatic = table.isStatic(slot);
            long ageMillis = isStatic ? 0 : Math.max(0, TimeUnit.NANOSECONDS.toMillis(nowNs - table.lastSeenNs(slot)));
            entries.add(new MacTableEntry(MacTable.vlanOf(key), MacTable.macOf(key), table.port(slot), ageMillis,
                    isStatic, table.moveCount(slot), table.flapCount(slot)));
        }
        entries.sort(Comparator.comparingInt(MacTableEntry::vlan).thenComparingLong(MacTableEntry::mac));
        return entries;
    }

    /**
     * Live entries that had moves refused by damping, most flaps first: where to look for a loop.
     * Allocates; call on the data-path thread.
     */
    public List<MacTableEntry> flappingEntries(long nowNs) {
        List<MacTableEntry> flapping = new ArrayList<>();
        for (MacTableEntry entry : dump(nowNs)) {
            if (entry.flapCount() > 0) {
                flapping.add(entry);
            }
        }
        flapping.sort(Comparator.comparingInt(MacTableEntry::flapCount).reversed());
        return flapping;
    }

    /** Live counters; read them on the data-path thread only. */
    public SwitchCounters counters() {
        return counters;
    }

    /** A consistent copy of all counters, for any thread. Call on the data-path thread. */
    public SwitchCounters.Snapshot snapshot() {
        return snapshot(ports.presentPorts());
    }

    /** As {@link #snapshot()}, with rows for {@code presentPorts} and any port with a nonzero counter. */
    public SwitchCounters.Snapshot snapshot(int[] presentPorts) {
        if (lanes.length == 0) {
            return counters.snapshot(presentPorts);
        }
        // A lane's counters are its loop's; read here they may trail it by a few frames.
        SwitchCounters sum = new SwitchCounters(counters.maxPorts());
        sum.add(counters);
        for (SwitchLane lane : lanes) {
            sum.add(lane.counters());
        }
        return sum.snapshot(presentPorts);
    }

    /** Entries in the table, including expired ones not yet swept. */
    public int size() {
        return table.size();
    }

    /** True while a port is blocked as part of a loop: its frames are dropped and nothing is sent to it. */
    public boolean isBlocked(int port) {
        checkPortNumber(port);
        return ports.isBlocked(port);
    }

    /** Time left until a blocked port forwards again (it unblocks on the first frame or tick after); 0 if forwarding. */
    public long blockedRemainingNanos(int port, long nowNs) {
        checkPortNumber(port);
        return loopGuard.remainingNs(port, nowNs);
    }

    /** The longest probe run of any stored entry, for tests of the hash seeding. */
    int maxProbeLength() {
        return table.maxProbeLength();
    }

    /** Dynamic entries learned on a port. */
    public int dynamicEntryCount(int port) {
        checkPortNumber(port);
        return table.dynamicCount(port);
    }

    /**
     * A way into this switch for another data-path loop: it forwards as this switch does, and what it
     * learns reaches this switch through {@link #learnFromLanes}, called by the owner's loop (each
     * {@link #tick} does too). Storm control and the unknown-unicast limit are shared out: each loop, this
     * one included, gets an equal part of the configured rates and bursts. Owner's thread, before the
     * lane's loop runs. A switch made by {@link #reconfigured} has no lanes: add them again.
     */
    public SwitchLane addLane() {
        SwitchLane lane = new SwitchLane(this, table, settings, laneWakeup);
        SwitchLane[] more = java.util.Arrays.copyOf(lanes, lanes.length + 1);
        more[lanes.length] = lane;
        lanes = more;
        int loops = lanes.length + 1;
        stormControl = sharedBuckets(settings.stormControlPacketsPerSecond(), settings.stormControlBurst(), loops);
        unknownUnicastLimit = sharedBuckets(settings.unknownUnicastPacketsPerSecond(), settings.unknownUnicastBurst(),
                loops);
        for (SwitchLane each : lanes) {
            each.limits(sharedBuckets(settings.stormControlPacketsPerSecond(), settings.stormControlBurst(), loops),
                    sharedBuckets(settings.unknownUnicastPacketsPerSecond(), settings.unknownUnicastBurst(), loops));
        }
        return lane;
    }

    private PortTokenBuckets sharedBuckets(int packetsPerSecond, int burst, int loops) {
        // 0 means off; a share never rounds an active limit down to off.
        int share = packetsPerSecond <= 0 ? packetsPerSecond : Math.max(1, packetsPerSecond / loops);
        return new PortTokenBuckets(share, Math.max(1, burst / loops), settings.maxPorts());
    }

    /**
     * How a lane wakes the owner's loop when it has sources to learn (its waiter's wake-up), so that an idle
     * owner learns them at once rather than at its next tick. Set before {@link #addLane()}; carried over by
     * {@link #reconfigured}. A no-op by default.
     */
    public void onLaneLearning(Runnable wakeup) {
        this.laneWakeup = wakeup;
    }

    /** The lanes added so far. */
    public int laneCount() {
        return lanes.length;
    }

    int portGeneration() {
        return portGeneration;
    }

    PortTable portTable() {
        return ports;
    }

    private void beginPortChange() {
        portGeneration++;
        // The ports' own writes must not become visible before the odd generation does.
        java.lang.invoke.VarHandle.releaseFence();
    }

    private void endPortChange() {
        portGeneration++;
    }

    // ---------------------------------------------------------------- data path (allocation-free)

    /**
     * Advances amortized aging; call every 100 ms to 1 s. Sweeps a share of the table proportional to
     * the time since the last tick, at most the whole table.
     */
    public void tick(long nowNs) {
        learnFromLanes(nowNs);
        long slots;
        if (!ticked) {
            ticked = true;
            slots = MIN_AGING_SLOTS_PER_TICK;
        } else {
            // Capped at one aging time: beyond that a full pass is due anyway, and the sum cannot overflow.
            long creditNs = tickCreditNs + Math.min(agingNs, Math.max(0, nowNs - lastTickNs));
            slots = creditNs / tickNsPerSlot;
            tickCreditNs = creditNs % tickNsPerSlot;
            slots = Math.max(MIN_AGING_SLOTS_PER_TICK, slots);
        }
        lastTickNs = nowNs;
        sweep((int) Math.min(slots, table.capacity()), nowNs);
        if (loopGuard.isUnblockDue(nowNs)) {
            unblockExpired(nowNs);
        }
    }

    /**
     * Learns what the lanes saw since the last call, with every limit, move damping and loop check that
     * {@link #forward} applies to its own frames. Owner's loop; returns how many sources were applied.
     */
    public int learnFromLanes(long nowNs) {
        int applied = 0;
        laneNowNs = nowNs;
        for (SwitchLane lane : lanes) {
            applied += lane.queue().drainTo(laneLearning);
        }
        return applied;
    }

    private void learnFromLane(long key, int port) {
        // The port may have gone or been blocked since the lane saw the frame.
        if (ports.isPresent(port) && !ports.isBlocked(port)) {
            learn(port, MacTable.vlanOf(key), MacTable.macOf(key), laneNowNs);
        }
    }

    /** The egress ports of a flood from {@code ingressPort}; shared and read-only, recomputed on port changes. */
    public int[] floodPorts(int ingressPort) {
        return ports.floodPorts(ingressPort);
    }

    public int floodPortCount(int ingressPort) {
        return ports.floodPorts(ingressPort).length;
    }

    /** Why the last {@link #forward} returned {@link #DROP}, as a {@link DropReason}; NONE otherwise. */
    public int lastDropReason() {
        return verdicts.lastDropReason();
    }

    /**
     * Learns the frame's source and decides where the frame goes.
     *
     * @return an egress port &gt;= 0, {@link #FLOOD} (send to {@link #floodPorts(int)}), or {@link #DROP}
     */
    public int forward(int ingressPort, EthernetFrame frame, long nowNs) {
        if (frame.status() != FrameStatus.OK) {
            if (!ports.isPresent(ingressPort)) {
                return dropUnknownIngress();
            }
            counters.increment(ingressPort, SwitchCounters.FRAMES_IN);
            return drop(ingressPort, DropReason.MALFORMED);
        }
        return forward(ingressPort, frame.vlanId(), frame.source(), frame.destination(), nowNs);
    }

    /** {@link #forward(int, EthernetFrame, long)} on already decoded header fields. */
    public int forward(int ingressPort, int vlanId, long source, long destination, long nowNs) {
        if (!ports.isPresent(ingressPort)) {
            return dropUnknownIngress();
        }
        counters.increment(ingressPort, SwitchCounters.FRAMES_IN);
        if (loopGuard.isUnblockDue(nowNs)) {
            unblockExpired(nowNs);
        }
        if (ports.isBlocked(ingressPort)) {
            // Before learning: a looping port must not pull MACs over to itself.
            return drop(ingressPort, DropReason.LOOP_BLOCKED);
        }
        sweep(AGING_SLOTS_PER_FRAME, nowNs);
        if (vlanId < 0 || vlanId > MAX_VLAN_ID || (destination >>> 48) != 0 || (source >>> 48) != 0) {
            return drop(ingressPort, DropReason.MALFORMED);
        }
        if (!MacAddress.isLearnableUnicast(source)) {
            return drop(ingressPort, DropReason.INVALID_SOURCE);
        }
        learn(ingressPort, vlanId, source, nowNs);
        if (MacAddress.isMulticast(destination)) {
            if (MacAddress.isLinkLocal(destination)
                    && !(forwardStpBpdus && destination == MacAddress.STP_BPDU)) {
                return drop(ingressPort, DropReason.LINK_LOCAL);
            }
            if (!stormControl.tryAcquire(ingressPort, nowNs)) {
                logStorm(ingressPort, nowNs);
                return drop(ingressPort, DropReason.STORM_CONTROL);
            }
            return flood(ingressPort);
        }
        int slot = table.find(MacTable.key(vlanId, destination));
        if (slot < 0) {
            return floodUnknownUnicast(ingressPort, nowNs);
        }
        if (isExpired(slot, nowNs)) {
            expireAt(slot);
            return floodUnknownUnicast(ingressPort, nowNs);
        }
        return verdicts.toLearnedPort(ports, ingressPort, table.port(slot));
    }

    private void learn(int port, int vlanId, long source, long nowNs) {
        long key = MacTable.key(vlanId, source);
        int slot = table.find(key);
        if (slot >= 0) {
            if (table.isStatic(slot)) {
                if (table.port(slot) != port) {
                    counters.increment(port, SwitchCounters.STATIC_CONFLICT);
                }
                return;
            }
            if (!isExpired(slot, nowNs)) {
                if (table.port(slot) == port) {
                    table.touch(slot, nowNs);
                } else {
                    move(slot, port, nowNs);
                }
                return;
            }
            // Expired but not yet swept: age it out, then learn it as new, limits included.
            expireAt(slot);
            slot = table.find(key);
        }
        if (table.size() >= tableLimit) {
            counters.increment(port, SwitchCounters.LIMIT_HIT);
            logTableLimit(port, vlanId, source, nowNs);
            return;
        }
        if (port != LOCAL_PORT && table.size() + unusedLocalReserve(0) >= tableLimit) {
            counters.increment(port, SwitchCounters.LIMIT_HIT);
            logLocalReserve(port, vlanId, source, nowNs);
            return;
        }
        if (table.dynamicCount(port) >= perPortLimit) {
            counters.increment(port, SwitchCounters.LIMIT_HIT);
            logPortLimit(port, vlanId, source, nowNs);
            return;
        }
        table.insert(~slot, key, port, false, nowNs);
        counters.increment(port, SwitchCounters.LEARNED);
    }

    private void move(int slot, int port, long nowNs) {
        int owner = table.port(slot);
        // A blocked port sends nothing, so the MAC cannot be there any more: no damping holds it.
        if (!ports.isBlocked(owner) && table.moveCount(slot) > 0 && nowNs - table.lastMoveNs(slot) < moveDampingNs) {
            // Refused, but the MAC is alive: keep the entry fresh where it is.
            table.touch(slot, nowNs);
            table.recordFlap(slot);
            counters.increment(port, SwitchCounters.FLAPPED);
            logFlap(slot, port, nowNs);
            chargeFlap(port == LOCAL_PORT ? owner : port, nowNs);
            return;
        }
        if (owner == LOCAL_PORT && port != LOCAL_PORT && table.size() + unusedLocalReserve(1) > tableLimit) {
            table.touch(slot, nowNs);
            counters.increment(port, SwitchCounters.LIMIT_HIT);
            logLocalReserve(port, MacTable.vlanOf(table.keyAt(slot)), MacTable.macOf(table.keyAt(slot)), nowNs);
            return;
        }
        if (table.dynamicCount(port) >= perPortLimit) {
            table.touch(slot, nowNs);
            counters.increment(port, SwitchCounters.LIMIT_HIT);
            logPortLimit(port, MacTable.vlanOf(table.keyAt(slot)), MacTable.macOf(table.keyAt(slot)), nowNs);
            return;
        }
        table.move(slot, port, nowNs);
        counters.increment(port, SwitchCounters.MOVED);
    }

    /** Reserved local entries not yet used, if the local port had {@code leaving} fewer entries. */
    private int unusedLocalReserve(int leaving) {
        return Math.max(0, localReserve - (table.dynamicCount(LOCAL_PORT) - leaving));
    }

    private void chargeFlap(int port, long nowNs) {
        long blockNs = loopGuard.recordFlap(port, nowNs);
        if (blockNs > 0) {
            beginPortChange();
            ports.setBlocked(port, true);
            endPortChange();
            counters.increment(port, SwitchCounters.LOOP_BLOCKS);
            logLoopBlock(port, blockNs, nowNs);
        }
    }

    private void unblockExpired(long nowNs) {
        for (int port = 0; port < ports.maxPorts(); port++) {
            if (loopGuard.isExpired(port, nowNs)) {
                loopGuard.unblock(port, nowNs);
                beginPortChange();
                ports.setBlocked(port, false);
                endPortChange();
                logLoopUnblock(port, nowNs);
            }
        }
    }

    private boolean isExpired(int slot, long nowNs) {
        return !table.isStatic(slot) && nowNs - table.lastSeenNs(slot) >= agingNs;
    }

    private void expireAt(int slot) {
        counters.increment(table.port(slot), SwitchCounters.AGED);
        table.removeAt(slot);
    }

    /** Checks {@code count} slots under the clock hand, removing expired dynamic entries. */
    private void sweep(int count, long nowNs) {
        int hand = agingHand;
        int mask = table.capacity() - 1;
        for (int i = 0; i < count; i++) {
            if (table.isOccupied(hand) && isExpired(hand, nowNs)) {
                // Backward shift may pull a later entry into this slot: look at it again next.
                expireAt(hand);
            } else {
                hand = (hand + 1) & mask;
            }
        }
        agingHand = hand;
    }

    private int flood(int ingressPort) {
        return verdicts.flood(ports, ingressPort);
    }

    private int floodUnknownUnicast(int ingressPort, long nowNs) {
        int verdict = verdicts.floodUnknownUnicast(ports, unknownUnicastLimit, ingressPort, nowNs);
        if (verdicts.lastDropReason() == DropReason.UNKNOWN_UNICAST_LIMIT) {
            logUnknownUnicast(ingressPort, nowNs);
        }
        return verdict;
    }

    private int drop(int ingressPort, int reason) {
        return verdicts.drop(ingressPort, reason);
    }

    private int dropUnknownIngress() {
        return verdicts.dropUnknownIngress();
    }

    // ---------------------------------------------------------------- rate-limited logging (allocates only when a line is written)

    private void logTableLimit(int port, int vlanId, long mac, long nowNs) {
        if (tableLimitLog.tryAcquire(nowNs) && logger.isLoggable(Level.WARNING)) {
            logger.log(Level.WARNING, "MAC table full (" + SwitchSettings.KEY_MAC_TABLE_LIMIT + "=" + tableLimit
                    + "): not learning " + MacAddress.format(mac) + " vlan " + vlanId + " from port " + port
                    + "; unknown destinations are flooded. Look for a MAC flood or raise "
                    + SwitchSettings.KEY_MAC_TABLE_LIMIT + suppressed(tableLimitLog));
        }
    }

    private void logPortLimit(int port, int vlanId, long mac, long nowNs) {
        if (portLimitLog.tryAcquire(nowNs) && logger.isLoggable(Level.WARNING)) {
            logger.log(Level.WARNING, "port " + port + " reached " + SwitchSettings.KEY_PER_PORT_MAC_LIMIT + "="
                    + perPortLimit + ": not learning " + MacAddress.format(mac) + " vlan " + vlanId
                    + "; check that site for a MAC flood or raise " + SwitchSettings.KEY_PER_PORT_MAC_LIMIT
                    + suppressed(portLimitLog));
        }
    }

    private void logFlap(int slot, int port, long nowNs) {
        if (flapLog.tryAcquire(nowNs) && logger.isLoggable(Level.WARNING)) {
            long key = table.keyAt(slot);
            logger.log(Level.WARNING, "MAC " + MacAddress.format(MacTable.macOf(key)) + " vlan " + MacTable.vlanOf(key)
                    + " flaps between port " + table.port(slot) + " and port " + port + " (" + table.flapCount(slot)
                    + " flaps): move refused for " + SwitchSettings.KEY_MOVE_DAMPING_MS + "="
                    + settings.moveDampingMillis() + "; look for a loop between those sites" + suppressed(flapLog));
        }
    }

    private void logStorm(int port, long nowNs) {
        if (stormLog.tryAcquire(nowNs) && logger.isLoggable(Level.WARNING)) {
            logger.log(Level.WARNING, "storm control dropping broadcast/multicast from port " + port + " above "
                    + SwitchSettings.KEY_STORM_CONTROL_PPS + "=" + settings.stormControlPacketsPerSecond()
                    + " (" + SwitchSettings.KEY_STORM_CONTROL_BURST + "=" + settings.stormControlBurst() + ")"
                    + suppressed(stormLog));
        }
    }

    private void logLocalReserve(int port, int vlanId, long mac, long nowNs) {
        if (reserveLog.tryAcquire(nowNs) && logger.isLoggable(Level.WARNING)) {
            logger.log(Level.WARNING, "MAC table: the rest is reserved for the local port ("
                    + SwitchSettings.KEY_LOCAL_MAC_RESERVE + "=" + localReserve + ", " + SwitchSettings.KEY_MAC_TABLE_LIMIT
                    + "=" + tableLimit + "): not learning " + MacAddress.format(mac) + " vlan " + vlanId
                    + " from port " + port + "; look for a MAC flood from the peers or raise "
                    + SwitchSettings.KEY_MAC_TABLE_LIMIT + suppressed(reserveLog));
        }
    }

    private void logUnknownUnicast(int port, long nowNs) {
        if (unknownUnicastLog.tryAcquire(nowNs) && logger.isLoggable(Level.WARNING)) {
            logger.log(Level.WARNING, "dropping unknown unicast from port " + port + " above "
                    + SwitchSettings.KEY_UNKNOWN_UNICAST_PPS + "=" + settings.unknownUnicastPacketsPerSecond()
                    + " (" + SwitchSettings.KEY_UNKNOWN_UNICAST_BURST + "=" + settings.unknownUnicastBurst()
                    + "); look for a host sending to many absent destinations" + suppressed(unknownUnicastLog));
        }
    }

    private void logLoopBlock(int port, long blockNs, long nowNs) {
        if (loopLog.tryAcquire(nowNs) && logger.isLoggable(Level.WARNING)) {
            logger.log(Level.WARNING, "port " + port + " blocked for " + TimeUnit.NANOSECONDS.toSeconds(blockNs)
                    + " s: " + settings.loopFlapsPerSecond() + " MAC flaps within a second ("
                    + SwitchSettings.KEY_LOOP_FLAPS_PER_SECOND + ") look like a loop; its frames are dropped and"
                    + " nothing is sent to it. The block doubles on each repeat up to "
                    + SwitchSettings.KEY_LOOP_BLOCK_MAX_SECONDS + "=" + settings.loopBlockMaxSeconds()
                    + "; look for a second path between the sites" + suppressed(loopLog));
        }
    }

    private void logLoopUnblock(int port, long nowNs) {
        if (unblockLog.tryAcquire(nowNs) && logger.isLoggable(Level.INFO)) {
            logger.log(Level.INFO, "port " + port + " unblocked after its loop block" + suppressed(unblockLog));
        }
    }

    private static String suppressed(LogRateLimiter limiter) {
        long count = limiter.takeSuppressed();
        return count == 0 ? "" : " (" + count + " similar messages suppressed)";
    }

    private void checkPortNumber(int port) {
        if (!ports.isValidNumber(port)) {
            throw new IllegalArgumentException("port " + port + " is outside 0.." + (ports.maxPorts() - 1)
                    + "; raise " + SwitchSettings.KEY_MAX_PORTS + "=" + ports.maxPorts() + " for more ports");
        }
    }

    private static void checkVlan(int vlan) {
        if (vlan < 0 || vlan > MAX_VLAN_ID) {
            throw new IllegalArgumentException("VLAN " + vlan + " is outside 0.." + MAX_VLAN_ID);
        }
    }
}
