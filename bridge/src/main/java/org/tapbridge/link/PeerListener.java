package org.tapbridge.link;

/** Told when a peer comes up or goes down, e.g. to flush its MACs and update the service status. */
public interface PeerListener {
    void peerUp(Peer peer);

    void peerDown(Peer peer);

    PeerListener NONE = new PeerListener() {
        @Override
        public void peerUp(Peer peer) {
        }

        @Override
        public void peerDown(Peer peer) {
        }
    };
}
