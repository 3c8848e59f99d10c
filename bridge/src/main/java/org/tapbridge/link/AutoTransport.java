package org.tapbridge.link;

import org.tapbridge.config.Transport;

/**
 * Which transport a {@code transport = "auto"} peer uses, and why: the decisions only, no I/O, driven by
 * the link's ticks and by the messages that authenticate, each with the time it happened.
 *
 * <ul>
 *   <li>Start on UDP. Down for {@code fallbackNs} while UDP could be tried (an endpoint is known): TCP.</li>
 *   <li>On TCP, every {@code probeNs}: try UDP (the link sends one initiation over UDP).</li>
 *   <li>A handshake response arriving over a transport (we initiated, and the peer answered that way): that
 *       transport, at once; it carried a whole round trip.</li>
 *   <li>A data message arriving over a transport that also carried the last handshake message (the
 *       initiation we answered, or the response we got): that transport. It is the peer confirming the
 *       handshake there, so the peer has moved; data over the other transport is only what was still in
 *       flight, and moves nothing.</li>
 * </ul>
 * The two sites thus agree without a message of their own: the initiator moves on the response, the
 * responder on the confirmation that follows it. Owned by the data-path thread.
 */
public final class AutoTransport {
    /** What {@link #tick} asks the link to do. */
    public static final int NOTHING = 0;
    public static final int FALL_BACK = 1;
    public static final int PROBE_UDP = 2;

    /** What arrived, for {@link #arrived}. */
    public static final int INITIATION = 0;
    public static final int RESPONSE = 1;
    public static final int DATA = 2;

    /** Why the link is where it is. */
    public enum Reason {
        /** UDP, and no handshake over it yet. */
        TRYING_UDP,
        /** UDP works: a handshake over it completed. */
        UDP_WORKS,
        /** TCP: no UDP handshake within the fallback time. */
        NO_UDP_HANDSHAKE,
        /** TCP: the peer completed a handshake over TCP, so it gave up on UDP. */
        PEER_ON_TCP,
        /** UDP again: a handshake over UDP completed while on TCP. */
        UDP_BACK
    }

    private static final long NOT_DOWN = Long.MIN_VALUE;

    private final long fallbackNs;
    private final long probeNs;
    private Transport active = Transport.UDP;
    private Reason reason = Reason.TRYING_UDP;
    /** The transport of the last handshake message that authenticated, an initiation or a response. */
    private Transport lastHandshakeVia;
    private long downSinceNs = NOT_DOWN;
    private long nextProbeNs;
    private long fallbacks;
    private long movesBack;

    public AutoTransport(long fallbackNs, long probeNs) {
        if (fallbackNs <= 0 || probeNs <= 0) {
            throw new IllegalArgumentException("fallbackNs=" + fallbackNs + ", probeNs=" + probeNs
                    + ": both must be positive");
        }
        this.fallbackNs = fallbackNs;
        this.probeNs = probeNs;
    }

    /** UDP or TCP: where traffic to the peer goes now. */
    public Transport active() {
        return active;
    }

    public Reason reason() {
        return reason;
    }

    /** Moves from UDP to TCP, for any reason. */
    public long fallbacks() {
        return fallbacks;
    }

    /** Moves from TCP back to UDP. */
    public long movesBack() {
        return movesBack;
    }

    public long fallbackNs() {
        return fallbackNs;
    }

    /** When UDP is tried next while on TCP; meaningless on UDP. */
    public long nextProbeNs() {
        return nextProbeNs;
    }

    /**
     * The periodic look: {@code up} whether the peer is up, {@code udpReachable} whether an initiation
     * could go over UDP now (an endpoint is known). Returns {@link #NOTHING}, {@link #FALL_BACK} (now on
     * TCP) or {@link #PROBE_UDP} (send one initiation over UDP).
     */
    public int tick(long nowNs, boolean up, boolean udpReachable) {
        if (up) {
            downSinceNs = NOT_DOWN;
        } else if (downSinceNs == NOT_DOWN || !udpReachable) {
            // The clock runs only while UDP can be tried: a passive side (no endpoint yet) or an endpoint
            // still resolving has not failed at anything.
            downSinceNs = nowNs;
        }
        if (active == Transport.UDP) {
            if (!up && udpReachable && nowNs - downSinceNs >= fallbackNs) {
                move(Transport.TCP, Reason.NO_UDP_HANDSHAKE, nowNs);
                return FALL_BACK;
            }
            return NOTHING;
        }
        if (nowNs - nextProbeNs >= 0) {
            nextProbeNs = nowNs + probeNs;
            return udpReachable ? PROBE_UDP : NOTHING;
        }
        return NOTHING;
    }

    /**
     * An authenticated message of {@code kind} arrived over {@code via}. Returns true when the link moved to
     * {@code via}.
     */
    public boolean arrived(Transport via, int kind, long nowNs) {
        switch (kind) {
            case INITIATION -> {
                lastHandshakeVia = via;
                return false;
            }
            case RESPONSE -> {
                // Also for the data that follows: frames the peer sent the other way before it saw our
                // confirmation must not move us back.
                lastHandshakeVia = via;
                if (via == active) {
                    if (via == Transport.UDP) {
                        reason = reason == Reason.UDP_BACK ? reason : Reason.UDP_WORKS;
                    }
                    return false;
                }
                move(via, via == Transport.UDP ? Reason.UDP_BACK : Reason.PEER_ON_TCP, nowNs);
                return true;
            }
            default -> {
                if (via == active || via != lastHandshakeVia) {
                    if (via == Transport.UDP && reason == Reason.TRYING_UDP) {
                        reason = Reason.UDP_WORKS;
                    }
                    return false;
                }
                move(via, via == Transport.UDP ? Reason.UDP_BACK : Reason.PEER_ON_TCP, nowNs);
                return true;
            }
        }
    }

    private void move(Transport to, Reason why, long nowNs) {
        active = to;
        reason = why;
        if (to == Transport.TCP) {
            fallbacks++;
            nextProbeNs = nowNs + probeNs;
        } else {
            movesBack++;
        }
    }

    /** For people: {@code tcp (udp: no handshake in 10 s, next try in 42 s)}. */
    public String describe(long nowNs) {
        String next = "next udp try in " + Math.max(0, (nextProbeNs - nowNs + 999_999_999L) / 1_000_000_000L) + " s";
        return switch (reason) {
            case TRYING_UDP -> "udp (trying; tcp after " + fallbackNs / 1_000_000_000L + " s without a handshake)";
            case UDP_WORKS -> "udp (handshake over udp)";
            case UDP_BACK -> "udp (back from tcp: a udp handshake completed)";
            case NO_UDP_HANDSHAKE -> "tcp (udp: no handshake in " + fallbackNs / 1_000_000_000L + " s, " + next + ")";
            case PEER_ON_TCP -> "tcp (the peer moved to tcp, " + next + ")";
        };
    }
}
