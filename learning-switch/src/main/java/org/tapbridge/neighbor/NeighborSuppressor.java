package org.tapbridge.neighbor;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.tapbridge.ethernet.EtherType;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.ethernet.FrameStatus;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.inet.InternetChecksum;
import org.tapbridge.inet.IpProtocol;
import org.tapbridge.inet.Ipv6Header;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.switching.LogRateLimiter;
import org.tapbridge.switching.SwitchSettings;

/**
 * ARP and ND suppression: learns IP-to-MAC bindings from the ARP and NS/NA messages seen on every port, and
 * answers a broadcast ARP request or multicast neighbour solicitation from the local TAP itself when its
 * target is bound on a peer port, so that the request never crosses the WAN. Owned by the data-path thread;
 * {@link #inspect} allocates nothing.
 *
 * <p>Policy (docs/neighbors.md):
 * <ul>
 * <li>Claims: ARP requests, replies and gratuitous ARPs bind their sender; an NS with a source link-layer
 *     option binds its source; an NA with a target link-layer option and the override flag binds its target.
 *     Probes and DAD (sender 0.0.0.0, source ::) bind nothing: the address is only tentative.</li>
 * <li>Conflicts: a claim by another MAC is counted and logged (rate-limited). The other MAC takes the address
 *     after {@link #CLAIMS_TO_MOVE} claims in a row (the owner speaking in between resets them), as after a
 *     real move or a fail-over that announces itself. From the first conflicting claim until
 *     {@link #CONFLICT_HOLD_NS} after the last one, requests for the address are flooded, not answered, so
 *     that the hosts themselves sort it out.</li>
 * <li>Answers only for: a broadcast ARP request or a multicast NS, from the TAP, with a sender address, whose
 *     target is bound, fresh, on a peer port, not in conflict, and (IPv6) whose router flag was seen in an NA,
 *     since an answer with the wrong R flag would make the asker drop a router. Unicast requests are the
 *     asker's reachability checks: they pass, and must reach the real host.</li>
 * <li>Bad input (wrong lengths, truncated options, zero or multicast sender MAC, bad ICMPv6 checksum, hop limit
 *     other than 255) is dropped and counted: hosts would drop it too.</li>
 * </ul>
 */
public final class NeighborSuppressor {
    /** {@link #inspect} result: forward the frame as the switch decided. */
    public static final int PASS = 0;
    /** {@link #inspect} result: the request was answered; write {@link #reply()} to the TAP, forward nothing. */
    public static final int ANSWER = 1;
    /** {@link #inspect} result: bogus ARP/ND, counted; forward nothing. */
    public static final int DROP = 2;

    /** Claims in a row by another MAC that move an address to it. */
    public static final int CLAIMS_TO_MOVE = 2;
    /** After a conflicting claim, requests for the address are flooded this long: both claimants hear them. */
    public static final long CONFLICT_HOLD_NS = TimeUnit.SECONDS.toNanos(10);
    /** Bytes before a reply in {@link #reply()}: room for a TAP's vnet header, which is written in front. */
    public static final int REPLY_OFFSET = 64;
    /** The shortest Ethernet frame without its FCS; shorter replies are zero-padded. */
    static final int MIN_FRAME = 60;
    private static final int NA_LENGTH = NdMessage.MIN_LENGTH + NdMessage.OPTION_UNIT;
    private static final int MAX_SINGLE_TAG_HEADER = EthernetFrame.HEADER_LENGTH + EthernetFrame.TAG_LENGTH;
    private static final int SLOTS_PER_MESSAGE = 2;
    private static final int MIN_SLOTS_PER_TICK = 64;
    private static final long LOG_INTERVAL_NS = TimeUnit.SECONDS.toNanos(10);
    private static final int PER_PORT_SHARE_DIVISOR = 2;

