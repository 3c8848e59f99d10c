package org.tapbridge.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One {@code [[peer]]} table.
 *
 * @param endpoint null when the peer dials us; an unresolved address ({@link InetSocketAddress#isUnresolved()})
 *                 when the config names a host, which the daemon resolves in the background
 * @param publicKey base64 X25519 public key, or null when the config has none
 * @param presharedKeyFile optional per-peer pre-shared key file, or null
 * @param spoke true when the peer is its own split-horizon group (it may receive relayed frames)
 * @param mtu the outer MTU towards this peer, 0 for the site's {@code wan-mtu} or the route's
 * @param resolveIntervalNs how often a host name endpoint is looked up again once it resolved
 */
public record PeerConfig(String name, InetSocketAddress endpoint, Transport transport, String publicKey,
                         Path presharedKeyFile, boolean spoke, int mtu, long resolveIntervalNs) {
    public static final String KEY_RESOLVE_INTERVAL_SECONDS = "resolve-interval-seconds";
    /**
     * Five minutes: a dynamic-DNS site that changed its address is found again within minutes, while a
     * site of a few peers asks its DNS server about once a minute at most. Roaming follows a peer that
     * moves and still talks to us much faster; the name matters when nobody can reach anybody.
     */
    public static final long DEFAULT_RESOLVE_INTERVAL_SECONDS = 300;
    /** Below ten seconds a lookup mostly returns the DNS server's cached answer again: pure load. */
    public static final long MIN_RESOLVE_INTERVAL_SECONDS = 10;
    public static final long MAX_RESOLVE_INTERVAL_SECONDS = 86_400;
    public static final long DEFAULT_RESOLVE_INTERVAL_NS = TimeUnit.SECONDS.toNanos(DEFAULT_RESOLVE_INTERVAL_SECONDS);

    public PeerConfig(String name, InetSocketAddress endpoint, Transport transport, String publicKey,
                      Path presharedKeyFile, boolean spoke, int mtu) {
        this(name, endpoint, transport, publicKey, presharedKeyFile, spoke, mtu, DEFAULT_RESOLVE_INTERVAL_NS);
    }

    public PeerConfig(String name, InetSocketAddress endpoint, Transport transport, String publicKey,
                      Path presharedKeyFile, boolean spoke) {
        this(name, endpoint, transport, publicKey, presharedKeyFile, spoke, 0);
    }

    /** The configured host name when the endpoint is one (resolved at run time); null otherwise. */
    public String endpointHost() {
        return endpoint != null && endpoint.isUnresolved() ? endpoint.getHostString() : null;
    }
}
