package org.tapbridge.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tapbridge.config.Transport;

/** The auto transport's decisions on a fake clock: seconds in, actions and transports out. */
class AutoTransportTest {
    private static final long S = 1_000_000_000L;
    private static final long FALLBACK_NS = 10 * S;
    private static final long PROBE_NS = 60 * S;

    private final AutoTransport choice = new AutoTransport(FALLBACK_NS, PROBE_NS);
    /** Ticks every 100 ms from {@code fromNs} to {@code toNs}; returns the first action that was not NOTHING. */
    private int tickUntil(long fromNs, long toNs, boolean up, boolean reachable) {
        for (long t = fromNs; t <= toNs; t += S / 10) {
            int action = choice.tick(t, up, reachable);
            if (action != AutoTransport.NOTHING) {
                return action;
            }
        }
        return AutoTransport.NOTHING;
    }

    @Test
    void startsOnUdpAndFallsBackToTcpAfterTenSecondsWithoutAHandshake() {
        assertEquals(Transport.UDP, choice.active());
        assertEquals(AutoTransport.NOTHING, tickUntil(0, FALLBACK_NS - S / 10, false, true));
        assertEquals(Transport.UDP, choice.active());
        assertEquals(AutoTransport.FALL_BACK, choice.tick(FALLBACK_NS, false, true));
        assertEquals(Transport.TCP, choice.active());
        assertEquals(AutoTransport.Reason.NO_UDP_HANDSHAKE, choice.reason());
        assertEquals(1, choice.fallbacks());
        assertEquals("tcp (udp: no handshake in 10 s, next udp try in 60 s)", choice.describe(FALLBACK_NS));
    }

    @Test
    void aLinkThatCameUpOverUdpNeverFallsBack() {
        choice.tick(0, false, true);
        choice.arrived(Transport.UDP, AutoTransport.RESPONSE, S);
        assertEquals(AutoTransport.NOTHING, tickUntil(S, 100 * S, true, true));
        assertEquals(Transport.UDP, choice.active());
        assertEquals(AutoTransport.Reason.UDP_WORKS, choice.reason());
        assertEquals(0, choice.fallbacks());
    }

    @Test
    void aPassiveSideWithoutAnEndpointWaitsOnUdpInsteadOfGivingUp() {
        assertEquals(AutoTransport.NOTHING, tickUntil(0, 100 * S, false, false));
        assertEquals(Transport.UDP, choice.active());
        // The endpoint appears (the name resolved): the fallback clock starts now, not at boot.
        assertEquals(AutoTransport.NOTHING, tickUntil(100 * S, 100 * S + FALLBACK_NS - S / 10, false, true));
        assertEquals(AutoTransport.FALL_BACK, choice.tick(100 * S + FALLBACK_NS, false, true));
    }

    @Test
    void aLinkThatGoesDownOnUdpFallsBackTenSecondsLater() {
        choice.tick(0, true, true);
        assertEquals(AutoTransport.NOTHING, tickUntil(0, 50 * S, true, true));
        assertEquals(AutoTransport.NOTHING, tickUntil(50 * S, 60 * S - S / 10, false, true));
        assertEquals(AutoTransport.FALL_BACK, choice.tick(60 * S, false, true));
    }

    @Test
    void onTcpItTriesUdpOncePerProbeInterval() {
        tickUntil(0, FALLBACK_NS, false, true);
        long at = FALLBACK_NS;
        int probes = 0;
        for (long t = at; t <= at + 3 * PROBE_NS; t += S / 10) {
            if (choice.tick(t, true, true) == AutoTransport.PROBE_UDP) {
                probes++;
                assertTrue(t - at >= PROBE_NS * probes, "probe " + probes + " came early at " + (t - at) / S + " s");
            }
        }
        assertEquals(3, probes);
        assertEquals("tcp (udp: no handshake in 10 s, next udp try in 60 s)", choice.describe(at + 3 * PROBE_NS));
    }

