package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LaneConfirmationTest {
    private static final long S = 1_000_000_000L;
    private static final long OLD_LANE_KEYS = 10 * S;
    private static final long NEW_FIRST_KEYS = 100 * S;

    private final LaneConfirmation confirmation = new LaneConfirmation();

    /** This side initiated the first loop's new handshake, saw it at {@code nowNs}, and asked at once. */
    private long askedOnce(long nowNs) {
        confirmation.update(NEW_FIRST_KEYS, true, OLD_LANE_KEYS, nowNs);
        assertTrue(confirmation.askDue(nowNs));
        confirmation.asked(nowNs);
        return nowNs;
    }

    @Test
    void theSideThatInitiatedTheFirstLoopsHandshakeAsksOnceAndCarriesWhenItsLaneKeysAreRenewed() {
        confirmation.update(NEW_FIRST_KEYS, true, OLD_LANE_KEYS, NEW_FIRST_KEYS + S);
        assertTrue(confirmation.askDue(NEW_FIRST_KEYS + S));
        confirmation.asked(NEW_FIRST_KEYS + S);
        assertFalse(confirmation.askDue(NEW_FIRST_KEYS + 2 * S), "one initiation, not one per tick");
        assertTrue(confirmation.carries(NEW_FIRST_KEYS + 2 * S), "carries while the answer may be on its way");

        confirmation.update(NEW_FIRST_KEYS, true, NEW_FIRST_KEYS + 3 * S, NEW_FIRST_KEYS + 3 * S);
        assertTrue(confirmation.carries(NEW_FIRST_KEYS + 20 * S));
        assertFalse(confirmation.askDue(NEW_FIRST_KEYS + 20 * S));
    }

    @Test
    void theSideThatAnsweredTheFirstLoopsHandshakeWaitsForThePeerToAsk() {
        confirmation.update(NEW_FIRST_KEYS, false, OLD_LANE_KEYS, NEW_FIRST_KEYS + S);
        assertFalse(confirmation.askDue(NEW_FIRST_KEYS + S), "the initiator asks; asking too would cross");

        // The peer's lane asked; the keys it brought are newer than the first loop's.
        confirmation.update(NEW_FIRST_KEYS, false, NEW_FIRST_KEYS + 2 * S, NEW_FIRST_KEYS + 2 * S);
        assertTrue(confirmation.carries(NEW_FIRST_KEYS + 20 * S));
    }

    @Test
    void laneKeysRenewedBeforeTheFirstLoopsChangeIsSeenNeedNoQuestion() {
        // The peer's lane asked and was answered within the tick in which the first loop's keys changed.
        confirmation.update(NEW_FIRST_KEYS, true, NEW_FIRST_KEYS + S / 2, NEW_FIRST_KEYS + S);
        assertFalse(confirmation.askDue(NEW_FIRST_KEYS + S));
        assertTrue(confirmation.carries(NEW_FIRST_KEYS + 20 * S));
    }

    @Test
    void aWaitingSideThatIsNeverAskedStopsCarryingAfterTheConfirmTime() {
        long seen = NEW_FIRST_KEYS + S;
        confirmation.update(NEW_FIRST_KEYS, false, OLD_LANE_KEYS, seen);
        confirmation.update(NEW_FIRST_KEYS, false, OLD_LANE_KEYS, seen + LaneConfirmation.CONFIRM_NS - 1);
        assertTrue(confirmation.carries(seen + LaneConfirmation.CONFIRM_NS - 1));
        confirmation.update(NEW_FIRST_KEYS, false, OLD_LANE_KEYS, seen + LaneConfirmation.CONFIRM_NS);
        assertFalse(confirmation.carries(seen + LaneConfirmation.CONFIRM_NS));
    }

    @Test
    void anAskingSideWithoutAnAnswerStopsCarryingThenAsksAgainAndCarriesOnceAnswered() {
        long asked = askedOnce(NEW_FIRST_KEYS + S);
        long givenUp = asked + LaneConfirmation.CONFIRM_NS;
        confirmation.update(NEW_FIRST_KEYS, true, OLD_LANE_KEYS, givenUp);
        assertFalse(confirmation.carries(givenUp));
        assertFalse(confirmation.askDue(givenUp), "the retry waits its period");

        long retry = asked + LaneConfirmation.GIVEN_UP_RETRY_NS;
        assertTrue(confirmation.askDue(retry));
        confirmation.asked(retry);
        assertFalse(confirmation.askDue(retry + S));
        assertFalse(confirmation.carries(retry + S), "asking again does not restore the queue by itself");
        assertTrue(confirmation.askDue(retry + LaneConfirmation.GIVEN_UP_RETRY_NS));

        confirmation.update(NEW_FIRST_KEYS, true, retry + S, retry + S);
        assertTrue(confirmation.carries(retry + S));
    }

    @Test
    void aWaitingSideThatGaveUpAlsoAsksNowAndThen() {
        long seen = NEW_FIRST_KEYS + S;
        confirmation.update(NEW_FIRST_KEYS, false, OLD_LANE_KEYS, seen);
        assertFalse(confirmation.askDue(seen + LaneConfirmation.CONFIRM_NS));
        assertTrue(confirmation.askDue(seen + LaneConfirmation.GIVEN_UP_RETRY_NS));
    }

    @Test
    void anAskHeldBackByTheTicksBudgetStartsItsDeadlineWhenSent() {
        long seen = NEW_FIRST_KEYS + S;
        confirmation.update(NEW_FIRST_KEYS, true, OLD_LANE_KEYS, seen);
        // No room this tick, nor for a long while after.
        long late = seen + LaneConfirmation.CONFIRM_NS + S;
        assertTrue(confirmation.carries(late));
        assertTrue(confirmation.askDue(late));
        confirmation.asked(late);
        assertTrue(confirmation.carries(late + LaneConfirmation.CONFIRM_NS - 1));
        assertFalse(confirmation.carries(late + LaneConfirmation.CONFIRM_NS));
    }

    @Test
    void aFurtherChangeOfTheFirstLoopsKeysDuringTheWaitKeepsTheFirstTarget() {
        long asked = askedOnce(NEW_FIRST_KEYS + S);
        // The first loop rekeys again before this loop's answer arrives; that answer still confirms the peer.
        confirmation.update(NEW_FIRST_KEYS + 3 * S, true, NEW_FIRST_KEYS + 2 * S, NEW_FIRST_KEYS + 4 * S);
        assertTrue(confirmation.carries(asked + 20 * S));
        assertFalse(confirmation.askDue(asked + 20 * S));
    }

    @Test
    void aLoopWithKeysAsNewAsTheFirstLoopsNeverWaits() {
        confirmation.update(NEW_FIRST_KEYS, true, NEW_FIRST_KEYS, NEW_FIRST_KEYS + S);
        assertFalse(confirmation.askDue(NEW_FIRST_KEYS + S));
        assertTrue(confirmation.carries(NEW_FIRST_KEYS + 60 * S));
    }
}
