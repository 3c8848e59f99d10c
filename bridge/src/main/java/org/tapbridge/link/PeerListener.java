package org.tapbridge.link;

/** Told when a peer comes up or goes down, e.g. to flush its MACs and update the service status; called on the data-path thread, so it must not block. */
public interface PeerListener {
    void peerUp(PeerLink peer);

    void peerDown(PeerLink peer);

    PeerListener NONE = new PeerListener() {
        @Override
        public void peerUp(PeerLink peer) {
        }

        @Override
        public void peerDown(PeerLink peer) {
        }
    };
}