    private final NeighborTable table;
    private final NeighborCounters counters = new NeighborCounters();
    private final ArpPacket arp = new ArpPacket();
    private final NdMessage nd = new NdMessage();
    private final ByteBuffer reply = ByteBuffer.allocateDirect(REPLY_OFFSET + 128);
    private final Logger logger;
    private final LogRateLimiter conflictLog = new LogRateLimiter(LOG_INTERVAL_NS);
    private final LogRateLimiter limitLog = new LogRateLimiter(LOG_INTERVAL_NS);
    private final int tableLimit;
    private final int perPortLimit;
    private final long agingNs;
    private final long tickNsPerSlot;
    private int replyLength;
    private int agingHand;
    private long lastTickNs;
    private long tickCreditNs;
    private boolean ticked;

    public NeighborSuppressor(SwitchSettings settings) {
        this(settings, System.getLogger(NeighborSuppressor.class.getName()), new SecureRandom().nextLong());
    }

    /** With a logger and a fixed hash seed, for tests. */
    public NeighborSuppressor(SwitchSettings settings, Logger logger, long hashSeed) {
        this.logger = logger;
        this.tableLimit = settings.neighborTableLimit();
        this.perPortLimit = Math.max(1, (tableLimit + PER_PORT_SHARE_DIVISOR - 1) / PER_PORT_SHARE_DIVISOR);
        this.agingNs = settings.neighborAgingNanos();
        this.table = new NeighborTable(tableLimit, settings.maxPorts(), hashSeed);
        this.tickNsPerSlot = Math.max(1, agingNs / 4 / table.capacity());
    }

    public NeighborCounters counters() {
        return counters;
    }

    /** Bindings held, expired ones not yet swept included. */
    public int size() {
        return table.size();
    }

    public int limit() {
        return tableLimit;
    }

    /** The most bindings one port may hold. */
    public int perPortLimit() {
        return perPortLimit;
    }

    /** Bindings learned on one port. */
    public int count(int port) {
        return table.count(port);
    }

    /** The buffer {@link #ANSWER} wrote its reply to, at {@link #REPLY_OFFSET}. */
    public ByteBuffer reply() {
        return reply;
    }

    public int replyOffset() {
        return REPLY_OFFSET;
    }

    public int replyLength() {
        return replyLength;
    }

    // ---------------------------------------------------------------- data path (allocation-free)

    /**
     * Learns from an ARP or NS/NA frame that the switch let through from {@code ingressPort}, and answers it
     * when it is a request for a host at another site. Frames of other kinds, and QinQ frames, pass untouched.
     *
     * @return {@link #PASS}, {@link #ANSWER} or {@link #DROP}
     */
    public int inspect(int ingressPort, EthernetFrame frame, long nowNs) {
        if (frame.status() != FrameStatus.OK || frame.headerLength() > MAX_SINGLE_TAG_HEADER) {
            return PASS;
        }
        int type = frame.etherType();
        if (type == EtherType.ARP) {
            sweep(SLOTS_PER_MESSAGE, nowNs);
            return arp(ingressPort, frame, nowNs);
        }
        if (type == EtherType.IPV6) {
            return neighborDiscovery(ingressPort, frame, nowNs);
        }
        return PASS;
    }

