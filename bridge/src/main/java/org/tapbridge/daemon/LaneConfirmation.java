package org.tapbridge.daemon;

import org.tapbridge.link.PeerLink;

/**
 * Whether a further loop's session with one peer still has the peer's loop of the same index behind it.
 *
 * <p>A peer that restarts with fewer loops leaves this loop holding keys that nobody opens any more. The
 * session still looks up until the dead-peer time (30 s) runs out, and meanwhile every flow the kernel put
 * on this loop's TAP queue is lost. A restarting peer always handshakes with our first loop at once, so each
 * time the first loop's keys change while this loop's are older, this loop handshakes too. An answer
 * within {@link #CONFIRM_NS} confirms the peer's loop; without one, this loop stops carrying the peer, its
 * queue is detached, and the flows move to queues that can carry them. Normal rekeys of the first loop
 * (every two minutes or so) thus cost each further loop one handshake more.
 */
final class LaneConfirmation {
    /**
     * Room for the crypto layer's own retransmission of a lost initiation (after 5 s) and its round trip.
     * This loop asks once: a second initiation would discard the first, whose answer may be on its way.
     */
    static final long CONFIRM_NS = 8_000_000_000L;
    /** Once given up, still asked now and then: a peer restarted with more loops answers again. */
    static final long GIVEN_UP_RETRY_NS = 10_000_000_000L;

    private long firstKeysNs = Long.MIN_VALUE;
    private boolean awaiting;
    private long askedNs;
    private long lastTryNs;

    /**
     * On this loop's thread, every tick, for a peer up on the first loop ({@code first}) and on this one
     * ({@code here}): whether this loop may carry it now. The first loop's session is read without a lock:
     * a change seen a tick late only delays the check by a tick.
     */
    boolean carries(PeerLink first, PeerLink here, long nowNs) {
        long firstKeys = first.session().currentKeysCreatedNs();
        long hereKeys = here.session().currentKeysCreatedNs();
        if (firstKeys != firstKeysNs) {
            firstKeysNs = firstKeys;
            if (!awaiting && hereKeys < firstKeys) {
                awaiting = true;
                askedNs = nowNs;
                ask(here, nowNs);
            }
        }
        if (!awaiting) {
            return true;
        }
        if (hereKeys >= askedNs) {
            awaiting = false;
            return true;
        }
        boolean givenUp = nowNs - askedNs >= CONFIRM_NS;
        if (givenUp && nowNs - lastTryNs >= GIVEN_UP_RETRY_NS) {
            ask(here, nowNs);
        }
        return !givenUp;
    }

    private void ask(PeerLink here, long nowNs) {
        lastTryNs = nowNs;
        here.initiateHandshake(nowNs);
    }
}
