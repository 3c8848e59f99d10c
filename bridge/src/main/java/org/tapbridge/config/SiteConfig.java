package org.tapbridge.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.tapbridge.switching.SwitchSettings;

/**
 * A whole site configuration, validated: one file per site.
 *
 * @param listen null when the site only dials out
 * @param tapMtu 0 leaves the TAP's MTU as it is
 * @param privateKeyFile null when the config has none
 * @param wanMtu  the outer MTU towards every UDP peer, 0 to take the kernel's route MTU; path-MTU
 *                discovery searches at or below it
 * @param offloads whether to ask the kernel for TAP and UDP offloads (super-frames, GSO/GRO); off, every
 *                frame is an ordinary frame, as with a peer that has none
 * @param metricsListen where {@code /metrics} is served over HTTP ({@code [metrics] listen}); null: no listener
 * @param queues data-path loops, one per TAP queue ({@code [site] queues}, 1 to {@link #MAX_QUEUES}); see
 *               docs/offloads.md, "Every core"
 */
public record SiteConfig(Path file, String name, String tap, int tapMtu, InetSocketAddress listen,
                         Path controlSocket, Path privateKeyFile, SwitchSettings switchSettings,
                         List<PeerConfig> peers, List<StaticMacConfig> staticMacs, int wanMtu, boolean offloads,
                         InetSocketAddress metricsListen, int queues) {
    /** The most loops a site runs; the lane byte of the wire format has room for as many. */
    public static final int MAX_QUEUES = 16;

    public SiteConfig(Path file, String name, String tap, int tapMtu, InetSocketAddress listen, Path controlSocket,
                      Path privateKeyFile, SwitchSettings switchSettings, List<PeerConfig> peers,
                      List<StaticMacConfig> staticMacs, int wanMtu, boolean offloads, InetSocketAddress metricsListen) {
        this(file, name, tap, tapMtu, listen, controlSocket, privateKeyFile, switchSettings, peers, staticMacs,
                wanMtu, offloads, metricsListen, 1);
    }

    public SiteConfig(Path file, String name, String tap, int tapMtu, InetSocketAddress listen, Path controlSocket,
                      Path privateKeyFile, SwitchSettings switchSettings, List<PeerConfig> peers,
                      List<StaticMacConfig> staticMacs, int wanMtu, boolean offloads) {
        this(file, name, tap, tapMtu, listen, controlSocket, privateKeyFile, switchSettings, peers, staticMacs,
                wanMtu, offloads, null);
    }

    /** The same site with {@code /metrics} served at {@code address} (null: none). */
    public SiteConfig withMetricsListen(InetSocketAddress address) {
        return new SiteConfig(file, name, tap, tapMtu, listen, controlSocket, privateKeyFile, switchSettings, peers,
                staticMacs, wanMtu, offloads, address, queues);
    }

    /** The same site with {@code queues} data-path loops. */
    public SiteConfig withQueues(int count) {
        return new SiteConfig(file, name, tap, tapMtu, listen, controlSocket, privateKeyFile, switchSettings, peers,
                staticMacs, wanMtu, offloads, metricsListen, count);
    }

    public SiteConfig(Path file, String name, String tap, int tapMtu, InetSocketAddress listen, Path controlSocket,
                      Path privateKeyFile, SwitchSettings switchSettings, List<PeerConfig> peers,
                      List<StaticMacConfig> staticMacs, int wanMtu) {
        this(file, name, tap, tapMtu, listen, controlSocket, privateKeyFile, switchSettings, peers, staticMacs,
                wanMtu, true);
    }

    public SiteConfig(Path file, String name, String tap, int tapMtu, InetSocketAddress listen, Path controlSocket,
                      Path privateKeyFile, SwitchSettings switchSettings, List<PeerConfig> peers,
                      List<StaticMacConfig> staticMacs) {
        this(file, name, tap, tapMtu, listen, controlSocket, privateKeyFile, switchSettings, peers, staticMacs, 0);
    }

    public static Path defaultControlSocket(String siteName) {
        return Path.of("/run/tapbridge", siteName + ".sock");
    }
}
