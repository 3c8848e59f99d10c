package org.tapbridge.link;

import java.util.concurrent.atomic.AtomicLongArray;
import org.tapbridge.drops.DropReason;

/**
 * Traffic counters of one peer, written only by the data-path thread; opaque writes let the control
 * path read them without locks.
 */
public final class PeerCounters {
    private static final int RX_FRAMES = 0;
    private static final int RX_BYTES = 1;
    private static final int TX_FRAMES = 2;
    private static final int TX_BYTES = 3;
    private static final int DROPS = 4;

    private final AtomicLongArray values = new AtomicLongArray(DROPS + DropReason.COUNT);

    void received(int bytes) {
        add(RX_FRAMES, 1);
        add(RX_BYTES, bytes);
    }

    void sent(int bytes) {
        add(TX_FRAMES, 1);
        add(TX_BYTES, bytes);
    }

    public void dropped(int reason) {
        add(DROPS + reason, 1);
    }

    /** A crypto drop of a message that named this peer's session (not proof that the peer sent it). */
    void cryptoDropped(int reason) {
        dropped(reason);
    }

    private void add(int index, long delta) {
        values.setOpaque(index, values.getPlain(index) + delta);
    }

    public long rxFrames() {
        return values.getOpaque(RX_FRAMES);
    }

    public long rxBytes() {
        return values.getOpaque(RX_BYTES);
    }

    public long txFrames() {
        return values.getOpaque(TX_FRAMES);
    }

    public long txBytes() {
        return values.getOpaque(TX_BYTES);
    }

    public long drops(int reason) {
        return values.getOpaque(DROPS + reason);
    }
}
