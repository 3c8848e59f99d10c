package org.tapbridge.link;

import java.time.Instant;

/** Nanoseconds since the epoch, for handshake timestamps that must keep growing across restarts. */
final class WallClock {
    private WallClock() {
    }

    static long nowNs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
