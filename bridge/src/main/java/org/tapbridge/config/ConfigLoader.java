package org.tapbridge.config;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.tapbridge.crypto.Keys;
import org.tapbridge.pipeline.FrameSizes;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.switching.SwitchSettings;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/** Reads one site's TOML file; rejects unknown keys and every bad value with file:line:key. */
public final class ConfigLoader {
    private static final Pattern SITE_NAME = Pattern.compile("[a-z0-9-]{1,32}");
    private static final Pattern DEVICE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final Set<String> TOP_KEYS = Set.of("site", "switch", "peer", "static-mac", "metrics");
    private static final Set<String> SITE_KEYS =
            Set.of("name", "tap", "mtu", "listen", "control-socket", "private-key-file", "wan-mtu", "offloads",
                    "queues");
    private static final Set<String> SWITCH_KEYS = Set.of("mac-aging-seconds", "mac-table-limit",
            "per-port-mac-limit", "move-damping-ms", "forward-stp", "storm-control-pps", "storm-control-burst",
            SwitchSettings.KEY_LOCAL_MAC_RESERVE, SwitchSettings.KEY_UNKNOWN_UNICAST_PPS,
            SwitchSettings.KEY_UNKNOWN_UNICAST_BURST, SwitchSettings.KEY_LOOP_FLAPS_PER_SECOND,
            SwitchSettings.KEY_LOOP_BLOCK_SECONDS, SwitchSettings.KEY_LOOP_BLOCK_MAX_SECONDS,
            SwitchSettings.KEY_ARP_SUPPRESSION, SwitchSettings.KEY_NEIGHBOR_TABLE_LIMIT,
            SwitchSettings.KEY_NEIGHBOR_AGING_SECONDS);
    private static final Set<String> PEER_KEYS =
            Set.of("name", "endpoint", "transport", "public-key", "preshared-key-file", "split-horizon", "mtu",
                    PeerConfig.KEY_RESOLVE_INTERVAL_SECONDS, PeerConfig.KEY_UDP_FALLBACK_SECONDS,
                    PeerConfig.KEY_UDP_PROBE_SECONDS);
    private static final Set<String> STATIC_MAC_KEYS = Set.of("mac", "vlan", "port");
    private static final Set<String> METRICS_KEYS = Set.of("listen");

    private static final int WAN_MTU_MIN = 576;
    private static final int WAN_MTU_MAX = 65535;

    private final Path file;

    private ConfigLoader(Path file) {
        this.file = file;
    }

    public static SiteConfig load(Path file) throws ConfigException {
        return new ConfigLoader(file).read();
    }

