package org.tapbridge.link;

import java.util.concurrent.atomic.AtomicLongArray;
import org.tapbridge.drops.DropReason;

/**
 * Traffic counters of one peer. One writer: the data-path thread, so increments are plain read-add-write
 * and none is lost. The control path reads them on that same thread ({@code Daemon.onLoop}), so a report
 * is one instant's snapshot; opaque accesses still keep any other reader from seeing a torn value.
 *
 * <p>With assertions on (the tests), the first thread that writes is taken as the writer and a write from
 * any other fails: a second writer, which loses increments silently, then fails loudly instead.
 */
public final class PeerCounters {
    private static final int RX_FRAMES = 0;
    private static final int RX_BYTES = 1;
    private static final int TX_FRAMES = 2;
    private static final int TX_BYTES = 3;
    private static final int DROPS = 4;

    private final AtomicLongArray values = new AtomicLongArray(DROPS + DropReason.COUNT);
    /** The thread that wrote first; only kept with assertions on. */
    private Thread writer;

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
        assert onWriterThread();
        values.setOpaque(index, values.getPlain(index) + delta);
    }

    private boolean onWriterThread() {
        Thread current = Thread.currentThread();
        if (writer == null) {
            writer = current;
        } else if (writer != current) {
            throw new AssertionError("PeerCounters written by thread '" + current.getName() + "' but its writer is '"
                    + writer.getName() + "': increments would be lost");
        }
        return true;
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
