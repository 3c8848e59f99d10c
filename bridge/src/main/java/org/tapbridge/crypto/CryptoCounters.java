package org.tapbridge.crypto;

import org.tapbridge.drops.DropReason;

/** Drop and event counters of the crypto layer: plain longs written by the link thread only. */
public final class CryptoCounters {
    private final long[] drops = new long[DropReason.COUNT];
    private long handshakesInitiated;
    private long handshakesCompleted;
    private long framesSealed;
    private long framesOpened;
    private long mac1Rejected;
    private long cookieRepliesSent;
    private long cookiesReceived;
    private long rateLimiterEvictions;

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

    /** A handshake message without a valid mac1: dropped before any rate limiting or X25519 work. */
    void mac1Refused() {
        mac1Rejected++;
    }

    void cookieReplySent() {
        cookieRepliesSent++;
    }

    void cookieReceived() {
        cookiesReceived++;
    }

    void rateLimiterEvicted() {
        rateLimiterEvictions++;
    }

    public long mac1Rejected() {
        return mac1Rejected;
    }

    public long cookieRepliesSent() {
        return cookieRepliesSent;
    }

    public long cookiesReceived() {
        return cookiesReceived;
    }

    public long rateLimiterEvictions() {
        return rateLimiterEvictions;
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
        return new Snapshot(drops.clone(), handshakesInitiated, handshakesCompleted, framesSealed, framesOpened,
                mac1Rejected, cookieRepliesSent, cookiesReceived, rateLimiterEvictions);
    }

    /**
     * Immutable counter values at one moment; drops indexed by {@link DropReason}. The handshake defences:
     * messages refused for a bad mac1, cookie replies sent and received, rate-limiter slots taken from a
     * source still in the table.
     */
    public record Snapshot(long[] dropCounts, long handshakesInitiated, long handshakesCompleted, long framesSealed,
            long framesOpened, long mac1Rejected, long cookieRepliesSent, long cookiesReceived,
            long rateLimiterEvictions) {
        public long drops(int reason) {
            return dropCounts[reason];
        }

        /** These and {@code other}'s counts added up: the sessions of several loops of one site. */
        public Snapshot plus(Snapshot other) {
            long[] sum = dropCounts.clone();
            for (int r = 0; r < sum.length && r < other.dropCounts.length; r++) {
                sum[r] += other.dropCounts[r];
            }
            return new Snapshot(sum, handshakesInitiated + other.handshakesInitiated,
                    handshakesCompleted + other.handshakesCompleted, framesSealed + other.framesSealed,
                    framesOpened + other.framesOpened, mac1Rejected + other.mac1Rejected,
                    cookieRepliesSent + other.cookieRepliesSent, cookiesReceived + other.cookiesReceived,
                    rateLimiterEvictions + other.rateLimiterEvictions);
        }
    }
}
