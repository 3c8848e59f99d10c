package org.tapbridge.link;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.tapbridge.config.PeerConfig;

/** The configured peers, by switch port, by name and by the address they last spoke from. */
public final class PeerTable {
    /** Switch port of the first peer; port 0 is the local TAP. */
    public static final int FIRST_PEER_PORT = 1;

    private final Peer[] byPort;
    private final List<Peer> peers;
    private final Map<String, Peer> byName = new ConcurrentHashMap<>();
    private final Map<InetSocketAddress, Peer> byAddress = new ConcurrentHashMap<>();

    public PeerTable(List<PeerConfig> configs) {
        byPort = new Peer[FIRST_PEER_PORT + configs.size()];
        for (int i = 0; i < configs.size(); i++) {
            Peer peer = new Peer(configs.get(i), FIRST_PEER_PORT + i);
            byPort[peer.port()] = peer;
            byName.put(peer.name(), peer);
            if (peer.endpoint() != null) {
                byAddress.put(peer.endpoint(), peer);
            }
        }
        peers = List.copyOf(java.util.Arrays.asList(byPort).subList(FIRST_PEER_PORT, byPort.length));
    }

    /** Number of switch ports, the local one included. */
    public int portCount() {
        return byPort.length;
    }

    public Peer byPort(int port) {
        return port >= FIRST_PEER_PORT && port < byPort.length ? byPort[port] : null;
    }

    public Peer byName(String name) {
        return byName.get(name);
    }

    public Peer byAddress(InetSocketAddress address) {
        return byAddress.get(address);
    }

    public List<Peer> peers() {
        return peers;
    }

    public int upCount() {
        int n = 0;
        for (int i = FIRST_PEER_PORT; i < byPort.length; i++) {
            if (byPort[i].isUp()) {
                n++;
            }
        }
        return n;
    }

    /** Follows a peer to a new source address after it proved who it is. */
    void moved(Peer peer, InetSocketAddress address) {
        InetSocketAddress old = peer.endpoint();
        if (address.equals(old)) {
            return;
        }
        if (old != null) {
            byAddress.remove(old, peer);
        }
        peer.endpoint(address);
        byAddress.put(address, peer);
    }
}
