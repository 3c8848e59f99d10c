package org.tapbridge.crypto;

import java.util.concurrent.TimeUnit;

/**
 * Timers and limits of peer sessions. The defaults are WireGuard's (whitepaper section 6), whose
 * reasons are given with each constant; tests shrink them to drive a rekey in milliseconds.
 *
 * @param rekeyAfterTimeNs      initiator of the current keys starts a new handshake once they are this old
 * @param rejectAfterTimeNs     keys this old are neither used nor accepted
 * @param rekeyAfterMessages    either side starts a new handshake after sending this many messages
 * @param rejectAfterMessages   counters at or above this (unsigned) are never sent nor accepted
 * @param rekeyTimeoutNs        an unanswered initiation is retransmitted after this
 * @param rekeyAttemptTimeNs    retransmissions stop after this long without an answer
 * @param keepaliveTimeoutNs    a peer that received data but sent nothing for this long sends a keepalive
 * @param handshakesPerSecondPerSource steady rate of handshake messages answered per source address
 * @param handshakeBurstPerSource      burst allowed above that rate per source address
 * @param handshakesPerSecondTotal     ceiling over all sources, so a spread-out flood cannot eat the CPU
 * @param rateLimitedSources   source addresses tracked by the limiter (bounds its memory)
 */
public record SessionSettings(
        long rekeyAfterTimeNs,
        long rejectAfterTimeNs,
        long rekeyAfterMessages,
        long rejectAfterMessages,
        long rekeyTimeoutNs,
        long rekeyAttemptTimeNs,
        long keepaliveTimeoutNs,
        int handshakesPerSecondPerSource,
        int handshakeBurstPerSource,
        int handshakesPerSecondTotal,
        int rateLimitedSources) {

    /** Two minutes bounds what one key ever protects; the issue fixes it. */
    public static final long REKEY_AFTER_TIME_NS = TimeUnit.SECONDS.toNanos(120);
    /** 180 s: a minute of grace after the rekey point, for a rekey that is slow or lost. */
    public static final long REJECT_AFTER_TIME_NS = TimeUnit.SECONDS.toNanos(180);
    /** 2^60: far below the nonce space, and the issue fixes it. */
    public static final long REKEY_AFTER_MESSAGES = 1L << 60;
    /**
     * 2^64 - 2^13 (unsigned): leaves room above the last counter for the replay window's ring
     * (2^12 bits) twice over, so counters never reach 2^64-1, the value Noise reserves.
     */
    public static final long REJECT_AFTER_MESSAGES = -(1L << 13);
    /** 5 s: several round trips on any WAN, short enough that a lost initiation costs little. */
    public static final long REKEY_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);
    /** 90 s: give up within the reject time, so a dead peer does not draw initiations for ever. */
    public static final long REKEY_ATTEMPT_TIME_NS = TimeUnit.SECONDS.toNanos(90);
    /** 10 s: confirms liveness to a one-way sender well before its rekey logic needs an answer. */
    public static final long KEEPALIVE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    /** 5 per second per source: a real peer needs one per two minutes, plus retries every 5 s. */
    public static final int HANDSHAKES_PER_SECOND_PER_SOURCE = 5;
    /** A burst of 10: several peers behind one NAT address restarting together. */
    public static final int HANDSHAKE_BURST_PER_SOURCE = 10;
    /**
     * 200 per second: answering costs five X25519 operations of about 160 us each here (HandshakeBenchmark),
     * so a flood at the cap takes about a sixth of one core; real peers need a handful per minute.
     */
    public static final int HANDSHAKES_PER_SECOND_TOTAL = 200;
    /** 4096 sources: a few hundred KB at most, more than the peers a site has by far. */
    public static final int RATE_LIMITED_SOURCES = 4096;

    public SessionSettings {
        positive("rekey-after-time-ns", rekeyAfterTimeNs);
        if (rejectAfterTimeNs <= rekeyAfterTimeNs) {
            throw new IllegalArgumentException("reject-after-time-ns=" + rejectAfterTimeNs
                    + " <= rekey-after-time-ns=" + rekeyAfterTimeNs + ": keys would die before the rekey");
        }
        if (rekeyAfterMessages <= 0) {
            throw new IllegalArgumentException("rekey-after-messages=" + rekeyAfterMessages + " < 1");
        }
        if (Long.compareUnsigned(rejectAfterMessages, rekeyAfterMessages) <= 0
                || Long.compareUnsigned(rejectAfterMessages, REJECT_AFTER_MESSAGES) > 0) {
            throw new IllegalArgumentException("reject-after-messages=" + Long.toUnsignedString(rejectAfterMessages)
                    + " must be > rekey-after-messages=" + rekeyAfterMessages + " and <= "
                    + Long.toUnsignedString(REJECT_AFTER_MESSAGES));
        }
        positive("rekey-timeout-ns", rekeyTimeoutNs);
        if (rekeyAttemptTimeNs < rekeyTimeoutNs) {
            throw new IllegalArgumentException("rekey-attempt-time-ns=" + rekeyAttemptTimeNs
                    + " < rekey-timeout-ns=" + rekeyTimeoutNs + ": not even one retry");
        }
        positive("keepalive-timeout-ns", keepaliveTimeoutNs);
        positive("handshakes-per-second-per-source", handshakesPerSecondPerSource);
        positive("handshake-burst-per-source", handshakeBurstPerSource);
        positive("handshakes-per-second-total", handshakesPerSecondTotal);
        if (rateLimitedSources < 16 || Integer.bitCount(rateLimitedSources) != 1) {
            throw new IllegalArgumentException("rate-limited-sources=" + rateLimitedSources
                    + " must be a power of two >= 16");
        }
    }

    public static SessionSettings defaults() {
        return new SessionSettings(REKEY_AFTER_TIME_NS, REJECT_AFTER_TIME_NS, REKEY_AFTER_MESSAGES,
                REJECT_AFTER_MESSAGES, REKEY_TIMEOUT_NS, REKEY_ATTEMPT_TIME_NS, KEEPALIVE_TIMEOUT_NS,
                HANDSHAKES_PER_SECOND_PER_SOURCE, HANDSHAKE_BURST_PER_SOURCE, HANDSHAKES_PER_SECOND_TOTAL,
                RATE_LIMITED_SOURCES);
    }

    /** Keeps the minute of grace between rekey and reject that the defaults have. */
    public SessionSettings withRekeyAfterTime(long rekeyNs) {
        return new SessionSettings(rekeyNs, rekeyNs + (REJECT_AFTER_TIME_NS - REKEY_AFTER_TIME_NS),
                rekeyAfterMessages, rejectAfterMessages, rekeyTimeoutNs, rekeyAttemptTimeNs, keepaliveTimeoutNs,
                handshakesPerSecondPerSource, handshakeBurstPerSource, handshakesPerSecondTotal, rateLimitedSources);
    }

    public SessionSettings withRekeyAfterMessages(long rekey, long reject) {
        return new SessionSettings(rekeyAfterTimeNs, rejectAfterTimeNs, rekey, reject, rekeyTimeoutNs,
                rekeyAttemptTimeNs, keepaliveTimeoutNs, handshakesPerSecondPerSource, handshakeBurstPerSource,
                handshakesPerSecondTotal, rateLimitedSources);
    }

    public SessionSettings withHandshakeRates(int perSourcePerSecond, int burstPerSource, int totalPerSecond) {
        return new SessionSettings(rekeyAfterTimeNs, rejectAfterTimeNs, rekeyAfterMessages, rejectAfterMessages,
                rekeyTimeoutNs, rekeyAttemptTimeNs, keepaliveTimeoutNs, perSourcePerSecond, burstPerSource,
                totalPerSecond, rateLimitedSources);
    }

    private static void positive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + "=" + value + " < 1");
        }
    }
}