    private int arp(int ingressPort, EthernetFrame frame, long nowNs) {
        ByteBuffer buf = frame.buffer();
        int at = frame.offset() + frame.headerLength();
        int available = frame.length() - frame.headerLength();
        if (available < ArpPacket.HARDWARE_LENGTH_OFFSET) {
            return drop(NeighborCounters.DROPPED_MALFORMED_ARP);
        }
        arp.wrap(buf, at);
        if (arp.hardwareType() != ArpPacket.HARDWARE_ETHERNET || arp.protocolType() != ArpPacket.PROTOCOL_IPV4) {
            // Another protocol's ARP: not ours to judge.
            return PASS;
        }
        if (available < ArpPacket.LENGTH || arp.hardwareLength() != MacAddress.LENGTH || arp.protocolLength() != 4) {
            return drop(NeighborCounters.DROPPED_MALFORMED_ARP);
        }
        int operation = arp.operation();
        if (operation != ArpPacket.OPERATION_REQUEST && operation != ArpPacket.OPERATION_REPLY) {
            return drop(NeighborCounters.DROPPED_MALFORMED_ARP);
        }
        long senderMac = arp.senderMac();
        int senderIp = arp.senderIp();
        if (!MacAddress.isLearnableUnicast(senderMac) || isBadIpv4Sender(senderIp)) {
            return drop(NeighborCounters.DROPPED_INVALID_SENDER);
        }
        int targetIp = arp.targetIp();
        int vlan = frame.vlanId();
        boolean isQuestion = operation == ArpPacket.OPERATION_REQUEST && senderIp != 0 && senderIp != targetIp
                && MacAddress.isBroadcast(frame.destination());
        if (isQuestion && ingressPort != LearningSwitch.LOCAL_PORT) {
            counters.increment(NeighborCounters.REQUESTS_FROM_PEERS);
        }
        if (senderIp == 0) {
            counters.increment(NeighborCounters.NOT_LEARNED);
        } else {
            learn(ingressPort, vlan, 0, NeighborTable.ipv4Low(senderIp), senderMac, 0, false, nowNs);
        }
        if (!isQuestion || ingressPort != LearningSwitch.LOCAL_PORT) {
            return PASS;
        }
        int slot = answerable(vlan, 0, NeighborTable.ipv4Low(targetIp), senderMac, false, nowNs);
        if (slot < 0) {
            return PASS;
        }
        long targetMac = table.mac(slot);
        int length = writeHeader(frame, senderMac, targetMac);
        ArpPacket.write(reply, REPLY_OFFSET + length, ArpPacket.OPERATION_REPLY, targetMac, targetIp, senderMac,
                senderIp);
        length += ArpPacket.LENGTH;
        while (length < MIN_FRAME) {
            reply.put(REPLY_OFFSET + length++, (byte) 0);
        }
        replyLength = length;
        counters.increment(NeighborCounters.ARP_ANSWERED);
        return ANSWER;
    }

    /** Multicast, class E, limited broadcast and loopback never send ARP; 0.0.0.0 (a probe) may. */
    private static boolean isBadIpv4Sender(int ip) {
        int first = ip >>> 24;
        return first >= 224 || first == 127;
    }

