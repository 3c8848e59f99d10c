package org.tapbridge.pipeline;

import java.nio.ByteBuffer;
import org.tapbridge.link.LinkDrop;
import org.tapbridge.link.PeerLink;

/**
 * Keeps frames within what each peer link carries: clamps the MSS of TCP SYNs crossing the bridge, and
 * decides the fate of a frame too big for its link. Owned by the data-path thread.
 */
public class MtuGuard {
    private long mssClamped;
    private long tooBigDropped;

    /** Lowers the MSS option of a TCP SYN or SYN-ACK so a full segment, framed, fits {@code maxFrameLength}. */
    void clampMss(ByteBuffer buf, int offset, int length, int maxFrameLength) {
    }

    /** A frame bigger than {@code limit} on its way to {@code peer}; {@code ingressPeer} is null from the TAP. */
    void tooBig(PeerLink peer, PeerLink ingressPeer, ByteBuffer buf, int offset, int length, int limit, long nowNs) {
        tooBigDropped++;
        peer.counters().dropped(LinkDrop.OVERSIZED);
    }

    public long mssClamped() {
        return mssClamped;
    }

    public long tooBigDropped() {
        return tooBigDropped;
    }
}
