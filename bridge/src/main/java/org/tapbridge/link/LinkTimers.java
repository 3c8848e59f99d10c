package org.tapbridge.link;

import java.util.concurrent.TimeUnit;

/** Liveness timing of peer links. */
public record LinkTimers(long keepaliveNs, long deadNs, long reconnectInitialNs, long reconnectCapNs) {
    /**
     * Keepalive every 10 s keeps NAT and firewall state alive (most UDP mappings last 30 s or more);
     * three missed keepalives (30 s) mean the peer is gone; reconnect waits start at 1 s and stop
     * growing at 30 s so a returning site is found again within half a minute.
     */
    public static LinkTimers defaults() {
        return new LinkTimers(TimeUnit.SECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(30),
                TimeUnit.SECONDS.toNanos(1), TimeUnit.SECONDS.toNanos(30));
    }
}
