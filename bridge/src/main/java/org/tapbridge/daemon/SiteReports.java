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
import org.tapbridge.crypto.Keys;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.link.LinkDrop;
import org.tapbridge.link.Peer;
import org.tapbridge.link.PeerCounters;
import org.tapbridge.switching.DropReason;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.switching.MacTableEntry;
import org.tapbridge.switching.SwitchCounters;

/** Answers {@code macs}, {@code peers} and {@code stats} on the control thread, as tables or JSON. */
final class SiteReports implements ControlHandler {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Daemon daemon;

    SiteReports(Daemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public String handle(ControlRequest request) throws Exception {
        return switch (request.command()) {
            case MACS -> macs(request.json());
            case PEERS -> peers(request.json());
            case STATS -> stats(request.json());
        };
    }

    private String portName(int port) {
        if (port == LearningSwitch.LOCAL_PORT) {
            return "local";
        }
        Peer peer = daemon.peers().byPort(port);
        return peer == null ? "port-" + port : peer.name();
    }

    String macs(boolean json) throws Exception {
        List<MacTableEntry> entries = new ArrayList<>(daemon.onSwitchThread((sw, nowNs) -> sw.dump(nowNs)));
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

    String peers(boolean json) {
        long nowNs = System.nanoTime();
        List<Map<String, Object>> rows = new ArrayList<>();
        TextTable table = new TextTable("PEER", "KEY", "ENDPOINT", "TRANSPORT", "STATE", "HANDSHAKE", "LAST-RX",
                "RX-FRAMES", "RX-BYTES", "TX-FRAMES", "TX-BYTES", "DROPS");
        for (Peer peer : daemon.peers().peers()) {
            PeerCounters c = peer.counters();
            Map<String, Long> drops = new LinkedHashMap<>();
            long totalDrops = 0;
            for (int r = 0; r < LinkDrop.COUNT; r++) {
                long n = c.drops(r);
                if (n > 0) {
                    drops.put(LinkDrop.describe(r), n);
                    totalDrops += n;
                }
            }
            for (org.tapbridge.crypto.DropReason r : org.tapbridge.crypto.DropReason.values()) {
                long n = c.cryptoDrops(r);
                if (n > 0) {
                    drops.put(cryptoReasonName(r), n);
                    totalDrops += n;
                }
            }
            long lastRx = peer.lastRxNs() == 0 ? -1 : (nowNs - peer.lastRxNs()) / 1_000_000_000L;
            String endpoint = peer.endpoint() == null ? "(waiting)" : hostPort(peer);
            var session = daemon.links().session(peer);
            long handshakeAge = session.lastHandshakeNs() == Long.MIN_VALUE ? -1
                    : (nowNs - session.lastHandshakeNs()) / 1_000_000_000L;
            String key = Keys.encode(peer.session().publicKey());
            String shortKey = key.substring(0, 8) + "…";
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", peer.name());
            row.put("port", peer.port());
            row.put("public-key", key);
            row.put("endpoint", peer.endpoint() == null ? null : endpoint);
            row.put("transport", peer.transport().configName());
            row.put("state", peer.isUp() ? "up" : "down");
            row.put("session", session.established() ? "established" : "none");
            row.put("last-handshake-seconds", handshakeAge < 0 ? null : handshakeAge);
            row.put("last-rx-seconds", lastRx < 0 ? null : lastRx);
            row.put("rx-frames", c.rxFrames());
            row.put("rx-bytes", c.rxBytes());
            row.put("tx-frames", c.txFrames());
            row.put("tx-bytes", c.txBytes());
            row.put("drops", drops);
            rows.add(row);
            table.row(peer.name(), shortKey, endpoint, peer.transport().configName(), peer.isUp() ? "up" : "down",
                    handshakeAge < 0 ? "never" : handshakeAge + "s ago", lastRx < 0 ? "never" : lastRx + "s ago", c.rxFrames(), c.rxBytes(), c.txFrames(), c.txBytes(),
                    totalDrops == 0 ? "0" : drops.toString().replace(" ", ""));
        }
        if (json) {
            try {
                return JSON.writeValueAsString(rows) + "\n";
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return table.toString();
    }

    private record SwitchView(SwitchCounters.Snapshot counters, long[] malformed) {
    }

    private static String cryptoReasonName(org.tapbridge.crypto.DropReason reason) {
        return reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    private static String hostPort(Peer peer) {
        var a = peer.endpoint();
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    String stats(boolean json) throws Exception {
        int portCount = daemon.peers().portCount();
        int[] ports = new int[portCount];
        for (int i = 0; i < portCount; i++) {
            ports[i] = i;
        }
        // One visit to the switch thread, so both halves describe the same instant.
        SwitchView view = daemon.onSwitchThread((s, nowNs) -> {
            long[] m = new long[portCount];
            for (int i = 0; i < portCount; i++) {
                m[i] = daemon.switchStage().malformed(i);
            }
            return new SwitchView(s.counters().snapshot(ports), m);
        });
        SwitchCounters.Snapshot sw = view.counters();
        long[] malformed = view.malformed();
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> perPort = new LinkedHashMap<>();
        TextTable table = new TextTable("PORT", "IN", "FORWARDED", "FLOODED", "DROPPED", "MALFORMED", "LEARNED",
                "AGED", "MOVED", "FLAPPED", "LIMIT-HIT");
        for (int p = 0; p < portCount; p++) {
            Map<String, Object> port = new LinkedHashMap<>();
            port.put("frames-in", sw.framesIn(p));
            port.put("forwarded", sw.forwarded(p));
            port.put("flooded", sw.flooded(p));
            Map<String, Long> drops = new LinkedHashMap<>();
            for (int r = 0; r < DropReason.COUNT; r++) {
                long n = sw.dropped(p, r);
                if (n > 0) {
                    drops.put(DropReason.describe(r), n);
                }
            }
            port.put("dropped", drops);
            port.put("malformed", malformed[p]);
            port.put("learned", sw.learned(p));
            port.put("aged", sw.aged(p));
            port.put("moved", sw.moved(p));
            port.put("flapped", sw.flapped(p));
            port.put("limit-hit", sw.limitHit(p));
            perPort.put(portName(p), port);
            table.row(portName(p), sw.framesIn(p), sw.forwarded(p), sw.flooded(p), sw.dropped(p), malformed[p],
                    sw.learned(p), sw.aged(p), sw.moved(p), sw.flapped(p), sw.limitHit(p));
        }
        root.put("ports", perPort);
        Map<String, Long> linkDrops = new LinkedHashMap<>();
        for (int r = 0; r < LinkDrop.COUNT; r++) {
            linkDrops.put(LinkDrop.describe(r), daemon.links().counters().drops(r));
        }
        root.put("link-drops-unattributed", linkDrops);
        var crypto = daemon.links().cryptoCounters();
        Map<String, Object> cryptoStats = new LinkedHashMap<>();
        cryptoStats.put("handshakes-initiated", crypto.handshakesInitiated());
        cryptoStats.put("handshakes-completed", crypto.handshakesCompleted());
        cryptoStats.put("frames-sealed", crypto.framesSealed());
        cryptoStats.put("frames-opened", crypto.framesOpened());
        Map<String, Long> cryptoDrops = new LinkedHashMap<>();
        for (org.tapbridge.crypto.DropReason r : org.tapbridge.crypto.DropReason.values()) {
            cryptoDrops.put(cryptoReasonName(r), crypto.drops(r));
        }
        cryptoStats.put("drops", cryptoDrops);
        root.put("crypto", cryptoStats);
        Map<String, Long> tapStats = new LinkedHashMap<>();
        tapStats.put("frames-read", daemon.tapReader().framesRead());
        tapStats.put("truncated", daemon.tapReader().truncated());
        tapStats.put("frames-written", daemon.tapSender().written());
        tapStats.put("write-drops", daemon.tapSender().dropped());
        root.put("tap", tapStats);
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
        sb.append("\ncrypto: handshakes ").append(crypto.handshakesCompleted()).append('/')
                .append(crypto.handshakesInitiated()).append(" completed/initiated, sealed ").append(crypto.framesSealed())
                .append(", opened ").append(crypto.framesOpened()).append(", drops:");
        cryptoDrops.forEach((k, v) -> {
            if (v > 0) {
                sb.append(' ').append(k).append('=').append(v);
            }
        });
        sb.append("\ntap ").append(daemon.tap().name()).append(": read ").append(tapStats.get("frames-read"))
                .append(", written ").append(tapStats.get("frames-written")).append(", write drops ")
                .append(tapStats.get("write-drops")).append(", truncated ").append(tapStats.get("truncated"))
                .append('\n');
        return sb.toString();
    }
}