    private int neighborDiscovery(int ingressPort, EthernetFrame frame, long nowNs) {
        int available = frame.length() - frame.headerLength();
        if (available <= Ipv6Header.LENGTH) {
            return PASS;
        }
        nd.wrap(frame.buffer(), frame.offset() + frame.headerLength());
        if (nd.version() != Ipv6Header.VERSION || nd.nextHeader() != IpProtocol.ICMPV6) {
            return PASS;
        }
        int type = nd.type();
        if (type != NdMessage.TYPE_NEIGHBOR_SOLICITATION && type != NdMessage.TYPE_NEIGHBOR_ADVERTISEMENT) {
            return PASS;
        }
        sweep(SLOTS_PER_MESSAGE, nowNs);
        int icmpLength = nd.icmpLength();
        if (icmpLength < NdMessage.MIN_LENGTH || icmpLength > available - Ipv6Header.LENGTH) {
            return drop(NeighborCounters.DROPPED_MALFORMED_ND);
        }
        if (nd.hopLimit() != NdMessage.HOP_LIMIT) {
            return drop(NeighborCounters.DROPPED_BAD_HOP_LIMIT);
        }
        if (!nd.hasValidChecksum()) {
            return drop(NeighborCounters.DROPPED_BAD_CHECKSUM);
        }
        long targetHigh = nd.targetHigh();
        long targetLow = nd.targetLow();
        long sourceHigh = nd.sourceHigh();
        long sourceLow = nd.sourceLow();
        boolean unspecifiedSource = sourceHigh == 0 && sourceLow == 0;
        boolean multicastDestination = isIpv6Multicast(nd.destinationHigh());
        if (nd.code() != 0 || isIpv6Multicast(targetHigh) || isIpv6Multicast(sourceHigh)) {
            return drop(NeighborCounters.DROPPED_MALFORMED_ND);
        }
        int vlan = frame.vlanId();
        if (type == NdMessage.TYPE_NEIGHBOR_ADVERTISEMENT) {
            return advertisement(ingressPort, vlan, targetHigh, targetLow, multicastDestination, nowNs);
        }
        long sourceMac = nd.linkLayerOption(NdMessage.OPTION_SOURCE_LINK_LAYER);
        if (sourceMac == NdMessage.MALFORMED_OPTIONS) {
            return drop(NeighborCounters.DROPPED_MALFORMED_ND);
        }
        if (unspecifiedSource) {
            // DAD (RFC 4862): to the solicited-node group and without a source link-layer option.
            if (!multicastDestination || sourceMac != NdMessage.NO_OPTION) {
                return drop(NeighborCounters.DROPPED_MALFORMED_ND);
            }
            counters.increment(NeighborCounters.NOT_LEARNED);
            return PASS;
        }
        if (sourceMac != NdMessage.NO_OPTION && !MacAddress.isLearnableUnicast(sourceMac)) {
            return drop(NeighborCounters.DROPPED_INVALID_SENDER);
        }
        boolean isQuestion = multicastDestination && MacAddress.isMulticast(frame.destination());
        if (isQuestion && ingressPort != LearningSwitch.LOCAL_PORT) {
            counters.increment(NeighborCounters.REQUESTS_FROM_PEERS);
        }
        if (sourceMac == NdMessage.NO_OPTION) {
            counters.increment(NeighborCounters.NOT_LEARNED);
        } else {
            learn(ingressPort, vlan, sourceHigh, sourceLow, sourceMac, 0, false, nowNs);
        }
        if (!isQuestion || ingressPort != LearningSwitch.LOCAL_PORT) {
            return PASS;
        }
        long askerMac = sourceMac == NdMessage.NO_OPTION ? frame.source() : sourceMac;
        int slot = answerable(vlan, targetHigh, targetLow, askerMac, true, nowNs);
        if (slot < 0) {
            return PASS;
        }
        writeAdvertisement(frame, askerMac, slot, sourceHigh, sourceLow, targetHigh, targetLow);
        counters.increment(NeighborCounters.ND_ANSWERED);
        return ANSWER;
    }

    private int advertisement(int ingressPort, int vlan, long targetHigh, long targetLow, boolean multicastDestination,
                              long nowNs) {
        int flags = nd.flags();
        if (multicastDestination && (flags & NdMessage.FLAG_SOLICITED) != 0) {
            return drop(NeighborCounters.DROPPED_MALFORMED_ND);
        }
        long targetMac = nd.linkLayerOption(NdMessage.OPTION_TARGET_LINK_LAYER);
        if (targetMac == NdMessage.MALFORMED_OPTIONS) {
            return drop(NeighborCounters.DROPPED_MALFORMED_ND);
        }
        if (targetMac != NdMessage.NO_OPTION && !MacAddress.isLearnableUnicast(targetMac)) {
            return drop(NeighborCounters.DROPPED_INVALID_SENDER);
        }
        if (targetMac == NdMessage.NO_OPTION || (flags & NdMessage.FLAG_OVERRIDE) == 0) {
            // Without override the sender is an anycast or proxy responder: no single host owns the address.
            counters.increment(NeighborCounters.NOT_LEARNED);
            return PASS;
        }
        long routerFlags = NeighborTable.FLAG_ROUTER_KNOWN
                | ((flags & NdMessage.FLAG_ROUTER) != 0 ? NeighborTable.FLAG_ROUTER : 0);
        learn(ingressPort, vlan, targetHigh, targetLow, targetMac, routerFlags, true, nowNs);
        return PASS;
    }

    private static boolean isIpv6Multicast(long high) {
        return (high >>> 56) == 0xFF;
    }

