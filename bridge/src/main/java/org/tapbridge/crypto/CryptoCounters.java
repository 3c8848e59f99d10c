package org.tapbridge.crypto;

import java.util.EnumMap;
import java.util.Map;

/** Drop and event counters of the crypto layer: plain longs written by the link thread only. */
public final class CryptoCounters {
    private final long[] drops = new long[DropReason.values().length];
    private long handshakesInitiated;
    private long handshakesCompleted;
    private long framesSealed;
    private long framesOpened;

    void drop(DropReason reason) {
        drops[reason.ordinal()]++;
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

    public long drops(DropReason reason) {
        return drops[reason.ordinal()];
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

    /** A copy for the control thread; taken on the link thread (e.g. from a ring event). */
    public Snapshot snapshot() {
        Map<DropReason, Long> copy = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            copy.put(r, drops[r.ordinal()]);
        }
        return new Snapshot(Map.copyOf(copy), handshakesInitiated, handshakesCompleted, framesSealed, framesOpened);
    }

    /** Immutable counter values at one moment. */
    public record Snapshot(Map<DropReason, Long> drops, long handshakesInitiated, long handshakesCompleted,
            long framesSealed, long framesOpened) {
        public long drops(DropReason reason) {
            return drops.getOrDefault(reason, 0L);
        }
    }
}
