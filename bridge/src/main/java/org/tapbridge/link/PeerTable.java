package org.tapbridge.link;

import java.util.List;
import java.util.Map;

/**
 * The configured peers, by switch port and by name. Immutable: a live reload builds a new table, which the
 * links publish; read by any thread.
 */
public final class PeerTable {
    /** Switch port of the first peer; port 0 is the local TAP. */
    public static final int FIRST_PEER_PORT = 1;

    private final PeerLink[] byPort;
    private final List<PeerLink> peers;
    private final Map<String, PeerLink> byName;

    PeerTable(List<PeerLink> links) {
        int highest = FIRST_PEER_PORT - 1;
        for (PeerLink link : links) {
            highest = Math.max(highest, link.port());
        }
        // Sized by the highest port: after a reload removed a peer, the ports in use may have a gap.
        byPort = new PeerLink[highest + 1];
        java.util.HashMap<String, PeerLink> names = new java.util.HashMap<>();
        for (PeerLink link : links) {
            byPort[link.port()] = link;
            names.put(link.name(), link);
        }
        peers = List.copyOf(links);
        byName = Map.copyOf(names);
    }

    /** Number of switch ports, the local one included. */
    public int portCount() {
        return byPort.length;
    }

    public PeerLink byPort(int port) {
        return port >= FIRST_PEER_PORT && port < byPort.length ? byPort[port] : null;
    }

    public PeerLink byName(String name) {
        return byName.get(name);
    }

    public List<PeerLink> peers() {
        return peers;
    }

    public int upCount() {
        int n = 0;
        for (PeerLink peer : peers) {
            if (peer.isUp()) {
                n++;
            }
        }
        return n;
    }
}
