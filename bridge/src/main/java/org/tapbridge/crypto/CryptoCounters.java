package org.tapbridge.crypto;

import org.tapbridge.drops.DropReason;

/** Drop and event counters of the crypto layer: plain longs written by the link thread only. */
public final class CryptoCounters {
    private final long[] drops = new long[DropReason.COUNT];
    private long handshakesInitiated;
    private long handshakesCompleted;
    private long framesSealed;
    private long framesOpened;

    void drop(int reason) {
        drops[reason]++;
    }

    void handshakeInitiated() {
        handshakesInitiated++;
    }

    void handshakeCompleted() {
        handshakesCompleted++;
    }

    void sealed() {
        framesSealed++;
    }

    void opened() {
        framesOpened++;
    }

    public long drops(int reason) {
        return drops[reason];
    }

    public long handshakesInitiated() {
        return handshakesInitiated;
    }

    public long handshakesCompleted() {
        return handshakesCompleted;
    }

    public long framesSealed() {
        return framesSealed;
    }

    public long framesOpened() {
        return framesOpened;
    }

    /** A copy for the control thread; taken on the data-path thread. */
    public Snapshot snapshot() {
        return new Snapshot(drops.clone(), handshakesInitiated, handshakesCompleted, framesSealed, framesOpened);
    }

    /** Immutable counter values at one moment; drops indexed by {@link DropReason}. */
    public record Snapshot(long[] dropCounts, long handshakesInitiated, long handshakesCompleted, long framesSealed,
            long framesOpened) {
        public long drops(int reason) {
            return dropCounts[reason];
        }
    }
}
