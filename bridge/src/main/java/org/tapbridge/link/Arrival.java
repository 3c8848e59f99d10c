package org.tapbridge.link;

import java.nio.ByteBuffer;

/**
 * An authenticated Ethernet frame from a peer, as the links hand it to the switch: where it lies and who
 * sent it. Reused for every message; valid until the next one. Owned by the data-path thread.
 */
public final class Arrival {
    PeerLink peer;
    ByteBuffer buffer;
    int offset;
    int length;

    void set(PeerLink peer, ByteBuffer buffer, int offset, int length) {
        this.peer = peer;
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
    }

    public PeerLink peer() {
        return peer;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    public int length() {
        return length;
    }
}
