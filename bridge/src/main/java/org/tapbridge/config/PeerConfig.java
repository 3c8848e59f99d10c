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
 * @param udpFallbackNs {@code transport = "auto"}: how long UDP is tried without a handshake before TCP
 * @param udpProbeNs {@code transport = "auto"}: how often a link that fell back to TCP tries UDP again
 */
public record PeerConfig(String name, InetSocketAddress endpoint, Transport transport, String publicKey,
                         Path presharedKeyFile, boolean spoke, int mtu, long resolveIntervalNs, long udpFallbackNs,
                         long udpProbeNs) {
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
    public static final String KEY_UDP_FALLBACK_SECONDS = "udp-fallback-seconds";
    /**
     * Ten seconds: two handshake retransmit timeouts (5 s each) and four initiations on the reconnect backoff
     * (at about 0, 1, 2 and 5 s), so one lost datagram never sends a link to TCP, while an operator behind a
     * firewall that drops UDP waits no longer than a page reload.
     */
    public static final long DEFAULT_UDP_FALLBACK_SECONDS = 10;
    /** Below two seconds not even one initiation and its retry could be answered. */
    public static final long MIN_UDP_FALLBACK_SECONDS = 2;
    public static final long MAX_UDP_FALLBACK_SECONDS = 300;
    public static final String KEY_UDP_PROBE_SECONDS = "udp-probe-seconds";
    /**
     * A minute: each try costs one handshake (and, when UDP is still blocked, one more over TCP five seconds
     * later), so a link on TCP pays two handshakes a minute, and is back on UDP within a minute of it working.
     */
    public static final long DEFAULT_UDP_PROBE_SECONDS = 60;
    /**
     * Ten seconds: an unanswered try is retransmitted over TCP after the 5-s handshake retransmit timeout,
     * and that handshake must complete before the next try replaces it.
     */
    public static final long MIN_UDP_PROBE_SECONDS = 10;
    public static final long MAX_UDP_PROBE_SECONDS = 3600;

    public PeerConfig(String name, InetSocketAddress endpoint, Transport transport, String publicKey,
                      Path presharedKeyFile, boolean spoke, int mtu, long resolveIntervalNs) {
        this(name, endpoint, transport, publicKey, presharedKeyFile, spoke, mtu, resolveIntervalNs,
                TimeUnit.SECONDS.toNanos(DEFAULT_UDP_FALLBACK_SECONDS), TimeUnit.SECONDS.toNanos(DEFAULT_UDP_PROBE_SECONDS));
    }

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
