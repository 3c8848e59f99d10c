package org.tapbridge.daemon;

/**
 * Whether a further loop's session with one peer still has the peer's loop of the same index behind it.
 *
 * <p>A peer that restarts with fewer loops leaves this loop holding keys that nobody opens any more. The
 * session still looks up until the dead-peer time (30 s) runs out, and meanwhile every flow the kernel put
 * on this loop's TAP queue is lost. A restarting peer always handshakes with our first loop at once, so each
 * time the first loop's keys change while this loop's are older, this loop's session must be renewed within
 * {@link #CONFIRM_NS}; otherwise this loop stops carrying the peer, its queue is detached, and the flows move
 * to queues that can carry them.
 *
 * <p>Only the side that initiated the first loop's handshake asks; the other side waits for the question.
 * Both sides see the first loop's keys change within a round trip, and two lane initiations that cross each
 * other leave each side briefly sealing with keys the other has already replaced. A crossing is still
 * possible when the first loop's own handshakes crossed (both sides then count as initiators), and it is
 * harmless then, only slower to settle.
 *
 * <p>Used by one loop's thread only; the caller owns the handshake itself ({@link #askDue}, {@link #asked}).
 */
final class LaneConfirmation {
    /**
     * Room for the crypto layer's own retransmission of a lost initiation (after 5 s) and its round trip.
     * A side asks once: a second initiation would discard the first, whose answer may be on its way.
     */
    static final long CONFIRM_NS = 8_000_000_000L;
    /** Once given up, still asked now and then: a peer restarted with more loops answers again. */
    static final long GIVEN_UP_RETRY_NS = 10_000_000_000L;

    private long firstKeysNs = Long.MIN_VALUE;
    private boolean awaiting;
    /** This loop's keys confirm the peer's loop once they are at least this new: the first loop's keys then. */
    private long confirmAfterNs;
    /** When the wait began, or when this side asked: the confirmation deadline counts from here. */
    private long waitingSinceNs;
    private boolean askPending;
    private long lastLookNs;

    /**
     * Every tick, for a peer up on the first loop and on this one: the creation times of the first loop's
     * current keys and of this loop's, and whether this side initiated the first loop's handshake.
     */
    void update(long firstKeys, boolean firstInitiatedHere, long hereKeys, long nowNs) {
        if (firstKeys != firstKeysNs) {
            firstKeysNs = firstKeys;
            if (!awaiting && hereKeys < firstKeys) {
                awaiting = true;
                confirmAfterNs = firstKeys;
                waitingSinceNs = nowNs;
                lastLookNs = nowNs;
                askPending = firstInitiatedHere;
            }
        }
        if (awaiting && hereKeys >= confirmAfterNs) {
            awaiting = false;
            askPending = false;
        }
    }

    /** Whether this side should send the peer's loop an initiation now. */
    boolean askDue(long nowNs) {
        return awaiting && (askPending || givenUp(nowNs) && nowNs - lastLookNs >= GIVEN_UP_RETRY_NS);
    }

    /** This side sent the initiation that {@link #askDue} asked for. */
    void asked(long nowNs) {
        if (askPending) {
            askPending = false;
            waitingSinceNs = nowNs;
        }
        lastLookNs = nowNs;
    }

    /** Whether this loop may carry the peer now. */
    boolean carries(long nowNs) {
        return !givenUp(nowNs);
    }

    private boolean givenUp(long nowNs) {
        // An ask still waiting for its turn has not started the clock.
        return awaiting && !askPending && nowNs - waitingSinceNs >= CONFIRM_NS;
    }
}
