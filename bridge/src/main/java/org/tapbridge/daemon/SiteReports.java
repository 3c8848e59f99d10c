package org.tapbridge.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tapbridge.control.ControlHandler;
import org.tapbridge.control.ControlRequest;
import org.tapbridge.control.TextTable;
import org.tapbridge.crypto.Aeads;
import org.tapbridge.crypto.Keys;
import org.tapbridge.dns.EndpointResolver;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.drops.DropReason;
import org.tapbridge.link.AutoPeerLink;
import org.tapbridge.link.AutoTransport;
import org.tapbridge.link.PeerLink;
import org.tapbridge.link.PeerLinks;
import org.tapbridge.link.PeerCounters;
import org.tapbridge.neighbor.NeighborEntry;
import org.tapbridge.neighbor.NeighborSuppressor;
import org.tapbridge.drops.DropReason;
import org.tapbridge.offload.OffloadStatus;
import org.tapbridge.offload.FlowCoalescer;
import org.tapbridge.pipeline.MtuGuard;
import org.tapbridge.pipeline.SuperFrameCutter;
import org.tapbridge.pipeline.TapPort;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.switching.MacTableEntry;
import org.tapbridge.switching.SwitchCounters;
import org.tapbridge.tap.TapOffloads;

/** Answers {@code macs}, {@code peers} and {@code stats} on the control thread, as tables or JSON. */
final class SiteReports implements ControlHandler {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Daemon daemon;

    SiteReports(Daemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public String handle(ControlRequest request) throws Exception {
        FaultInjector.beforeControlRequest();
        return switch (request.command()) {
            case MACS -> macs(request.json());
            case PEERS -> peers(request.json());
            case STATS -> stats(request.json());
            case RELOAD -> reload(request.path(), request.json());
            case NEIGHBORS -> neighbors(request.json());
        };
    }

    /**
     * Reloads {@code path} (null: the file the daemon started from) and says what changed. A refused file
     * is answered {@code error: refused: FILE:LINE: KEY: problem}, which the CLI turns into exit status 2.
     */
    String reload(String path, boolean json) throws Exception {
        java.nio.file.Path file = path == null ? daemon.startFile() : java.nio.file.Path.of(path);
        LiveReload.Outcome outcome;
        try {
            outcome = daemon.reloadDetailed(file);
        } catch (org.tapbridge.config.ConfigException e) {
            return "error: refused: " + e.getMessage() + "\n";
        } catch (java.util.concurrent.TimeoutException e) {
            return "error: " + e.getMessage() + "; the reload may not have been applied\n";
        } catch (RuntimeException e) {
            return "error: refused: " + file + ": " + e.getMessage() + "\n";
        }
        if (json) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("file", outcome.file().toString());
            root.put("changed", !outcome.diff().isEmpty());
            root.putAll(outcome.diff().toMap());
            return JSON.writeValueAsString(root) + "\n";
        }
        return "reloaded " + outcome.file() + ": " + outcome.diff().summary() + "\n";
    }

    private String portName(int port) {
        if (port == LearningSwitch.LOCAL_PORT) {
            return "local";
        }
        PeerLink peer = daemon.peers().byPort(port);
        return peer == null ? "port-" + port : peer.name();
    }