    /** The slot of a binding this site may answer for, or -1 (counted as flooded or local). */
    private int answerable(int vlan, long high, long low, long askerMac, boolean needsRouterFlag, long nowNs) {
        int slot = table.find(vlan, high, low);
        if (slot >= 0 && isExpired(slot, nowNs)) {
            expireAt(slot);
            slot = -1;
        }
        if (slot < 0) {
            counters.increment(NeighborCounters.REQUESTS_FLOODED);
            return -1;
        }
        if (table.port(slot) == LearningSwitch.LOCAL_PORT) {
            counters.increment(NeighborCounters.REQUESTS_LOCAL_TARGET);
            return -1;
        }
        if (isInConflict(slot, nowNs) || table.mac(slot) == askerMac
                || (needsRouterFlag && !table.hasFlag(slot, NeighborTable.FLAG_ROUTER_KNOWN))) {
            counters.increment(NeighborCounters.REQUESTS_FLOODED);
            return -1;
        }
        return slot;
    }

    private boolean isInConflict(int slot, long nowNs) {
        return table.challengerClaims(slot) > 0
                || (table.hasFlag(slot, NeighborTable.FLAG_CONFLICT_SEEN)
                        && nowNs - table.conflictNs(slot) < CONFLICT_HOLD_NS);
    }

    /** Copies the request's Ethernet header and tag with swapped addresses; returns its length. */
    private int writeHeader(EthernetFrame request, long destination, long source) {
        int length = request.headerLength();
        reply.put(REPLY_OFFSET, request.buffer(), request.offset(), length);
        MacAddress.write(reply, REPLY_OFFSET + EthernetFrame.DESTINATION_OFFSET, destination);
        MacAddress.write(reply, REPLY_OFFSET + EthernetFrame.SOURCE_OFFSET, source);
        return length;
    }

    private void writeAdvertisement(EthernetFrame request, long askerMac, int slot, long askerHigh, long askerLow,
                                    long targetHigh, long targetLow) {
        long targetMac = table.mac(slot);
        int ip = REPLY_OFFSET + writeHeader(request, askerMac, targetMac);
        Wire.putS32(reply, ip + Ipv6Header.VERSION_OFFSET, Ipv6Header.VERSION << 28);
        Wire.putU16(reply, ip + Ipv6Header.PAYLOAD_LENGTH_OFFSET, NA_LENGTH);
        Wire.putU8(reply, ip + Ipv6Header.NEXT_HEADER_OFFSET, IpProtocol.ICMPV6);
        Wire.putU8(reply, ip + Ipv6Header.HOP_LIMIT_OFFSET, NdMessage.HOP_LIMIT);
        Wire.putS64(reply, ip + Ipv6Header.SOURCE_OFFSET, targetHigh);
        Wire.putS64(reply, ip + Ipv6Header.SOURCE_OFFSET + 8, targetLow);
        Wire.putS64(reply, ip + Ipv6Header.DESTINATION_OFFSET, askerHigh);
        Wire.putS64(reply, ip + Ipv6Header.DESTINATION_OFFSET + 8, askerLow);
        int icmp = ip + Ipv6Header.LENGTH;
        Wire.putU8(reply, icmp + NdMessage.TYPE_OFFSET, NdMessage.TYPE_NEIGHBOR_ADVERTISEMENT);
        Wire.putU8(reply, icmp + NdMessage.CODE_OFFSET, 0);
        Wire.putU16(reply, icmp + NdMessage.CHECKSUM_OFFSET, 0);
        int flags = NdMessage.FLAG_SOLICITED | NdMessage.FLAG_OVERRIDE
                | (table.hasFlag(slot, NeighborTable.FLAG_ROUTER) ? NdMessage.FLAG_ROUTER : 0);
        Wire.putS32(reply, icmp + NdMessage.FLAGS_OFFSET, flags << 24);
        Wire.putS64(reply, icmp + NdMessage.TARGET_OFFSET, targetHigh);
        Wire.putS64(reply, icmp + NdMessage.TARGET_OFFSET + 8, targetLow);
        int option = icmp + NdMessage.OPTIONS_OFFSET;
        Wire.putU8(reply, option, NdMessage.OPTION_TARGET_LINK_LAYER);
        Wire.putU8(reply, option + 1, 1);
        MacAddress.write(reply, option + 2, targetMac);
        int sum = NdMessage.pseudoHeaderSum(reply, ip, NA_LENGTH);
        sum = InternetChecksum.sum(reply, icmp, NA_LENGTH, sum);
        Wire.putU16(reply, icmp + NdMessage.CHECKSUM_OFFSET, InternetChecksum.complement(sum));
        replyLength = icmp + NA_LENGTH - REPLY_OFFSET;
    }

