package org.tapbridge.link;

import java.nio.ByteBuffer;

/** Where authenticated frames from peers go: the switch. Called on the data-path thread. */
public interface FrameSink {
    /** A frame from {@code peer} at {@code buffer[offset, +length)}, valid only during the call. */
    void frameFromPeer(PeerLink peer, ByteBuffer buffer, int offset, int length, long nowNs);
}
