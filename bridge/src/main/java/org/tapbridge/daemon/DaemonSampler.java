package org.tapbridge.daemon;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tapbridge.crypto.Aeads;
import org.tapbridge.drops.DropReason;
import org.tapbridge.link.PeerCounters;
import org.tapbridge.link.PeerLink;
import org.tapbridge.link.PeerLinks;
import org.tapbridge.metrics.SiteSample;
import org.tapbridge.metrics.SiteSampler;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.switching.SwitchCounters;
import org.tapbridge.tap.TapOffloads;

/**
 * Samples a running site for {@code /metrics}: one visit to the data-path thread per scrape, through its
 * mailbox as {@code stats} does, so that the counters (plain longs, one writer) are read by their writer
 * and describe one instant. The data path itself does nothing new: no lock, no allocation per frame.
 * Called on the HTTP threads.
 */
final class DaemonSampler implements SiteSampler {
    private static final double NS_PER_SECOND = 1e9;

    private final Daemon daemon;

    DaemonSampler(Daemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public SiteSample sample() throws Exception {
        String aead = Aeads.selected().kind().label();
        String offloads = TapOffloads.describe(daemon.tap().offloads());
        long vnetHeader = daemon.tap().vnetHeaderLength();
        // Bounded: Daemon.onLoop gives up after its query timeout when the loop is stuck.
        return daemon.onLoop(d -> take(d, aead, offloads, vnetHeader));
    }

    /** On the data-path thread. */
    private static SiteSample take(Daemon d, String aead, String offloads, long vnetHeader) {
        long nowNs = System.nanoTime();
        List<SiteSample.Peer> peers = new ArrayList<>();
        for (PeerLink peer : d.peers().peers()) {
            PeerCounters c = peer.counters();
            long[] drops = new long[DropReason.COUNT];
            for (int r = 0; r < DropReason.COUNT; r++) {
                drops[r] = c.drops(r);
            }
            PeerLinks.SessionView session = d.links().session(peer);
            double handshakeAge = session.lastHandshakeNs() == Long.MIN_VALUE ? Double.NaN
                    : (nowNs - session.lastHandshakeNs()) / NS_PER_SECOND;
            double lastRxAge = peer.lastRxNs() == 0 ? Double.NaN : (nowNs - peer.lastRxNs()) / NS_PER_SECOND;
            peers.add(new SiteSample.Peer(peer.name(), peer.transport().configName(), endpoint(peer), peer.isUp(),
                    session.established(), handshakeAge, lastRxAge, c.rxFrames(), c.rxBytes(), c.txFrames(),
                    c.txBytes(), drops, peer.pathMtu(), peer.maxFrameLength()));
        }
        LearningSwitch sw = d.forwarder().learningSwitch();
        int portCount = d.peers().portCount();
        int[] present = new int[portCount];
        for (int p = 0; p < portCount; p++) {
            present[p] = p;
        }
        SwitchCounters.Snapshot counters = sw.snapshot(present);
        List<SiteSample.Port> ports = new ArrayList<>();
        for (int p = 0; p < portCount; p++) {
            long[] values = new long[SwitchCounters.COUNT];
            for (int c = 0; c < SwitchCounters.COUNT; c++) {
                values[c] = counters.value(p, c);
            }
            long[] drops = new long[DropReason.SWITCH_COUNT];
            for (int r = 1; r < DropReason.SWITCH_COUNT; r++) {
                drops[r] = counters.dropped(p, r);
            }
            boolean added = sw.hasPort(p);
            double blockedSeconds = added && sw.isBlocked(p)
                    ? Math.max(1, sw.blockedRemainingNanos(p, nowNs)) / NS_PER_SECOND : 0;
            ports.add(new SiteSample.Port(portName(d, p), values, drops, blockedSeconds,
                    added ? sw.dynamicEntryCount(p) : 0));
        }
        Map<String, Map<String, Long>> groups = new LinkedHashMap<>();
        groups.put("tap", SiteReports.tapCounters(d));
        groups.put("offloads", SiteReports.offloadCounters(d));
        groups.put("udp", SiteReports.udpCounters(d));
        groups.put("mtu", SiteReports.mtuCounters(d));
        Map<String, Long> loop = SiteReports.loopCounters(d);
        // Prometheus counts time in seconds only; the tick count and the slow ones tell the story there.
        loop.remove("tick-microseconds");
        groups.put("loop", loop);
        Map<String, Long> transport = new LinkedHashMap<>();
        d.links().autoTransportCounters(transport);
        // Only the counters: how many auto peers there are, and on which transport, are not counts of events.
        transport.remove("auto-peers");
        transport.remove("auto-peers-on-tcp");
        groups.put("transport", transport);
        if (d.forwarder().neighbors() != null) {
            groups.put("neighbors", d.forwarder().neighbors().counters().toMap());
        }
        return new SiteSample(d.tap().name(), d.tap().mtu(), aead, offloads, vnetHeader, peers, ports,
                counters.unknownIngressFrames(), sw.size(), sw.settings().macTableLimit(),
                sw.settings().perPortMacLimit(), SiteReports.linkDrops(d), SiteReports.cryptoCounters(d), groups);
    }

    private static String portName(Daemon d, int port) {
        if (port == LearningSwitch.LOCAL_PORT) {
            return "local";
        }
        PeerLink peer = d.peers().byPort(port);
        return peer == null ? "port-" + port : peer.name();
    }

    private static String endpoint(PeerLink peer) {
        var a = peer.endpoint();
        if (a == null) {
            return null;
        }
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