    private void learn(int port, int vlan, long high, long low, long mac, long routerFlags, boolean hasRouterInfo,
                       long nowNs) {
        int slot = table.find(vlan, high, low);
        if (slot >= 0 && isExpired(slot, nowNs)) {
            expireAt(slot);
            slot = table.find(vlan, high, low);
        }
        if (slot < 0) {
            if (table.size() >= tableLimit || table.count(port) >= perPortLimit) {
                counters.increment(NeighborCounters.LIMIT_HIT);
                logLimit(port, high, low, nowNs);
                return;
            }
            table.insert(~slot, vlan, high, low, mac, port, routerFlags, nowNs);
            counters.increment(NeighborCounters.LEARNED);
            return;
        }
        long flags = hasRouterInfo ? routerFlags : routerFlagsOf(slot);
        if (table.mac(slot) == mac) {
            table.clearChallenger(slot);
            if (table.port(slot) == port) {
                table.touch(slot, nowNs);
                table.setFlags(slot, NeighborTable.FLAG_ROUTER_KNOWN | NeighborTable.FLAG_ROUTER, false);
                table.setFlags(slot, flags, true);
            } else if (table.count(port) >= perPortLimit) {
                counters.increment(NeighborCounters.LIMIT_HIT);
                logLimit(port, high, low, nowNs);
            } else {
                // The same host now speaks from another site: it moved.
                table.move(slot, mac, port, flags, nowNs);
                counters.increment(NeighborCounters.MOVED);
            }
            return;
        }
        counters.increment(NeighborCounters.CONFLICTS);
        int claims = table.challenge(slot, mac, nowNs);
        logConflict(slot, mac, port, claims, nowNs);
        if (claims < CLAIMS_TO_MOVE) {
            return;
        }
        if (table.port(slot) != port && table.count(port) >= perPortLimit) {
            counters.increment(NeighborCounters.LIMIT_HIT);
            logLimit(port, high, low, nowNs);
            return;
        }
        table.move(slot, mac, port, hasRouterInfo ? routerFlags : 0, nowNs);
        counters.increment(NeighborCounters.MOVED);
    }

    private long routerFlagsOf(int slot) {
        return (table.hasFlag(slot, NeighborTable.FLAG_ROUTER_KNOWN) ? NeighborTable.FLAG_ROUTER_KNOWN : 0)
                | (table.hasFlag(slot, NeighborTable.FLAG_ROUTER) ? NeighborTable.FLAG_ROUTER : 0);
    }

    private int drop(int counter) {
        counters.increment(counter);
        return DROP;
    }

    private boolean isExpired(int slot, long nowNs) {
        return nowNs - table.lastSeenNs(slot) >= agingNs;
    }

    private void expireAt(int slot) {
        counters.increment(NeighborCounters.AGED);
        table.removeAt(slot);
    }

    /** Advances aging; call with the switch's tick. Sweeps a share of the table proportional to the time passed. */
    public void tick(long nowNs) {
        long slots;
        if (!ticked) {
            ticked = true;
            slots = MIN_SLOTS_PER_TICK;
        } else {
            long creditNs = tickCreditNs + Math.min(agingNs, Math.max(0, nowNs - lastTickNs));
            slots = Math.max(MIN_SLOTS_PER_TICK, creditNs / tickNsPerSlot);
            tickCreditNs = creditNs % tickNsPerSlot;
        }
        lastTickNs = nowNs;
        sweep((int) Math.min(slots, table.capacity()), nowNs);
    }

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

