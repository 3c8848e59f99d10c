package org.tapbridge.config;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.switching.SwitchSettings;

/**
 * What a live reload changes: the running site configuration compared with a new one, key by key. Keys
 * that only a restart can change are listed in {@link #restartOnly()}; a reload with any of them is
 * refused whole. Pure; any thread.
 *
 * @param restartOnly   {@code [site]} keys whose value differs, each as {@code site.KEY: "old" -> "new"}
 * @param added         peers only the new file has, in its order
 * @param removed       names of the peers only the running configuration has
 * @param changed       per peer present in both, the keys whose value differs (TOML spellings)
 * @param staticAdded   {@code [[static-mac]]} entries only the new file has (a changed port is one removed, one added)
 * @param staticRemoved entries only the running configuration has
 * @param switchChanged {@code [switch]} settings whose value differs, each as {@code KEY old -> new}
 */
public record ConfigDiff(List<String> restartOnly, List<PeerConfig> added, List<String> removed,
                         Map<String, List<String>> changed, List<StaticMacConfig> staticAdded,
                         List<StaticMacConfig> staticRemoved, List<String> switchChanged) {
    /**
     * Peer keys whose change starts the peer over, as if removed and added on its switch port: another key
     * is another site, another transport another link, another MTU another path-MTU search, other auto timers
     * another transport choice. Its session ends and its MACs are learned again. Every other peer key changes
     * in place, and the session stays.
     */
    public static final Set<String> RECREATING_KEYS =
            Set.of("public-key", "preshared-key-file", "preshared-key", "transport", "mtu", "endpoint-removed",
                    PeerConfig.KEY_UDP_FALLBACK_SECONDS, PeerConfig.KEY_UDP_PROBE_SECONDS);

    public static ConfigDiff between(SiteConfig running, SiteConfig next) {
        List<String> restart = new ArrayList<>();
        site(restart, "name", running.name(), next.name());
        site(restart, "tap", running.tap(), next.tap());
        site(restart, "mtu", running.tapMtu(), next.tapMtu());
        site(restart, "listen", running.listen(), next.listen());
        site(restart, "control-socket", running.controlSocket(), next.controlSocket());
        site(restart, "private-key-file", running.privateKeyFile(), next.privateKeyFile());
        site(restart, "wan-mtu", running.wanMtu(), next.wanMtu());
        site(restart, "offloads", running.offloads(), next.offloads());
        site(restart, "queues", running.queues(), next.queues());
        if (!Objects.equals(running.metricsListen(), next.metricsListen())) {
            // The HTTP listener is opened once, at start.
            restart.add("metrics.listen: " + show(running.metricsListen()) + " -> " + show(next.metricsListen()));
        }

        Map<String, PeerConfig> before = new LinkedHashMap<>();
        for (PeerConfig p : running.peers()) {
            before.put(p.name(), p);
        }
        List<PeerConfig> added = new ArrayList<>();
        Map<String, List<String>> changed = new LinkedHashMap<>();
        Set<String> kept = new LinkedHashSet<>();
        for (PeerConfig p : next.peers()) {
            PeerConfig old = before.get(p.name());
            if (old == null) {
                added.add(p);
                continue;
            }
            kept.add(p.name());
            List<String> keys = peerKeys(old, p);
            if (!keys.isEmpty()) {
                changed.put(p.name(), List.copyOf(keys));
            }
        }
        List<String> removed = new ArrayList<>();
        for (String name : before.keySet()) {
            if (!kept.contains(name)) {
                removed.add(name);
            }
        }
        List<StaticMacConfig> staticAdded = new ArrayList<>(next.staticMacs());
        staticAdded.removeAll(running.staticMacs());
        List<StaticMacConfig> staticRemoved = new ArrayList<>(running.staticMacs());
        staticRemoved.removeAll(next.staticMacs());

        List<String> switchChanged = new ArrayList<>();
        Map<String, Object> oldSwitch = switchValues(running.switchSettings());
        Map<String, Object> newSwitch = switchValues(next.switchSettings());
        for (Map.Entry<String, Object> e : newSwitch.entrySet()) {
            Object was = oldSwitch.get(e.getKey());
            if (!Objects.equals(was, e.getValue())) {
                switchChanged.add(e.getKey() + " " + was + " -> " + e.getValue());
            }
        }
        return new ConfigDiff(List.copyOf(restart), List.copyOf(added), List.copyOf(removed),
                java.util.Collections.unmodifiableMap(changed), List.copyOf(staticAdded), List.copyOf(staticRemoved),
                List.copyOf(switchChanged));
    }

    private static void site(List<String> into, String key, Object running, Object next) {
        if (!Objects.equals(running, next)) {
            into.add("site." + key + ": " + show(running) + " -> " + show(next));
        }
    }

    private static String show(Object value) {
        return value == null ? "(not set)" : value instanceof String || value instanceof java.nio.file.Path
                || value instanceof InetSocketAddress ? "\"" + value + "\"" : String.valueOf(value);
    }

    /** The peer keys whose value differs; {@code endpoint-removed} when the new file has none. */
    static List<String> peerKeys(PeerConfig old, PeerConfig next) {
        List<String> keys = new ArrayList<>();
        if (!Objects.equals(old.endpoint(), next.endpoint())) {
            keys.add(next.endpoint() == null ? "endpoint-removed" : "endpoint");
        }
        if (old.transport() != next.transport()) {
            keys.add("transport");
        }
        if (!Objects.equals(old.publicKey(), next.publicKey())) {
            keys.add("public-key");
        }
        if (!Objects.equals(old.presharedKeyFile(), next.presharedKeyFile())) {
            keys.add("preshared-key-file");
        }
        if (old.spoke() != next.spoke()) {
            keys.add("split-horizon");
        }
        if (old.mtu() != next.mtu()) {
            keys.add("mtu");
        }
        if (old.resolveIntervalNs() != next.resolveIntervalNs()) {
            keys.add(PeerConfig.KEY_RESOLVE_INTERVAL_SECONDS);
        }
        if (old.udpFallbackNs() != next.udpFallbackNs()) {
            keys.add(PeerConfig.KEY_UDP_FALLBACK_SECONDS);
        }
        if (old.udpProbeNs() != next.udpProbeNs()) {
            keys.add(PeerConfig.KEY_UDP_PROBE_SECONDS);
        }
        return keys;
    }

    /** The {@code [switch]} values by TOML key; max-ports is left out: it follows the peer count. */
    static Map<String, Object> switchValues(SwitchSettings s) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put(SwitchSettings.KEY_MAC_AGING_SECONDS, s.macAgingSeconds());
        values.put(SwitchSettings.KEY_MAC_TABLE_LIMIT, s.macTableLimit());
        values.put(SwitchSettings.KEY_PER_PORT_MAC_LIMIT, s.perPortMacLimit());
        values.put(SwitchSettings.KEY_LOCAL_MAC_RESERVE, s.localMacReserve());
        values.put(SwitchSettings.KEY_MOVE_DAMPING_MS, s.moveDampingMillis());
        values.put(SwitchSettings.KEY_FORWARD_STP, s.forwardStpBpdus());
        values.put(SwitchSettings.KEY_STORM_CONTROL_PPS, s.stormControlPacketsPerSecond());
        values.put(SwitchSettings.KEY_STORM_CONTROL_BURST, s.stormControlBurst());
        values.put(SwitchSettings.KEY_UNKNOWN_UNICAST_PPS, s.unknownUnicastPacketsPerSecond());
        values.put(SwitchSettings.KEY_UNKNOWN_UNICAST_BURST, s.unknownUnicastBurst());
        values.put(SwitchSettings.KEY_LOOP_FLAPS_PER_SECOND, s.loopFlapsPerSecond());
        values.put(SwitchSettings.KEY_LOOP_BLOCK_SECONDS, s.loopBlockSeconds());
        values.put(SwitchSettings.KEY_LOOP_BLOCK_MAX_SECONDS, s.loopBlockMaxSeconds());
        values.put(SwitchSettings.KEY_ARP_SUPPRESSION, s.arpSuppression());
        values.put(SwitchSettings.KEY_NEIGHBOR_TABLE_LIMIT, s.neighborTableLimit());
        values.put(SwitchSettings.KEY_NEIGHBOR_AGING_SECONDS, s.neighborAgingSeconds());
        return values;
    }

    /**
     * This diff with {@code preshared-key} among the changed keys of {@code peers}: their pre-shared key
     * files hold new keys under the same paths (only the running sessions can tell).
     */
    public ConfigDiff withPresharedKeysChanged(java.util.Collection<String> peers) {
        if (peers.isEmpty()) {
            return this;
        }
        Map<String, List<String>> more = new LinkedHashMap<>(changed);
        for (String peer : peers) {
            List<String> keys = new ArrayList<>(more.getOrDefault(peer, List.of()));
            keys.add("preshared-key");
            more.put(peer, List.copyOf(keys));
        }
        return new ConfigDiff(restartOnly, added, removed, java.util.Collections.unmodifiableMap(more), staticAdded,
                staticRemoved, switchChanged);
    }

    /** Whether the change to {@code peer} starts it over (see {@link #RECREATING_KEYS}). */
    public boolean recreates(String peer) {
        List<String> keys = changed.get(peer);
        return keys != null && keys.stream().anyMatch(RECREATING_KEYS::contains);
    }

    /** Nothing to apply: the file says what runs. */
    public boolean isEmpty() {
        return restartOnly.isEmpty() && added.isEmpty() && removed.isEmpty() && changed.isEmpty()
                && staticAdded.isEmpty() && staticRemoved.isEmpty() && switchChanged.isEmpty();
    }

    /** The refusal when restart-only keys differ: each key with both values, and what to do. */
    public String restartMessage() {
        return String.join("; ", restartOnly) + ": " + (restartOnly.size() == 1 ? "this key" : "these keys")
                + " cannot change while the daemon runs; nothing was applied. Restart the daemon to apply"
                + " (systemctl restart tapbridge@SITE), or put the running value back to reload the rest";
    }

    /** One line for the log and the answer: what was applied. */
    public String summary() {
        if (isEmpty()) {
            return "nothing changed";
        }
        List<String> parts = new ArrayList<>();
        if (!added.isEmpty()) {
            parts.add("peers added " + added.stream().map(PeerConfig::name).toList());
        }
        if (!removed.isEmpty()) {
            parts.add("peers removed " + removed);
        }
        if (!changed.isEmpty()) {
            parts.add("peers changed " + changed);
        }
        if (!staticAdded.isEmpty()) {
            parts.add("static MACs added " + describe(staticAdded));
        }
        if (!staticRemoved.isEmpty()) {
            parts.add("static MACs removed " + describe(staticRemoved));
        }
        if (!switchChanged.isEmpty()) {
            parts.add("switch " + switchChanged);
        }
        return String.join("; ", parts);
    }

    /** The same, as JSON-ready maps and lists (kebab-case keys). */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("peers-added", added.stream().map(PeerConfig::name).toList());
        map.put("peers-removed", removed);
        map.put("peers-changed", changed);
        map.put("static-macs-added", describe(staticAdded));
        map.put("static-macs-removed", describe(staticRemoved));
        map.put("switch-changed", switchChanged);
        return map;
    }

    private static List<String> describe(List<StaticMacConfig> entries) {
        return entries.stream().map(e -> MacAddress.format(e.mac()) + (e.vlan() == 0 ? "" : " vlan " + e.vlan())
                + " -> " + e.port()).toList();
    }
}