    String macs(boolean json) throws Exception {
        List<MacTableEntry> entries = new ArrayList<>(daemon.onLoop(
                d -> d.forwarder().learningSwitch().dump(System.nanoTime())));
        entries.sort(Comparator.comparingInt(MacTableEntry::vlan).thenComparingLong(MacTableEntry::mac));
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (MacTableEntry e : entries) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("vlan", e.vlan());
                row.put("mac", MacAddress.format(e.mac()));
                row.put("port", portName(e.port()));
                row.put("age", e.ageMillis() / 1000);
                row.put("type", e.isStatic() ? "static" : "dynamic");
                row.put("moves", e.moveCount());
                row.put("flaps", e.flapCount());
                rows.add(row);
            }
            return JSON.writeValueAsString(rows) + "\n";
        }
        TextTable table = new TextTable("VLAN", "MAC", "PORT", "AGE", "TYPE", "MOVES", "FLAPS");
        for (MacTableEntry e : entries) {
            table.row(e.vlan(), MacAddress.format(e.mac()), portName(e.port()), e.ageMillis() / 1000,
                    e.isStatic() ? "static" : "dynamic", e.moveCount(), e.flapCount());
        }
        return table.toString();
    }

    /** The IP-to-MAC bindings of ARP/ND suppression; an error when it is off, so that scripts notice. */
    String neighbors(boolean json) throws Exception {
        List<NeighborEntry> entries = daemon.onLoop(d -> d.forwarder().neighbors() == null ? null
                : d.forwarder().neighbors().dump(System.nanoTime()));
        if (entries == null) {
            throw new IllegalArgumentException("ARP/ND suppression is off; set [switch] "
                    + org.tapbridge.switching.SwitchSettings.KEY_ARP_SUPPRESSION + " = true to learn neighbours");
        }
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (NeighborEntry e : entries) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("vlan", e.vlan());
                row.put("ip", e.addressText());
                row.put("mac", MacAddress.format(e.mac()));
                row.put("port", portName(e.port()));
                row.put("age", e.ageMillis() / 1000);
                row.put("state", e.state());
                row.put("challenger", e.challenger() == 0 ? null : MacAddress.format(e.challenger()));
                row.put("moves", e.moves());
                rows.add(row);
            }
            return JSON.writeValueAsString(rows) + "\n";
        }
        TextTable table = new TextTable("VLAN", "IP", "MAC", "PORT", "AGE", "STATE", "MOVES");
        for (NeighborEntry e : entries) {
            table.row(e.vlan(), e.addressText(), MacAddress.format(e.mac()), portName(e.port()), e.ageMillis() / 1000,
                    e.challenger() == 0 ? e.state() : e.state() + " (" + MacAddress.format(e.challenger()) + ")",
                    e.moves());
        }
        return table.toString();
    }

    /** One peer as the data-path thread saw it, for rendering on the control thread. */
    private record PeerRow(PeerLink peer, boolean up, String endpoint, PeerLinks.SessionView session, long lastRxNs,
                           long rxFrames, long rxBytes, long txFrames, long txBytes, Map<String, Long> drops,
                           int pathMtu, boolean pathMtuSearching, int maxFrame, TransportView transport) {
    }

    /**
     * The transport in use; for an auto peer also why, and its moves (null fields otherwise). Taken on the
     * data-path thread, which owns the decisions.
     */
    private record TransportView(String inUse, String why, Long fallbacks, Long movesBack) {
        static TransportView of(PeerLink peer, long nowNs) {
            if (peer instanceof AutoPeerLink auto) {
                AutoTransport choice = auto.choice();
                return new TransportView(auto.activeTransport().configName(), choice.describe(nowNs),
                        choice.fallbacks(), choice.movesBack());
            }
            return new TransportView(peer.transport().configName(), null, null, null);
        }
    }

    String peers(boolean json) throws Exception {
        List<PeerRow> view = daemon.onLoop(d -> {
            List<PeerRow> rows = new ArrayList<>();
            for (PeerLink peer : d.peers().peers()) {
                PeerCounters c = peer.counters();
                Map<String, Long> drops = new LinkedHashMap<>();
                for (int r = 0; r < DropReason.COUNT; r++) {
                    long n = c.drops(r);
                    if (n > 0) {
                        drops.put(DropReason.name(r), n);
                    }
                }
                long rxFrames = c.rxFrames();
                long rxBytes = c.rxBytes();
                long txFrames = c.txFrames();
                long txBytes = c.txBytes();
                // The same peer's sessions on the further loops carry their share of its traffic.
                for (QueueLane lane : d.lanes()) {
                    PeerLink there = lane.links().peers().byName(peer.name());
                    if (there != null) {
                        PeerCounters lc = there.counters();
                        rxFrames += lc.rxFrames();
                        rxBytes += lc.rxBytes();
                        txFrames += lc.txFrames();
                        txBytes += lc.txBytes();
                    }
                }
                rows.add(new PeerRow(peer, peer.isUp(), peer.endpoint() == null ? null : hostPort(peer),
                        d.links().session(peer), peer.lastRxNs(), rxFrames, rxBytes, txFrames, txBytes,
                        drops, peer.pathMtu(), peer.pathMtuSearching(), peer.maxFrameLength(),
                        TransportView.of(peer, System.nanoTime())));
            }
            return rows;
        });
        long nowNs = System.nanoTime();
        List<Map<String, Object>> rows = new ArrayList<>();
        TextTable table = new TextTable("PEER", "KEY", "ENDPOINT", "TRANSPORT", "STATE", "HANDSHAKE", "LAST-RX",
                "PMTU", "RX-FRAMES", "RX-BYTES", "TX-FRAMES", "TX-BYTES", "DROPS");
        for (PeerRow p : view) {
            PeerLink peer = p.peer();
            long totalDrops = p.drops().values().stream().mapToLong(Long::longValue).sum();
            long lastRx = p.lastRxNs() == 0 ? -1 : (nowNs - p.lastRxNs()) / 1_000_000_000L;
            long handshakeAge = p.session().lastHandshakeNs() == Long.MIN_VALUE ? -1
                    : (nowNs - p.session().lastHandshakeNs()) / 1_000_000_000L;
            String key = Keys.encode(peer.session().publicKey());
            String shortKey = key.substring(0, 8) + "…";
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", peer.name());
            row.put("port", peer.port());
            row.put("public-key", key);
            row.put("endpoint", p.endpoint());
            row.put("transport", peer.transport().configName());
            // Added for transport = "auto": where traffic goes now, and why (null for a fixed transport).
            row.put("transport-in-use", p.transport().inUse());
            row.put("transport-reason", p.transport().why());
            row.put("transport-fallbacks", p.transport().fallbacks());
            row.put("transport-moves-back", p.transport().movesBack());
            row.put("state", p.up() ? "up" : "down");
            row.put("session", p.session().established() ? "established" : "none");
            row.put("last-handshake-seconds", handshakeAge < 0 ? null : handshakeAge);
            row.put("last-rx-seconds", lastRx < 0 ? null : lastRx);
            row.put("pmtu", p.pathMtu() == 0 ? null : p.pathMtu());
            row.put("pmtu-searching", p.pathMtuSearching());
            row.put("max-frame", p.maxFrame());
            row.put("rx-frames", p.rxFrames());
            row.put("rx-bytes", p.rxBytes());
            row.put("tx-frames", p.txFrames());
            row.put("tx-bytes", p.txBytes());
            row.put("drops", p.drops());
            EndpointResolver.Status name = daemon.resolver().status(peer.name());
            // Only for a host name endpoint: the name as configured, and why it does not resolve (null when
            // it does). "endpoint" stays the address in use, null until the name first resolved.
            if (name != null) {
                row.put("host", name.configured());
                row.put("resolve-error", name.problem() == null ? null
                        : name.problem() + "; retry in " + secondsUntil(name.nextLookupNs(), nowNs) + " s");
            }
            rows.add(row);
            String endpointText = p.endpoint() != null ? p.endpoint()
                    : name != null ? name.configured() + " (unresolved)" : "(waiting)";
            String state = p.up() ? "up" : name != null && name.unresolved() ? "unresolved" : "down";
            String transportText = p.transport().why() == null ? p.transport().inUse()
                    : "auto: " + p.transport().why();
            table.row(peer.name(), shortKey, endpointText, transportText, state,
                    handshakeAge < 0 ? "never" : handshakeAge + "s ago", lastRx < 0 ? "never" : lastRx + "s ago",
                    p.pathMtu() == 0 ? "-" : p.pathMtu(), p.rxFrames(), p.rxBytes(), p.txFrames(), p.txBytes(),
                    totalDrops == 0 ? "0" : p.drops().toString().replace(" ", ""));
        }
        if (json) {
            return JSON.writeValueAsString(rows) + "\n";
        }
        StringBuilder text = new StringBuilder(table.toString());
        for (Map<String, Object> row : rows) {
            if (row.get("resolve-error") != null) {
                text.append("peer ").append(row.get("name")).append(": cannot resolve ").append(row.get("host"))
                        .append(": ").append(row.get("resolve-error")).append('\n');
            }
        }
        return text.toString();
    }

    private static long secondsUntil(long atNs, long nowNs) {
        return Math.max(0, (atNs - nowNs + 999_999_999L) / 1_000_000_000L);
    }

    private static String hostPort(PeerLink peer) {
        var a = peer.endpoint();
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Every counter the stats show, taken in one visit to the data-path thread so they describe one instant. */
    private record StatsView(SwitchCounters.Snapshot switching, long[] blockedRemainingNs, long[] linkDrops,
                             org.tapbridge.crypto.CryptoCounters.Snapshot crypto, Map<String, Long> tap,
                             Map<String, Long> offload, Map<String, Long> udp, Map<String, Long> mtu, Map<String, Long> loop,
                             Map<String, Long> transport, Map<String, Long> neighbors,
                             List<Map<String, Object>> lanes) {
    }

    /**
     * GSO and GRO counters: what was cut from super-frames read and what was joined into super-frames written,
     * summed over the site's loops.
     */
    static Map<String, Long> offloadCounters(Daemon d) {
        Map<String, Long> offload = new LinkedHashMap<>();
        addOffloads(offload, d.forwarder().cutter(), d.tapPort().coalescer());
        for (QueueLane lane : d.lanes()) {
            addOffloads(offload, lane.forwarder().cutter(), lane.tapPort().coalescer());
        }
        return offload;
    }

    private static void addOffloads(Map<String, Long> offload, SuperFrameCutter cutter, FlowCoalescer coalescer) {
        if (cutter == null || coalescer == null) {
            return;
        }
        offload.merge("gso-tcp-super-frames", cutter.tcpSuperFrames(), Long::sum);
        offload.merge("gso-tcp-segments", cutter.tcpSegments(), Long::sum);
        offload.merge("gso-udp-super-frames", cutter.udpSuperFrames(), Long::sum);
        offload.merge("gso-udp-datagrams", cutter.udpDatagramsCut(), Long::sum);
        offload.merge("checksums-completed", cutter.checksumsCompleted(), Long::sum);
        long refused = 0;
        for (int status = 1; status < OffloadStatus.COUNT; status++) {
            refused += cutter.refused(status);
        }
        offload.merge("gso-refused", refused, Long::sum);
        offload.merge("gro-super-frames-written", coalescer.coalescedFrames(), Long::sum);
        offload.merge("gro-segments-coalesced", coalescer.coalescedSegments(), Long::sum);
        offload.merge("gro-single-frames", coalescer.singleFrames(), Long::sum);
        offload.merge("gro-udp-super-frames-written", coalescer.udpCoalescedFrames(), Long::sum);
        offload.merge("gro-udp-datagrams-coalesced", coalescer.udpCoalescedDatagrams(), Long::sum);
    }

    // The counter groups of `stats`, also served as metrics (DaemonSampler): one place to add a counter.
    // Each reads the first loop's counters on its thread, and adds the further loops' ([site] queues), read
    // as they stand: a report may trail those loops by a few frames.

    static long[] linkDrops(Daemon d) {
        long[] linkDrops = new long[DropReason.COUNT];
        for (int r = 0; r < DropReason.COUNT; r++) {
            linkDrops[r] = d.links().counters().drops(r);
            for (QueueLane lane : d.lanes()) {
                linkDrops[r] += lane.links().counters().drops(r);
            }
        }
        return linkDrops;
    }

    static Map<String, Long> tapCounters(Daemon d) {
        Map<String, Long> tap = new LinkedHashMap<>();
        addTap(tap, d.tapPort());
        for (QueueLane lane : d.lanes()) {
            addTap(tap, lane.tapPort());
        }
        return tap;
    }

    private static void addTap(Map<String, Long> tap, TapPort port) {
        tap.merge("frames-read", port.framesRead(), Long::sum);
        tap.merge("read-calls", port.readCalls(), Long::sum);
        tap.merge("truncated", port.truncated(), Long::sum);
        tap.merge("frames-written", port.framesWritten(), Long::sum);
        tap.merge("write-drops", port.writeDrops(), Long::sum);
        tap.merge("read-errors", port.readErrors(), Long::sum);
    }

    static Map<String, Long> udpCounters(Daemon d) {
        Map<String, Long> udp = new LinkedHashMap<>();
        addUdp(udp, d.links(), d.loop());
        for (QueueLane lane : d.lanes()) {
            addUdp(udp, lane.links(), lane.loop());
        }
        return udp;
    }

    private static void addUdp(Map<String, Long> udp, PeerLinks links, org.tapbridge.pipeline.DataPathLoop loop) {
        udp.merge("rx-queue-drops", links.udpPort().receiveQueueDrops(), Long::sum);
        udp.merge("sendmmsg-calls", links.udpSendCalls(), Long::sum);
        udp.merge("datagrams-sent", links.udpDatagramsSent(), Long::sum);
        udp.merge("gso-trains-sent", links.udpTrainsSent(), Long::sum);
        udp.merge("gso-trains-refused", links.udpTrainsRefused(), Long::sum);
        udp.merge("gro-datagrams-received", loop.coalescedDatagrams(), Long::sum);
    }

    /**
     * Each further loop ([site] queues): whether its TAP queue takes frames, how often that changed, its share
     * of the traffic, and its sessions up. Empty with one loop.
     */
    static List<Map<String, Object>> laneRows(Daemon d) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (QueueLane lane : d.lanes()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("lane", lane.index());
            row.put("queue", lane.queueEnabled() ? "attached" : "detached");
            row.put("queue-changes", lane.queueChanges());
            row.put("frames-read", lane.tapPort().framesRead());
            row.put("frames-written", lane.tapPort().framesWritten());
            row.put("datagrams-sent", lane.links().udpDatagramsSent());
            long up = lane.links().peers().peers().stream().filter(PeerLink::isUp).count();
            row.put("peers-up", up);
            row.put("peers-unconfirmed", lane.unconfirmedPeers());
            row.put("wrong-lane-drops", lane.links().counters().drops(DropReason.WRONG_LANE));
            row.put("no-link-drops", lane.forwarder().unreachable());
            rows.add(row);
        }
        return rows;
    }

    static Map<String, Long> mtuCounters(Daemon d) {
        Map<String, Long> mtu = new LinkedHashMap<>();
        addMtu(mtu, d.mtuGuard(), d.links());
        for (QueueLane lane : d.lanes()) {
            addMtu(mtu, lane.mtuGuard(), lane.links());
        }
        return mtu;
    }

    private static void addMtu(Map<String, Long> mtu, MtuGuard guard, PeerLinks links) {
        mtu.merge("mss-clamped", guard.mssClamped(), Long::sum);
        mtu.merge("mss-malformed", guard.mssMalformed(), Long::sum);
        mtu.merge("icmp-too-big-sent", guard.icmpSent(), Long::sum);
        mtu.merge("icmp-rate-limited", guard.icmpRateLimited(), Long::sum);
        mtu.merge("frames-fragmented", guard.framesFragmented(), Long::sum);
        mtu.merge("fragments-sent", guard.fragmentsSent(), Long::sum);
        mtu.merge("too-big-dropped", guard.tooBigDropped(), Long::sum);
        Map<String, Long> reassembly = new LinkedHashMap<>();
        links.reassemblyCounters(reassembly);
        reassembly.forEach((k, v) -> mtu.merge(k, v, Long::sum));
    }

    /** The sessions' counters of every loop, added up. */
    static org.tapbridge.crypto.CryptoCounters.Snapshot cryptoCounters(Daemon d) {
        org.tapbridge.crypto.CryptoCounters.Snapshot sum = d.links().cryptoCounters();
        for (QueueLane lane : d.lanes()) {
            sum = sum.plus(lane.links().cryptoCounters());
        }
        return sum;
    }

    static Map<String, Long> loopCounters(Daemon d) {
        Map<String, Long> loop = new LinkedHashMap<>();
        loop.put("turns", d.loop().turns());
        loop.put("sleeps", d.loop().sleeps());
        loop.put("handler-failures", d.loop().handlerFailures());
        loop.put("ticks", d.loop().ticks());
        loop.put("tick-microseconds", d.loop().tickNanos() / 1_000);
        loop.put("slow-ticks", d.loop().slowTicks());
        return loop;
    }

    String stats(boolean json) throws Exception {
        int portCount = daemon.peers().portCount();
        int[] ports = new int[portCount];
        for (int i = 0; i < portCount; i++) {
            ports[i] = i;
        }
        StatsView view = daemon.onLoop(d -> {
            long[] linkDrops = linkDrops(d);
            Map<String, Long> tap = tapCounters(d);
            Map<String, Long> offload = offloadCounters(d);
            Map<String, Long> udp = udpCounters(d);
            Map<String, Long> mtu = mtuCounters(d);
            Map<String, Long> loop = loopCounters(d);
            LearningSwitch learningSwitch = d.forwarder().learningSwitch();
            long nowNs = System.nanoTime();
            long[] blockedRemainingNs = new long[ports.length];
            for (int p : ports) {
                // A port still marked blocked with no time left unblocks on its next frame: show the time up.
                blockedRemainingNs[p] = learningSwitch.isBlocked(p)
                        ? Math.max(1, learningSwitch.blockedRemainingNanos(p, nowNs)) : 0;
            }
            Map<String, Long> transport = new LinkedHashMap<>();
            d.links().autoTransportCounters(transport);
            Map<String, Long> neighbors = new LinkedHashMap<>();
            NeighborSuppressor suppressor = d.forwarder().neighbors();
            if (suppressor != null) {
                neighbors.put("bindings", (long) suppressor.size());
                neighbors.put("limit", (long) suppressor.limit());
                neighbors.putAll(suppressor.counters().toMap());
                neighbors.put("dropped", suppressor.counters().dropped());
            }
            return new StatsView(learningSwitch.snapshot(ports), blockedRemainingNs, linkDrops,
                    cryptoCounters(d), tap, offload, udp, mtu, loop, transport, neighbors, laneRows(d));
        });
        SwitchCounters.Snapshot sw = view.switching();
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> perPort = new LinkedHashMap<>();
        TextTable table = new TextTable("PORT", "IN", "FORWARDED", "FLOODED", "DROPPED", "MALFORMED", "LEARNED",
                "AGED", "MOVED", "FLAPPED", "LIMIT-HIT", "STATE", "LOOP-BLOCKS");
        for (int p = 0; p < portCount; p++) {
            Map<String, Object> port = new LinkedHashMap<>();
            port.put("frames-in", sw.framesIn(p));
            port.put("forwarded", sw.forwarded(p));
            port.put("flooded", sw.flooded(p));
            Map<String, Long> drops = new LinkedHashMap<>();
            for (int r = 1; r < DropReason.SWITCH_COUNT; r++) {
                long n = sw.dropped(p, r);
                if (n > 0) {
                    drops.put(DropReason.name(r), n);
                }
            }
            port.put("dropped", drops);
            long malformed = sw.dropped(p, DropReason.MALFORMED);
            port.put("malformed", malformed);
            port.put("learned", sw.learned(p));
            port.put("aged", sw.aged(p));
            port.put("moved", sw.moved(p));
            port.put("flapped", sw.flapped(p));
            port.put("limit-hit", sw.limitHit(p));
            long blockedNs = view.blockedRemainingNs()[p];
            // Seconds rounded up, so a blocked port never shows 0 s left.
            long blockedSeconds = (blockedNs + 999_999_999L) / 1_000_000_000L;
            port.put("state", blockedNs > 0 ? "blocked" : "forwarding");
            port.put("blocked-seconds", blockedSeconds);
            port.put("loop-blocks", sw.loopBlocks(p));
            perPort.put(portName(p), port);
            table.row(portName(p), sw.framesIn(p), sw.forwarded(p), sw.flooded(p), sw.dropped(p), malformed,
                    sw.learned(p), sw.aged(p), sw.moved(p), sw.flapped(p), sw.limitHit(p),
                    blockedNs > 0 ? "blocked " + blockedSeconds + "s" : "forwarding", sw.loopBlocks(p));
        }
        root.put("ports", perPort);
        Map<String, Long> linkDrops = new LinkedHashMap<>();
        for (int r = 0; r < DropReason.COUNT; r++) {
            if (DropReason.isLink(r)) {
                linkDrops.put(DropReason.name(r), view.linkDrops()[r]);
            }
        }
        root.put("link-drops-unattributed", linkDrops);
        var crypto = view.crypto();
        Map<String, Object> cryptoStats = new LinkedHashMap<>();
        String aead = Aeads.selected().kind().label();
        cryptoStats.put("aead", aead);
        cryptoStats.put("handshakes-initiated", crypto.handshakesInitiated());
        cryptoStats.put("handshakes-completed", crypto.handshakesCompleted());
        cryptoStats.put("frames-sealed", crypto.framesSealed());
        cryptoStats.put("frames-opened", crypto.framesOpened());
        cryptoStats.put("handshake-mac1-rejected", crypto.mac1Rejected());
        cryptoStats.put("cookie-replies-sent", crypto.cookieRepliesSent());
        cryptoStats.put("cookies-received", crypto.cookiesReceived());
        cryptoStats.put("rate-limiter-evictions", crypto.rateLimiterEvictions());
        Map<String, Long> cryptoDrops = new LinkedHashMap<>();
        for (int r = 0; r < DropReason.COUNT; r++) {
            if (DropReason.isCrypto(r)) {
                cryptoDrops.put(DropReason.name(r), crypto.drops(r));
            }
        }
        cryptoStats.put("drops", cryptoDrops);
        root.put("crypto", cryptoStats);
        root.put("tap", view.tap());
        root.put("tap-reads", daemon.tap().readMode());
        Map<String, Object> offloads = new LinkedHashMap<>();
        offloads.put("enabled", TapOffloads.describe(daemon.tap().offloads()));
        offloads.put("vnet-header", (long) daemon.tap().vnetHeaderLength());
        offloads.putAll(view.offload());
        root.put("offloads", offloads);
        root.put("udp", view.udp());
        root.put("mtu", view.mtu());
        root.put("loop", view.loop());
        root.put("transport", view.transport());
        if (!view.lanes().isEmpty()) {
            root.put("lanes", view.lanes());
        }
        if (!view.neighbors().isEmpty()) {
            root.put("neighbors", view.neighbors());
        }
        if (json) {
            return JSON.writeValueAsString(root) + "\n";
        }
        StringBuilder sb = new StringBuilder(table.toString());
        sb.append("\nlink drops not charged to a peer:");
        linkDrops.forEach((k, v) -> {
            if (v > 0) {
                sb.append(' ').append(k).append('=').append(v);
            }
        });
        sb.append("\ncrypto (").append(aead).append("): handshakes ").append(crypto.handshakesCompleted()).append('/')
                .append(crypto.handshakesInitiated()).append(" completed/initiated, sealed ").append(crypto.framesSealed())
                .append(", opened ").append(crypto.framesOpened()).append(", mac1-rejected ")
                .append(crypto.mac1Rejected()).append(", cookies sent/received ").append(crypto.cookieRepliesSent())
                .append('/').append(crypto.cookiesReceived()).append(", limiter evictions ")
                .append(crypto.rateLimiterEvictions()).append(", drops:");
        cryptoDrops.forEach((k, v) -> {
            if (v > 0) {
                sb.append(' ').append(k).append('=').append(v);
            }
        });
        sb.append("\ntap ").append(daemon.tap().name()).append(':');
        view.tap().forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        sb.append(" (reads: ").append(daemon.tap().readMode()).append(')');
        sb.append("\noffloads (").append(offloads.get("enabled")).append("):");
        view.offload().forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        sb.append("\nudp:");
        view.udp().forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        sb.append("\nmtu:");
        view.mtu().forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        sb.append("\nloop:");
        view.loop().forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        sb.append("\ntransport:");
        view.transport().forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        if (!view.neighbors().isEmpty()) {
            sb.append("\nneighbors:");
            view.neighbors().forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        }
        sb.append('\n');
        return sb.toString();
    }
}