    @Test
    void aUdpResponseOnTcpMovesBackAndCountsIt() {
        tickUntil(0, FALLBACK_NS, false, true);
        assertTrue(choice.arrived(Transport.UDP, AutoTransport.RESPONSE, 80 * S));
        assertEquals(Transport.UDP, choice.active());
        assertEquals(AutoTransport.Reason.UDP_BACK, choice.reason());
        assertEquals(1, choice.movesBack());
        assertEquals("udp (back from tcp: a udp handshake completed)", choice.describe(80 * S));
    }

    @Test
    void framesThePeerSentOverTcpBeforeItSawOurUdpConfirmationDoNotMoveUsBack() {
        tickUntil(0, FALLBACK_NS, false, true);
        // We answered the peer's handshakes over TCP all along, then our UDP try was answered.
        choice.arrived(Transport.TCP, AutoTransport.INITIATION, 30 * S);
        assertTrue(choice.arrived(Transport.UDP, AutoTransport.RESPONSE, 70 * S));
        assertFalse(choice.arrived(Transport.TCP, AutoTransport.DATA, 70 * S + S / 100));
        assertEquals(Transport.UDP, choice.active());
        assertEquals(1, choice.movesBack());
        assertEquals(1, choice.fallbacks());
    }

    @Test
    void theResponderMovesOnTheConfirmationNotOnTheInitiation() {
        tickUntil(0, FALLBACK_NS, false, true);
        assertFalse(choice.arrived(Transport.UDP, AutoTransport.INITIATION, 70 * S));
        assertEquals(Transport.TCP, choice.active());
        // Frames the peer sent over TCP before it moved still arrive: they move nothing.
        assertFalse(choice.arrived(Transport.TCP, AutoTransport.DATA, 70 * S));
        assertTrue(choice.arrived(Transport.UDP, AutoTransport.DATA, 70 * S + S / 100));
        assertEquals(Transport.UDP, choice.active());
        assertFalse(choice.arrived(Transport.TCP, AutoTransport.DATA, 70 * S + S / 50),
                "a late TCP message must not move the link back");
        assertEquals(Transport.UDP, choice.active());
    }

    @Test
    void udpDataWithoutAUdpHandshakeDoesNotMoveATcpLink() {
        tickUntil(0, FALLBACK_NS, false, true);
        choice.arrived(Transport.TCP, AutoTransport.INITIATION, 11 * S);
        assertFalse(choice.arrived(Transport.UDP, AutoTransport.DATA, 12 * S));
        assertEquals(Transport.TCP, choice.active());
    }

    @Test
    void aPeerThatDialsTcpPullsAUdpLinkOntoTcp() {
        choice.tick(0, false, true);
        assertFalse(choice.arrived(Transport.TCP, AutoTransport.INITIATION, S));
        assertTrue(choice.arrived(Transport.TCP, AutoTransport.DATA, S + S / 100));
        assertEquals(Transport.TCP, choice.active());
        assertEquals(AutoTransport.Reason.PEER_ON_TCP, choice.reason());
        assertEquals(1, choice.fallbacks());
        // It then tries UDP a probe interval later, like a link that fell back on its own.
        assertEquals(AutoTransport.NOTHING, tickUntil(2 * S, S + PROBE_NS - S / 10, true, true));
        assertEquals(AutoTransport.PROBE_UDP, tickUntil(S + PROBE_NS - S / 10, S + PROBE_NS + S / 10, true, true));
    }

    @Test
    void anInitiatorWhoseTcpHandshakeIsAnsweredMovesToTcpAtOnce() {
        assertTrue(choice.arrived(Transport.TCP, AutoTransport.RESPONSE, S));
        assertEquals(Transport.TCP, choice.active());
    }

    @Test
    void withoutAnEndpointATcpLinkDoesNotProbe() {
        tickUntil(0, FALLBACK_NS, false, true);
        assertEquals(AutoTransport.NOTHING, tickUntil(FALLBACK_NS, FALLBACK_NS + 3 * PROBE_NS, true, false));
    }
}