    private SiteConfig read() throws ConfigException {
        TomlParseResult toml;
        try {
            toml = Toml.parse(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, 0, null, "no such file");
        } catch (IOException e) {
            throw new ConfigException(file, 0, null, "cannot read: " + e.getMessage());
        } catch (AssertionError e) {
            // tomlj 1.1.1 throws AssertionError on some malformed escapes (a u-escape with non-hex digits; fuzzing).
            throw new ConfigException(file, 0, null, "TOML syntax: the parser gave up on a malformed escape");
        }
        if (toml.hasErrors()) {
            var first = toml.errors().get(0);
            throw new ConfigException(file, first.position().line(), null, "TOML syntax: " + first.getMessage());
        }
        rejectUnknown(toml, "", TOP_KEYS);

        TomlTable site = table(toml, "site", true);
        rejectUnknown(site, "site.", SITE_KEYS);
        String name = requiredString(site, "site.", "name");
        if (!SITE_NAME.matcher(name).matches()) {
            throw error(site, "site.", "name", "'" + name + "' must match [a-z0-9-]{1,32}");
        }
        String tap = requiredString(site, "site.", "tap");
        if (!DEVICE_NAME.matcher(tap).matches()) {
            throw error(site, "site.", "tap",
                    "'" + tap + "' is not a Linux interface name (1-15 of A-Z a-z 0-9 _ . -)");
        }
        // The largest frame plus 32 bytes of sealing must fit one UDP datagram and one TCP record.
        int mtu = (int) optionalLong(site, "site.", "mtu", 0, 576, FrameSizes.MAX_TAP_MTU);
        InetSocketAddress listen = optionalEndpoint(site, "site.", "listen");
        // Outer MTU towards the peers: from the IPv4 minimum datagram to the largest IP packet.
        int wanMtu = (int) optionalLong(site, "site.", "wan-mtu", 0, WAN_MTU_MIN, WAN_MTU_MAX);
        Boolean offloads = nullableBoolean(site, "site.", "offloads");
        int queues = (int) optionalLong(site, "site.", "queues", 1, 1, SiteConfig.MAX_QUEUES);
        String socket = optionalString(site, "site.", "control-socket");
        Path controlSocket = socket == null ? SiteConfig.defaultControlSocket(name)
                : path(site, "site.", "control-socket", socket);
        // Every link is authenticated and encrypted; there is no cleartext mode to fall back to.
        String keyFile = requiredString(site, "site.", "private-key-file", "generate one with: (umask 077; "
                + "tapbridge genkey > /etc/tapbridge/" + name + ".key), then set private-key-file to that path");

        List<PeerConfig> peers = readPeers(toml, name);
        SwitchSettings switchSettings = readSwitch(toml, peers.size());
        List<StaticMacConfig> statics = readStaticMacs(toml, peers);
        InetSocketAddress metricsListen = readMetrics(toml);
        if (queues > 1 && switchSettings.arpSuppression()) {
            throw error(site, "site.", "queues", queues + " loops cannot share the ARP/ND suppression table yet;"
                    + " set queues = 1, or turn [switch] " + SwitchSettings.KEY_ARP_SUPPRESSION + " off");
        }
        if (queues > 1) {
            for (PeerConfig peer : peers) {
                if (peer.spoke()) {
                    // A hub relays between spokes; a further loop holds sessions only with the peers that run
                    // that loop too, so a relayed frame could meet a spoke it has no session with.
                    throw error(site, "site.", "queues", "peer " + peer.name() + " is a spoke, and relaying between"
                            + " spokes through several loops is not built yet; set queues = 1 on this hub");
                }
            }
        }
        if (queues > 1 && listen == null) {
            throw error(site, "site.", "queues", "several loops share the listen port, so queues = " + queues
                    + " needs [site] listen; set one (e.g. listen = \"0.0.0.0:4790\") or queues = 1");
        }
        return new SiteConfig(file, name, tap, mtu, listen, controlSocket,
                resolve(path(site, "site.", "private-key-file", keyFile)), switchSettings, List.copyOf(peers),
                List.copyOf(statics), wanMtu, offloads == null || offloads, metricsListen, queues);
    }

    /**
     * {@code [metrics] listen}: an address of this host and a port for the Prometheus endpoint, or null without
     * a {@code [metrics]} table. No default port: an HTTP listener opens only where an operator asked for one.
     */
    private InetSocketAddress readMetrics(TomlParseResult toml) throws ConfigException {
        TomlTable metrics = table(toml, "metrics", false);
        if (metrics == null) {
            return null;
        }
        rejectUnknown(metrics, "metrics.", METRICS_KEYS);
        InetSocketAddress address = optionalEndpoint(metrics, "metrics.", "listen");
        if (address == null) {
            // An empty table has no key to take a line from: point at its header.
            TomlPosition header = toml.inputPositionOf(List.of("metrics"));
            throw new ConfigException(file, header == null ? 0 : header.line(), "metrics.listen",
                    "required key is missing; e.g. listen = \"127.0.0.1:9477\" (or \"[::1]:9477\"), or remove"
                            + " [metrics] to serve no metrics");
        }
        if (address.getAddress().isMulticastAddress()) {
            throw error(metrics, "metrics.", "listen", address.getAddress().getHostAddress()
                    + " is a multicast address; give an address of this host, e.g. 127.0.0.1:9477");
        }
        return address;
    }

