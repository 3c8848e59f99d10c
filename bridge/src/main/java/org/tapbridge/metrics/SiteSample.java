package org.tapbridge.metrics;

import java.util.List;
import java.util.Map;
import org.tapbridge.crypto.CryptoCounters;

/**
 * Every value a scrape shows, copied on the data-path thread in one visit, so that the numbers describe one
 * instant (as {@code tapbridge stats} does); immutable after that, read by the HTTP thread that renders it.
 * Plain numbers and names only: {@link SiteMetrics} turns them into Prometheus series.
 *
 * @param tapMtu               the TAP's MTU in bytes
 * @param offloadsEnabled      the TAP offloads in force, as {@code stats} words them
 * @param vnetHeaderBytes      length of the virtio-net header on each TAP read/write, 0 without offloads
 * @param unknownIngressFrames frames from ports the switch never had
 * @param macTableLimit        {@code [switch] mac-table-limit}
 * @param perPortMacLimit      {@code [switch] per-port-mac-limit}
 * @param linkDrops            messages dropped by the links and charged to no peer, indexed by DropReason
 * @param groups               the {@code stats} counter groups ({@code tap}, {@code offloads}, {@code udp},
 *                             {@code mtu}, {@code loop}), each a map of kebab-case key to count
 */
public record SiteSample(String tapName, int tapMtu, String aead, String offloadsEnabled, long vnetHeaderBytes,
                         List<Peer> peers, List<Port> ports, long unknownIngressFrames, int macTableEntries,
                         int macTableLimit, int perPortMacLimit, long[] linkDrops, CryptoCounters.Snapshot crypto,
                         Map<String, Map<String, Long>> groups) {

    /**
     * One peer.
     *
     * @param handshakeAgeSeconds seconds since the session's keys were made; NaN when there never was a handshake
     * @param lastRxAgeSeconds    seconds since anything arrived from the peer; NaN when nothing ever did
     * @param drops               by DropReason
     * @param pathMtu             the outer MTU discovered towards the peer in bytes; 0 while unknown
     * @param maxFrame            the largest inner frame the link carries now, in bytes
     */
    public record Peer(String name, String transport, String endpoint, boolean up, boolean established,
                       double handshakeAgeSeconds, double lastRxAgeSeconds, long rxFrames, long rxBytes,
                       long txFrames, long txBytes, long[] drops, int pathMtu, int maxFrame) {
    }

    /**
     * One switch port: the TAP ({@code local}) or a peer.
     *
     * @param counters           by SwitchCounters index (frames-in, forwarded, flooded, learned, ...)
     * @param drops              by DropReason, switch reasons only
     * @param blockedSeconds     time left while loop protection blocks the port; 0 while it forwards
     * @param dynamicMacs        MACs learned on the port now in the table
     */
    public record Port(String name, long[] counters, long[] drops, double blockedSeconds, int dynamicMacs) {
    }
}