    // ---------------------------------------------------------------- control path (may allocate)

    /** Forgets every binding learned on a port, e.g. when its peer is removed. */
    public void removePort(int port) {
        int slot = 0;
        while (slot < table.capacity()) {
            if (table.isOccupied(slot) && table.port(slot) == port) {
                table.removeAt(slot);
            } else {
                slot++;
            }
        }
    }

    /** The live bindings, IPv4 first, by VLAN and address. Allocates; call on the data-path thread. */
    public List<NeighborEntry> dump(long nowNs) {
        List<NeighborEntry> entries = new ArrayList<>(table.size());
        for (int slot = 0; slot < table.capacity(); slot++) {
            if (!table.isOccupied(slot) || isExpired(slot, nowNs)) {
                continue;
            }
            String state = isInConflict(slot, nowNs) ? NeighborEntry.STATE_CONFLICT
                    : !NeighborTable.isIpv4(table.high(slot), table.low(slot))
                            && !table.hasFlag(slot, NeighborTable.FLAG_ROUTER_KNOWN) ? NeighborEntry.STATE_UNCONFIRMED
                    : NeighborEntry.STATE_REACHABLE;
            entries.add(new NeighborEntry(table.vlan(slot), NeighborEntry.bytes(table.high(slot), table.low(slot)),
                    table.mac(slot), table.port(slot), Math.max(0, TimeUnit.NANOSECONDS.toMillis(nowNs
                    - table.lastSeenNs(slot))), state, table.challengerClaims(slot) > 0 ? table.challenger(slot) : 0,
                    table.moves(slot)));
        }
        entries.sort(Comparator.comparingInt((NeighborEntry e) -> e.address().length)
                .thenComparingInt(NeighborEntry::vlan)
                .thenComparing(NeighborEntry::address, java.util.Arrays::compareUnsigned));
        return entries;
    }

    // ---------------------------------------------------------------- rate-limited logging

    private void logConflict(int slot, long mac, int port, int claims, long nowNs) {
        if (conflictLog.tryAcquire(nowNs) && logger.isLoggable(Level.WARNING)) {
            String address = new NeighborEntry(0, NeighborEntry.bytes(table.high(slot), table.low(slot)), 0, 0, 0,
                    "", 0, 0).addressText();
            logger.log(Level.WARNING, "address conflict: " + address + " vlan " + table.vlan(slot) + " is bound to "
                    + MacAddress.format(table.mac(slot)) + " on port " + table.port(slot) + ", but "
                    + MacAddress.format(mac) + " on port " + port + " claims it (claim " + claims + " of "
                    + CLAIMS_TO_MOVE + " to move it); requests for it are flooded meanwhile. Look for a duplicate"
                    + " address or a host whose MAC changed" + suppressed(conflictLog));
        }
    }

    private void logLimit(int port, long high, long low, long nowNs) {
        if (limitLog.tryAcquire(nowNs) && logger.isLoggable(Level.WARNING)) {
            String address = new NeighborEntry(0, NeighborEntry.bytes(high, low), 0, 0, 0, "", 0, 0).addressText();
            logger.log(Level.WARNING, "neighbour table full (" + SwitchSettings.KEY_NEIGHBOR_TABLE_LIMIT + "="
                    + tableLimit + ", " + perPortLimit + " per port): not learning " + address + " from port " + port
                    + "; requests for it are flooded. Look for an ARP flood or raise "
                    + SwitchSettings.KEY_NEIGHBOR_TABLE_LIMIT + suppressed(limitLog));
        }
    }

    private static String suppressed(LogRateLimiter limiter) {
        long count = limiter.takeSuppressed();
        return count == 0 ? "" : " (" + count + " similar messages suppressed)";
    }
}