    /** Builds the switch settings; the switch's own validators run here, so `check` catches bad values. */
    private SwitchSettings readSwitch(TomlParseResult toml, int peerCount) throws ConfigException {
        TomlTable sw = table(toml, "switch", false);
        SwitchSettings.Builder builder = SwitchSettings.builder();
        // Room for every configured peer plus the TAP, with headroom for peers added at run time.
        builder.maxPorts(Math.max(SwitchSettings.DEFAULT_MAX_PORTS, peerCount + 1));
        if (sw == null) {
            return builder.build();
        }
        rejectUnknown(sw, "switch.", SWITCH_KEYS);
        for (String key : sw.keySet()) {
            if (key.equals(SwitchSettings.KEY_FORWARD_STP)) {
                builder.forwardStpBpdus(nullableBoolean(sw, "switch.", key));
                continue;
            }
            if (key.equals(SwitchSettings.KEY_ARP_SUPPRESSION)) {
                builder.arpSuppression(nullableBoolean(sw, "switch.", key));
                continue;
            }
            Long value = nullableLong(sw, "switch.", key);
            try {
                builder.set(key, value);
            } catch (IllegalArgumentException e) {
                throw error(sw, "switch.", key, e.getMessage());
            }
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            for (String key : sw.keySet()) {
                if (message.startsWith(key + "=")) {
                    throw error(sw, "switch.", key, message);
                }
            }
            throw new ConfigException(file, firstLine(sw), "switch", message);
        }
    }

