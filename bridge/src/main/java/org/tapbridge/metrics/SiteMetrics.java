package org.tapbridge.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.tapbridge.drops.DropReason;
import org.tapbridge.pipeline.RateLimitedLog;
import org.tapbridge.switching.SwitchCounters;

/**
 * Turns one {@link SiteSample} per scrape into Prometheus series: {@code tapbridge_} names, {@code _total} on
 * counters, base units (bytes, seconds), and the labels {@code peer}, {@code port} and {@code reason}. Runs on
 * the HTTP threads; the data path is visited once per scrape by the {@link SiteSampler}, nothing else.
 */
public final class SiteMetrics implements MultiCollector {
    private static final System.Logger LOG = System.getLogger(SiteMetrics.class.getName());
    static final String PREFIX = "tapbridge_";
    /** Counters of the switch per port, as SwitchCounters indexes them; frames-in has its own name below. */
    private static final String[] SWITCH_NAMES = new String[SwitchCounters.COUNT];
    private static final String[] SWITCH_HELP = new String[SwitchCounters.COUNT];

    static {
        switchCounter(SwitchCounters.FRAMES_IN, "switch_frames_received",
                "Frames the switch took in from the port.");
        switchCounter(SwitchCounters.FORWARDED, "switch_frames_forwarded",
                "Frames from the port sent to one known port.");
        switchCounter(SwitchCounters.FLOODED, "switch_frames_flooded",
                "Frames from the port flooded to every other port.");
        switchCounter(SwitchCounters.LEARNED, "switch_macs_learned", "MACs learned on the port.");
        switchCounter(SwitchCounters.AGED, "switch_macs_aged", "MACs on the port forgotten after mac-aging-seconds.");
        switchCounter(SwitchCounters.MOVED, "switch_macs_moved", "MACs that moved to the port.");
        switchCounter(SwitchCounters.FLAPPED, "switch_mac_moves_damped", "Moves to the port refused by move damping.");
        switchCounter(SwitchCounters.LIMIT_HIT, "switch_mac_limit_hits",
                "MACs not learned on the port because a table or per-port limit was reached.");
        switchCounter(SwitchCounters.STATIC_CONFLICT, "switch_static_mac_conflicts",
                "Frames from a static MAC seen on the port instead of its configured one.");
        switchCounter(SwitchCounters.LOOP_BLOCKS, "switch_loop_blocks",
                "Times loop protection blocked the port because MACs flapped.");
    }

    private static void switchCounter(int counter, String metric, String help) {
        SWITCH_NAMES[counter] = metric;
        SWITCH_HELP[counter] = help;
    }

    private final SiteSampler sampler;
    private final BooleanSupplier healthy;
    private final String version;
    private final AtomicLong sampleFailures = new AtomicLong();
    /** A stuck loop fails every scrape: one line a minute says so. */
    private final RateLimitedLog sampleFailureLog = new RateLimitedLog(LOG, 60_000_000_000L);
    private volatile HttpCounters http = HttpCounters.NONE;

    /**
     * @param healthy whether the data path turns ({@code Daemon.healthy()}): read even when the sampler fails
     * @param version the tapbridge version for {@code tapbridge_build_info}
     */
    public SiteMetrics(SiteSampler sampler, BooleanSupplier healthy, String version) {
        this.sampler = sampler;
        this.healthy = healthy;
        this.version = version;
    }

    /** The version {@code tapbridge --version} shows: the jar's manifest, or "development" when run from classes. */
    public static String runningVersion() {
        String v = SiteMetrics.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }

    /** Where the HTTP server's own counters come from; set once it runs. */
    void httpCounters(HttpCounters counters) {
        this.http = counters;
    }

    /** The HTTP server's counts of refused requests and handler failures; any thread. */
    interface HttpCounters {
        HttpCounters NONE = reason -> 0;