    private List<PeerConfig> readPeers(TomlParseResult toml, String siteName) throws ConfigException {
        List<PeerConfig> peers = new ArrayList<>();
        TomlArray array = arrayOfTables(toml, "peer");
        if (array == null) {
            return peers;
        }
        Set<String> names = new HashSet<>();
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            TomlTable peer = array.getTable(i);
            String prefix = "peer[" + (i + 1) + "].";
            rejectUnknown(peer, prefix, PEER_KEYS);
            String name = requiredString(peer, prefix, "name");
            if (!SITE_NAME.matcher(name).matches()) {
                throw error(peer, prefix, "name", "'" + name + "' must match [a-z0-9-]{1,32}");
            }
            if (name.equals("local")) {
                throw error(peer, prefix, "name", "'local' is reserved for the site's own TAP port");
            }
            if (name.equals(siteName)) {
                throw error(peer, prefix, "name", "'" + name + "' is this site's own name");
            }
            if (!names.add(name)) {
                throw error(peer, prefix, "name", "a peer named '" + name + "' is already defined");
            }
            InetSocketAddress endpoint = peerEndpoint(peer, prefix);
            String transportText = optionalString(peer, prefix, "transport");
            Transport transport = Transport.UDP;
            if (transportText != null) {
                switch (transportText) {
                    case "udp" -> transport = Transport.UDP;
                    case "tcp" -> transport = Transport.TCP;
                    case "auto" -> transport = Transport.AUTO;
                    default -> throw error(peer, prefix, "transport",
                            "'" + transportText + "' is not udp, tcp or auto");
                }
            }
            String publicKey = requiredString(peer, prefix, "public-key",
                    "ask that site for its key (tapbridge pubkey < its private key file)");
            try {
                Keys.parsePublic(publicKey, "the key");
            } catch (IllegalArgumentException e) {
                throw error(peer, prefix, "public-key", e.getMessage());
            }
            if (!keys.add(publicKey)) {
                throw error(peer, prefix, "public-key", "another peer already has this public key; "
                        + "a peer is identified by its key, so each needs its own");
            }
            String psk = optionalString(peer, prefix, "preshared-key-file");
            String horizon = optionalString(peer, prefix, "split-horizon");
            boolean spoke = false;
            if (horizon != null) {
                switch (horizon) {
                    case "mesh" -> spoke = false;
                    case "spoke" -> spoke = true;
                    default -> throw error(peer, prefix, "split-horizon", "'" + horizon + "' is not mesh or spoke");
                }
            }
            int peerMtu = (int) optionalLong(peer, prefix, "mtu", 0, WAN_MTU_MIN, WAN_MTU_MAX);
            long resolveSeconds = optionalLong(peer, prefix, PeerConfig.KEY_RESOLVE_INTERVAL_SECONDS,
                    PeerConfig.DEFAULT_RESOLVE_INTERVAL_SECONDS, PeerConfig.MIN_RESOLVE_INTERVAL_SECONDS,
                    PeerConfig.MAX_RESOLVE_INTERVAL_SECONDS);
            boolean resolveSet = peer.get(List.of(PeerConfig.KEY_RESOLVE_INTERVAL_SECONDS)) != null;
            if (resolveSet && (endpoint == null || !endpoint.isUnresolved())) {
                throw error(peer, prefix, PeerConfig.KEY_RESOLVE_INTERVAL_SECONDS,
                        "only a host name endpoint is looked up again; this peer's endpoint is "
                                + (endpoint == null ? "not set" : "an address"));
            }
            long fallbackSeconds = autoSeconds(peer, prefix, transport, PeerConfig.KEY_UDP_FALLBACK_SECONDS,
                    PeerConfig.DEFAULT_UDP_FALLBACK_SECONDS, PeerConfig.MIN_UDP_FALLBACK_SECONDS,
                    PeerConfig.MAX_UDP_FALLBACK_SECONDS);
            long probeSeconds = autoSeconds(peer, prefix, transport, PeerConfig.KEY_UDP_PROBE_SECONDS,
                    PeerConfig.DEFAULT_UDP_PROBE_SECONDS, PeerConfig.MIN_UDP_PROBE_SECONDS,
                    PeerConfig.MAX_UDP_PROBE_SECONDS);
            peers.add(new PeerConfig(name, endpoint, transport, publicKey, psk == null ? null : resolve(path(peer, prefix, "preshared-key-file", psk)), spoke,
                    peerMtu, TimeUnit.SECONDS.toNanos(resolveSeconds), TimeUnit.SECONDS.toNanos(fallbackSeconds),
                    TimeUnit.SECONDS.toNanos(probeSeconds)));
        }
        return peers;
    }

    /** A timer of {@code transport = "auto"}: refused on a peer with a fixed transport, where it would do nothing. */
    private long autoSeconds(TomlTable peer, String prefix, Transport transport, String key, long dflt, long min,
                             long max) throws ConfigException {
        long seconds = optionalLong(peer, prefix, key, dflt, min, max);
        if (transport != Transport.AUTO && peer.get(List.of(key)) != null) {
            throw error(peer, prefix, key, "only applies to transport = \"auto\"; this peer's transport is "
                    + transport.configName());
        }
        return seconds;
    }

    private List<StaticMacConfig> readStaticMacs(TomlParseResult toml, List<PeerConfig> peers)
            throws ConfigException {
        List<StaticMacConfig> statics = new ArrayList<>();
        TomlArray array = arrayOfTables(toml, "static-mac");
        if (array == null) {
            return statics;
        }
        for (int i = 0; i < array.size(); i++) {
            TomlTable entry = array.getTable(i);
            String prefix = "static-mac[" + (i + 1) + "].";
            rejectUnknown(entry, prefix, STATIC_MAC_KEYS);
            String macText = requiredString(entry, prefix, "mac");
            long mac;
            try {
                mac = MacAddress.parse(macText);
            } catch (IllegalArgumentException e) {
                throw error(entry, prefix, "mac", e.getMessage());
            }
            if (MacAddress.isMulticast(mac) || mac == 0) {
                throw error(entry, prefix, "mac", macText + " is not a unicast MAC; only unicast MACs can be pinned");
            }
            int vlan = (int) optionalLong(entry, prefix, "vlan", 0, 0, 4094);
            String port = requiredString(entry, prefix, "port");
            if (!port.equals("local") && peers.stream().noneMatch(p -> p.name().equals(port))) {
                throw error(entry, prefix, "port", "'" + port + "' is neither 'local' nor the name of a [[peer]]");
            }
            statics.add(new StaticMacConfig(vlan, mac, port));
        }
        return statics;
    }

    // --- typed access, each failure located ---

    /** The path a string names; one the OS cannot take (a NUL character) is a located error, not a crash. */
    private Path path(TomlTable table, String prefix, String key, String text) throws ConfigException {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw error(table, prefix, key, "is not a usable path: " + e.getReason());
        }
    }

    private Path resolve(Path p) {
        Path dir = file.toAbsolutePath().getParent();
        return p.isAbsolute() || dir == null ? p : dir.resolve(p);
    }

    private TomlTable table(TomlTable toml, String key, boolean required) throws ConfigException {
        Object value = toml.get(List.of(key));
        if (value == null) {
            if (required) {
                throw new ConfigException(file, 0, key, "missing table [" + key + "]");
            }
            return null;
        }
        if (!(value instanceof TomlTable t)) {
            throw error(toml, "", key, "must be a table [" + key + "]");
        }
        return t;
    }

    private TomlArray arrayOfTables(TomlTable toml, String key) throws ConfigException {
        Object value = toml.get(List.of(key));
        if (value == null) {
            return null;
        }
        if (value instanceof TomlArray a && a.toList().stream().allMatch(TomlTable.class::isInstance)) {
            return a;
        }
        throw error(toml, "", key, "must be written as [[" + key + "]] tables");
    }

    private void rejectUnknown(TomlTable table, String prefix, Set<String> known) throws ConfigException {
        for (String key : table.keySet()) {
            if (!known.contains(key)) {
                throw error(table, prefix, key, "unknown key; known keys here: " + String.join(", ", sorted(known)));
            }
        }
    }

    private static List<String> sorted(Set<String> keys) {
        List<String> list = new ArrayList<>(keys);
        list.sort(null);
        return list;
    }

    private String requiredString(TomlTable table, String prefix, String key) throws ConfigException {
        return requiredString(table, prefix, key, null);
    }

    private String requiredString(TomlTable table, String prefix, String key, String hint) throws ConfigException {
        String value = optionalString(table, prefix, key);
        if (value == null) {
            int line = table.isEmpty() ? 0 : firstLine(table);
            throw new ConfigException(file, line, prefix + key,
                    "required key is missing" + (hint == null ? "" : "; " + hint));
        }
        return value;
    }

    private String optionalString(TomlTable table, String prefix, String key) throws ConfigException {
        Object value = table.get(List.of(key));
        if (value == null) {
            return null;
        }
        if (!(value instanceof String s)) {
            throw error(table, prefix, key, "must be a string in quotes");
        }
        if (s.isEmpty()) {
            throw error(table, prefix, key, "must not be empty");
        }
        return s;
    }

    private long optionalLong(TomlTable table, String prefix, String key, long dflt, long min, long max)
            throws ConfigException {
        Long value = nullableLong(table, prefix, key);
        if (value == null) {
            return dflt;
        }
        if (value < min || value > max) {
            throw error(table, prefix, key, value + " is outside " + min + ".." + max);
        }
        return value;
    }

    private Long nullableLong(TomlTable table, String prefix, String key) throws ConfigException {
        Object value = table.get(List.of(key));
        if (value == null) {
            return null;
        }
        if (!(value instanceof Long l)) {
            throw error(table, prefix, key, "must be a whole number");
        }
        return l;
    }

    private Boolean nullableBoolean(TomlTable table, String prefix, String key) throws ConfigException {
        Object value = table.get(List.of(key));
        if (value == null) {
            return null;
        }
        if (!(value instanceof Boolean b)) {
            throw error(table, prefix, key, "must be true or false");
        }
        return b;
    }

    private InetSocketAddress optionalEndpoint(TomlTable table, String prefix, String key) throws ConfigException {
        String text = optionalString(table, prefix, key);
        if (text == null) {
            return null;
        }
        try {
            return Endpoint.parse(text);
        } catch (IllegalArgumentException e) {
            throw error(table, prefix, key, e.getMessage());
        }
    }

    /** A peer's endpoint: an address, or a host name checked for its form only (never looked up here). */
    private InetSocketAddress peerEndpoint(TomlTable table, String prefix) throws ConfigException {
        String text = optionalString(table, prefix, "endpoint");
        if (text == null) {
            return null;
        }
        try {
            return Endpoint.parseDeferred(text);
        } catch (IllegalArgumentException e) {
            throw error(table, prefix, "endpoint", e.getMessage());
        }
    }

    private int firstLine(TomlTable table) {
        int line = Integer.MAX_VALUE;
        for (String key : table.keySet()) {
            TomlPosition p = table.inputPositionOf(List.of(key));
            if (p != null) {
                line = Math.min(line, p.line());
            }
        }
        return line == Integer.MAX_VALUE ? 0 : Math.max(1, line - 1);
    }

    /** Validation errors found after parsing, located at the key's line. */
    ConfigException error(TomlTable table, String prefix, String key, String problem) {
        TomlPosition p = table.inputPositionOf(List.of(key));
        return new ConfigException(file, p == null ? 0 : p.line(), prefix + key, problem);
    }
}