        /** Requests refused for {@code reason} ({@link MetricsServer#REJECT_REASONS}). */
        long rejected(String reason);
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(InfoSnapshot.builder().name(PREFIX + "build").help("tapbridge's version; always 1.")
                .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                        .labels(Labels.of("version", version, "java_version", Runtime.version().toString())).build())
                .build());
        SiteSample sample = null;
        try {
            sample = sampler.sample();
        } catch (Exception e) {
            // A stuck or overloaded data path: say so in the scrape, rather than fail it or wait for ever.
            sampleFailures.incrementAndGet();
            sampleFailureLog.warn("metrics: the data path gave no sample: " + e.getMessage());
        }
        out.add(gauge("datapath_healthy", "1 while the data-path loop turns; 0 when it is stuck or stopped.", null,
                point(healthy.getAsBoolean() ? 1 : 0)));
        out.add(counter("metrics_sample_failures", "Scrapes for which the data path did not answer in time;"
                + " those scrapes show only this, the health and the build.", null, cpoint(sampleFailures.get())));
        List<CounterDataPointSnapshot> rejected = new ArrayList<>();
        for (String reason : MetricsServer.REJECT_REASONS) {
            rejected.add(cpoint(http.rejected(reason), "reason", reason));
        }
        out.add(counter("metrics_http_requests_rejected", "HTTP requests to the metrics port refused, by reason.",
                null, rejected));
        if (sample != null) {
            render(sample, out);
        }
        return new MetricSnapshots(out);
    }

    /** All series of one sample; package-private for the mapping tests. */
    static void render(SiteSample s, List<MetricSnapshot> out) {
        peers(s, out);
        ports(s, out);
        out.add(counter("switch_unknown_ingress_frames", "Frames from ports the switch never had.", null,
                cpoint(s.unknownIngressFrames())));
        out.add(gauge("mac_table_entries", "Entries in the MAC table (static, dynamic, and expired ones not yet"
                + " swept).", null, point(s.macTableEntries())));
        out.add(gauge("mac_table_limit", "The MAC table's capacity ([switch] mac-table-limit).", null,
                point(s.macTableLimit())));
        out.add(gauge("mac_table_port_limit", "Most dynamic MACs one port may hold ([switch] per-port-mac-limit).",
                null, point(s.perPortMacLimit())));
        out.add(counter("link_unattributed_drops", "Messages the links dropped that no peer can be charged with"
                + " (truncated, unknown peer...), by reason.", null, drops(s.linkDrops(), DropReason::isLink)));
        crypto(s, out);
        out.add(gauge("tap_mtu_bytes", "MTU of the TAP device.", Unit.BYTES, point(s.tapMtu(), "device", s.tapName())));
        out.add(InfoSnapshot.builder().name(PREFIX + "offloads").help("The TAP offloads in force; always 1.")
                .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                        .labels(Labels.of("enabled", s.offloadsEnabled())).build()).build());
        out.add(gauge("offloads_vnet_header_bytes", "Length of the virtio-net header on each TAP read and write;"
                + " 0 without offloads.", Unit.BYTES, point(s.vnetHeaderBytes())));
        for (Map.Entry<String, Map<String, Long>> group : s.groups().entrySet()) {
            for (Map.Entry<String, Long> counter : group.getValue().entrySet()) {
                out.add(counter(groupCounterName(group.getKey(), counter.getKey()),
                        "'" + counter.getKey() + "' of '" + group.getKey() + "' in tapbridge stats.", null,
                        cpoint(counter.getValue())));
            }
        }
    }

    private static void peers(SiteSample s, List<MetricSnapshot> out) {
        List<GaugeDataPointSnapshot> up = new ArrayList<>();
        List<GaugeDataPointSnapshot> established = new ArrayList<>();
        List<InfoSnapshot.InfoDataPointSnapshot> info = new ArrayList<>();
        List<GaugeDataPointSnapshot> handshakeAge = new ArrayList<>();
        List<GaugeDataPointSnapshot> lastRxAge = new ArrayList<>();
        List<CounterDataPointSnapshot> rxFrames = new ArrayList<>();
        List<CounterDataPointSnapshot> rxBytes = new ArrayList<>();
        List<CounterDataPointSnapshot> txFrames = new ArrayList<>();
        List<CounterDataPointSnapshot> txBytes = new ArrayList<>();
        List<CounterDataPointSnapshot> drops = new ArrayList<>();
        List<GaugeDataPointSnapshot> pathMtu = new ArrayList<>();
        List<GaugeDataPointSnapshot> maxFrame = new ArrayList<>();
        for (SiteSample.Peer p : s.peers()) {
            String peer = p.name();
            up.add(point(p.up() ? 1 : 0, "peer", peer));
            established.add(point(p.established() ? 1 : 0, "peer", peer));
            info.add(InfoSnapshot.InfoDataPointSnapshot.builder().labels(Labels.of("peer", peer, "transport",
                    p.transport(), "endpoint", p.endpoint() == null ? "" : p.endpoint())).build());
            // Never shaken hands, never heard from, path MTU not known yet: no sample, rather than a made-up one.
            if (!Double.isNaN(p.handshakeAgeSeconds())) {
                handshakeAge.add(point(p.handshakeAgeSeconds(), "peer", peer));
            }
            if (!Double.isNaN(p.lastRxAgeSeconds())) {
                lastRxAge.add(point(p.lastRxAgeSeconds(), "peer", peer));
            }
            rxFrames.add(cpoint(p.rxFrames(), "peer", peer));
            rxBytes.add(cpoint(p.rxBytes(), "peer", peer));
            txFrames.add(cpoint(p.txFrames(), "peer", peer));
            txBytes.add(cpoint(p.txBytes(), "peer", peer));
            for (int r = 1; r < DropReason.COUNT; r++) {
                // Every reason a peer is charged with, zeros too, so that rate() works from the first drop.
                if (DropReason.isLink(r) || DropReason.isCrypto(r) || p.drops()[r] != 0) {
                    drops.add(cpoint(p.drops()[r], "peer", peer, "reason", DropReason.name(r)));
                }
            }
            if (p.pathMtu() > 0) {
                pathMtu.add(point(p.pathMtu(), "peer", peer));
            }
            maxFrame.add(point(p.maxFrame(), "peer", peer));
        }
        out.add(gauge("peer_up", "1 while the peer is up (a session and recent traffic), else 0.", null, up));
        out.add(gauge("peer_session_established", "1 while the peer has session keys, else 0.", null, established));
        InfoSnapshot.Builder peerInfo = InfoSnapshot.builder().name(PREFIX + "peer")
                .help("The peer's transport and the endpoint in use (empty while unknown); always 1.");
        info.forEach(peerInfo::dataPoint);
        out.add(peerInfo.build());
        out.add(gauge("peer_last_handshake_age_seconds", "Seconds since the last completed handshake; absent"
                + " before the first.", Unit.SECONDS, handshakeAge));
        out.add(gauge("peer_last_receive_age_seconds", "Seconds since anything arrived from the peer; absent"
                + " before the first.", Unit.SECONDS, lastRxAge));
        out.add(counter("peer_rx_frames", "Frames received from the peer.", null, rxFrames));
        out.add(counter("peer_rx_bytes", "Bytes of frames received from the peer.", Unit.BYTES, rxBytes));
        out.add(counter("peer_tx_frames", "Frames sent to the peer.", null, txFrames));
        out.add(counter("peer_tx_bytes", "Bytes of frames sent to the peer.", Unit.BYTES, txBytes));
        out.add(counter("peer_drops", "Messages and frames of the peer dropped, by reason.", null, drops));
        out.add(gauge("peer_path_mtu_bytes", "Outer MTU discovered towards the peer; absent while unknown.",
                Unit.BYTES, pathMtu));
        out.add(gauge("peer_max_frame_bytes", "Largest inner frame the link to the peer carries now.", Unit.BYTES,
                maxFrame));
    }

    private static void ports(SiteSample s, List<MetricSnapshot> out) {
        List<List<CounterDataPointSnapshot>> counters = new ArrayList<>();
        for (int c = 0; c < SwitchCounters.COUNT; c++) {
            counters.add(new ArrayList<>());
        }
        List<CounterDataPointSnapshot> drops = new ArrayList<>();
        List<GaugeDataPointSnapshot> blocked = new ArrayList<>();
        List<GaugeDataPointSnapshot> macs = new ArrayList<>();
        for (SiteSample.Port p : s.ports()) {
            for (int c = 0; c < SwitchCounters.COUNT; c++) {
                counters.get(c).add(cpoint(p.counters()[c], "port", p.name()));
            }
            for (int r = 1; r < DropReason.SWITCH_COUNT; r++) {
                drops.add(cpoint(p.drops()[r], "port", p.name(), "reason", DropReason.name(r)));
            }
            blocked.add(point(p.blockedSeconds(), "port", p.name()));
            macs.add(point(p.dynamicMacs(), "port", p.name()));
        }
        for (int c = 0; c < SwitchCounters.COUNT; c++) {
            out.add(counter(SWITCH_NAMES[c], SWITCH_HELP[c], null, counters.get(c)));
        }
        out.add(counter("switch_frames_dropped", "Frames from the port the switch dropped, by reason.", null, drops));
        out.add(gauge("switch_port_blocked_seconds", "Seconds left while loop protection blocks the port; 0 while it"
                + " forwards.", Unit.SECONDS, blocked));
        out.add(gauge("switch_port_macs", "Dynamic MACs learned on the port now in the table.", null, macs));
    }

    private static void crypto(SiteSample s, List<MetricSnapshot> out) {
        var c = s.crypto();
        out.add(InfoSnapshot.builder().name(PREFIX + "crypto_aead").help("The AEAD implementation in use; always 1.")
                .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder().labels(Labels.of("aead", s.aead())).build())
                .build());
        out.add(counter("crypto_handshakes_initiated", "Handshakes this site started.", null,
                cpoint(c.handshakesInitiated())));
        out.add(counter("crypto_handshakes_completed", "Handshakes that gave a session, either side starting.",
                null, cpoint(c.handshakesCompleted())));
        out.add(counter("crypto_frames_sealed", "Messages encrypted.", null, cpoint(c.framesSealed())));
        out.add(counter("crypto_frames_opened", "Messages decrypted and authenticated.", null,
                cpoint(c.framesOpened())));
        out.add(counter("crypto_handshake_mac1_rejected", "Handshake messages whose mac1 did not verify.", null,
                cpoint(c.mac1Rejected())));
        out.add(counter("crypto_cookie_replies_sent", "Cookie replies sent to handshakes under load.", null,
                cpoint(c.cookieRepliesSent())));
        out.add(counter("crypto_cookies_received", "Cookie replies received.", null, cpoint(c.cookiesReceived())));
        out.add(counter("crypto_rate_limiter_evictions", "Sources evicted from the full handshake rate limiter.",
                null, cpoint(c.rateLimiterEvictions())));
        long[] drops = new long[DropReason.COUNT];
        for (int r = 0; r < DropReason.COUNT; r++) {
            drops[r] = c.drops(r);
        }
        out.add(counter("crypto_drops", "Messages the crypto layer dropped, by reason.", null,
                drops(drops, DropReason::isCrypto)));
    }

    /** Every reason of the kind, zeros too, and any other nonzero one. */
    private static List<CounterDataPointSnapshot> drops(long[] byReason, java.util.function.IntPredicate kind) {
        List<CounterDataPointSnapshot> points = new ArrayList<>();
        for (int r = 1; r < byReason.length; r++) {
            if (kind.test(r) || byReason[r] != 0) {
                points.add(cpoint(byReason[r], "reason", DropReason.name(r)));
            }
        }
        return points;
    }

    /**
     * The counter name (without the {@code _total} the writer adds) for key {@code key} of a {@code stats} group:
     * {@code ("tap", "frames-read")} gives {@code tapbridge_tap_frames_read}. Anything outside [a-z0-9] becomes
     * '_', so that a key added to {@code stats} later still maps to a legal name.
     */
    static String groupCounterName(String group, String key) {
        String name = PREFIX + sanitize(group) + "_" + sanitize(key);
        return name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name;
    }

    private static String sanitize(String token) {
        StringBuilder sb = new StringBuilder(token.length());
        for (int i = 0; i < token.length(); i++) {
            char ch = Character.toLowerCase(token.charAt(i));
            sb.append((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ? ch : '_');
        }
        return sb.toString();
    }

    private static CounterSnapshot counter(String name, String help, Unit unit, CounterDataPointSnapshot point) {
        return counter(name, help, unit, List.of(point));
    }

    private static CounterSnapshot counter(String name, String help, Unit unit,
                                           List<CounterDataPointSnapshot> points) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name.startsWith(PREFIX) ? name : PREFIX + name)
                .help(help);
        if (unit != null) {
            b.unit(unit);
        }
        points.forEach(b::dataPoint);
        return b.build();
    }

    private static GaugeSnapshot gauge(String name, String help, Unit unit, GaugeDataPointSnapshot point) {
        return gauge(name, help, unit, List.of(point));
    }

    private static GaugeSnapshot gauge(String name, String help, Unit unit, List<GaugeDataPointSnapshot> points) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(PREFIX + name).help(help);
        if (unit != null) {
            b.unit(unit);
        }
        points.forEach(b::dataPoint);
        return b.build();
    }

    private static CounterDataPointSnapshot cpoint(long value, String... labels) {
        return CounterDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build();
    }

    private static GaugeDataPointSnapshot point(double value, String... labels) {
        return GaugeDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build();
    }
}
