package org.tapbridge.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.crypto.BackToBack.ADDRESS_A;
import static org.tapbridge.crypto.BackToBack.ADDRESS_B;
import static org.tapbridge.crypto.BackToBack.deliver;
import static org.tapbridge.crypto.BackToBack.frame;
import static org.tapbridge.crypto.BackToBack.open;
import static org.tapbridge.crypto.BackToBack.seal;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tapbridge.crypto.PeerCrypto.Received;
import org.tapbridge.drops.DropReason;

/**
 * The handshake defences of wire version 2 against an attacker who knows the sites' public keys and
 * spoofs source addresses, but does not see their traffic: mac1, cookies under load, and buckets that a
 * spoofer cannot share with the peer it imitates. Two crypto layers back to back, time driven by hand.
 */
class HandshakeFloodTest {
    private static final long T0 = TimeUnit.SECONDS.toNanos(1000);
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void aFloodSpoofingThePeersAddressDoesNotCutItOffWhileItRekeys() {
        SessionSettings settings = SessionSettings.defaults();
        BackToBack net = new BackToBack(settings);
        net.handshake(T0);
        // Initiations with a valid mac1 for each site, from a key neither knows: each one that got through
        // would cost X25519 work, and, before version 2, a token of the bucket the real peer needs.
        byte[] towardB = strangersInitiation(net.b, 60);
        byte[] towardA = strangersInitiation(net.a, 61);
        long now = T0;
        int framesLost = 0;
        // 190 s: past the first keys' reject time (180 s), so the session lives only if a rekey completed.
        for (int step = 1; step <= 19_000; step++) {
            now = T0 + step * 10 * MS;
            // 100 spoofed initiations a second each way, from the very address and port of the other site.
            {
                deliver(net.b, towardB, ADDRESS_A, now);
                deliver(net.a, towardA, ADDRESS_B, now);
            }
            if (step % 10 == 0) {
                byte[] f = frame(64, step);
                byte[] m = seal(net.a, net.peerB, f, now);
                net.pump(now);
                if (m == null || open(net.b, m, ADDRESS_A, now) == null) {
                    framesLost++;
                }
                net.a.tick(now);
                net.b.tick(now);
                net.pump(now);
            }
        }
        assertTrue(net.a.counters().handshakesCompleted() >= 2, "the rekey completed: "
                + net.a.counters().handshakesCompleted());
        assertNotNull(open(net.b, seal(net.a, net.peerB, frame(100, 1), now), ADDRESS_A, now), "A to B");
        assertNotNull(open(net.a, seal(net.b, net.peerA, frame(100, 2), now), ADDRESS_B, now), "B to A");
        assertEquals(0, framesLost, "no frame was lost for want of keys");
        assertTrue(net.b.counters().cookieRepliesSent() > 0, "the spoofer got cookies, sent to the peer it imitates");
        // The known endpoint's own bucket still serves the spoofer its rate (5 a second), never more.
        assertTrue(net.b.counters().drops(DropReason.UNKNOWN_KEY) <= 190 * 5 + 10,
                "the spoofer's X25519 work stayed bounded: " + net.b.counters().drops(DropReason.UNKNOWN_KEY));
    }

    @Test
    void refusesAnInitiationWithABadMac1BeforeAnyTokenOrX25519Work() {
        // One token per source: a single initiation that reached the bucket would use it up.
        SessionSettings settings = SessionSettings.defaults().withHandshakeRates(1, 1, 1);
        BackToBack net = new BackToBack(settings);
        byte[] stranger = strangersInitiation(net.b, 62);
        for (int i = 0; i < 100; i++) {
            byte[] bad = stranger.clone();
            bad[HandshakeInitiation.MAC1_OFFSET + i % HandshakeMacs.MAC_LENGTH] ^= 1;
            assertEquals(Received.DROPPED, deliver(net.b, bad, ADDRESS_A, T0));
        }
        byte[] forOtherSite = strangersInitiation(net.a, 63);
        assertEquals(Received.DROPPED, deliver(net.b, forOtherSite, ADDRESS_A, T0), "mac1 names the responder");
        assertEquals(101, net.b.counters().mac1Rejected());
        assertEquals(101, net.b.counters().drops(DropReason.AUTH_FAILED));
        // Only the X25519 work on the initiator's static key can find it unknown: it never happened.
        assertEquals(0, net.b.counters().drops(DropReason.UNKNOWN_KEY));
        assertEquals(0, net.b.counters().drops(DropReason.RATE_LIMITED));
        assertTrue(net.fromB.isEmpty(), "no answer at all: a scanner without the key learns nothing");

        net.handshake(T0);
        assertTrue(net.peerB.hasSession(), "the one token of A's address was still there");
    }

    @Test
    void underLoadAnswersWithACookieAndTakesTheRetransmissionThatCarriesIt() {
        SessionSettings settings = SessionSettings.defaults().withHandshakeRates(5, 10, 20);
        BackToBack net = new BackToBack(settings);
        byte[] flood = strangersInitiation(net.b, 64);
        for (int i = 0; i < 20; i++) {
            deliver(net.b, flood, BackToBack.address(100 + i), T0);
        }
        net.fromB.clear();
        long cookiesBefore = net.b.counters().cookieRepliesSent();
        assertTrue(cookiesBefore > 0, "half the global bucket went to the flood, the rest of it got cookies");
        // A calls from an address B does not know yet (it never talked to A): it has to prove it.
        InetSocketAddress newHome = BackToBack.address(77);
        net.a.connect(net.peerB, T0);
        assertEquals(Received.DROPPED, deliver(net.b, net.fromA.poll().bytes(), newHome, T0));
        assertEquals(cookiesBefore + 1, net.b.counters().cookieRepliesSent());
        byte[] cookieReply = net.fromB.poll().bytes();
        assertEquals(CookieReply.LENGTH, cookieReply.length);
        assertTrue(cookieReply.length < HandshakeInitiation.LENGTH, "no amplification");
        assertEquals(Received.COOKIE, deliver(net.a, cookieReply, ADDRESS_B, T0));
        assertEquals(1, net.a.counters().cookiesReceived());

        long retry = T0 + settings.rekeyTimeoutNs();
        // The flood goes on, so B stays under load, and A's retransmission is judged on its mac2.
        for (int i = 0; i < 20; i++) {
            deliver(net.b, flood, BackToBack.address(100 + i), retry);
        }
        net.fromB.clear();
        net.a.tick(retry);
        assertEquals(Received.HANDSHAKE, deliver(net.b, net.fromA.poll().bytes(), newHome, retry));
        assertEquals(Received.HANDSHAKE, deliver(net.a, net.fromB.poll().bytes(), ADDRESS_B, retry));
        assertTrue(net.peerB.hasSession());
    }

    @Test
    void aCookieForOneAddressIsWorthNothingFromAnother() {
        SessionSettings settings = SessionSettings.defaults().withHandshakeRates(5, 10, 20);
        BackToBack net = new BackToBack(settings);
        byte[] flood = strangersInitiation(net.b, 65);
        for (int i = 0; i < 20; i++) {
            deliver(net.b, flood, BackToBack.address(100 + i), T0);
        }
        net.fromB.clear();
        InetSocketAddress home = BackToBack.address(77);
        net.a.connect(net.peerB, T0);
        deliver(net.b, net.fromA.poll().bytes(), home, T0);
        deliver(net.a, net.fromB.poll().bytes(), ADDRESS_B, T0);
        long retry = T0 + settings.rekeyTimeoutNs();
        for (int i = 0; i < 20; i++) {
            deliver(net.b, flood, BackToBack.address(100 + i), retry);
        }
        net.fromB.clear();
        long cookiesBefore = net.b.counters().cookieRepliesSent();
        net.a.tick(retry);
        byte[] withMac2 = net.fromA.poll().bytes();
        assertEquals(Received.DROPPED, deliver(net.b, withMac2, BackToBack.address(78), retry),
                "the cookie is bound to the address it was sent to");
        assertEquals(cookiesBefore + 1, net.b.counters().cookieRepliesSent(), "another cookie, for the new address");
        assertEquals(Received.HANDSHAKE, deliver(net.b, withMac2, home, retry), "from the right address it passes");
    }

    @Test
    void aTamperedCookieReplyIsRefused() {
        SessionSettings settings = SessionSettings.defaults().withHandshakeRates(5, 10, 20);
        BackToBack net = new BackToBack(settings);
        byte[] flood = strangersInitiation(net.b, 66);
        for (int i = 0; i < 20; i++) {
            deliver(net.b, flood, BackToBack.address(100 + i), T0);
        }
        net.fromB.clear();
        net.a.connect(net.peerB, T0);
        deliver(net.b, net.fromA.poll().bytes(), BackToBack.address(77), T0);
        byte[] reply = net.fromB.poll().bytes();
        for (int at : new int[] {CookieReply.NONCE_OFFSET, CookieReply.COOKIE_OFFSET + 2, CookieReply.LENGTH - 1}) {
            byte[] forged = reply.clone();
            forged[at] ^= 1;
            assertEquals(Received.DROPPED, deliver(net.a, forged, ADDRESS_B, T0), "flipped byte " + at);
        }
        assertEquals(3, net.a.counters().drops(DropReason.AUTH_FAILED));
        assertEquals(0, net.a.counters().cookiesReceived());
        assertEquals(Received.COOKIE, deliver(net.a, reply, ADDRESS_B, T0));
    }

    @Test
    void responsesToOurInitiationsDoNotSpendTheBucketsThatInitiationsDrain() {
        // One initiation per source and second: a spoofer of B's address empties A's bucket for it at once.
        SessionSettings settings = SessionSettings.defaults().withHandshakeRates(1, 1, 1000);
        BackToBack net = new BackToBack(settings);
        net.handshake(T0);
        byte[] towardA = strangersInitiation(net.a, 67);
        for (int i = 0; i < 10; i++) {
            deliver(net.a, towardA, ADDRESS_B, T0 + SECOND);
        }
        net.fromA.clear();
        net.a.connect(net.peerB, T0 + SECOND);
        net.a.handshakeNow(net.peerB, T0 + SECOND);
        deliver(net.b, net.fromA.pollLast().bytes(), ADDRESS_A, T0 + SECOND);
        net.fromA.clear();
        assertEquals(Received.HANDSHAKE, deliver(net.a, net.fromB.poll().bytes(), ADDRESS_B, T0 + SECOND));
        assertEquals(2, net.a.counters().handshakesCompleted());
    }

    /** An initiation to {@code responder} from a key it does not know: valid mac1, no session behind it. */
    private static byte[] strangersInitiation(PeerCrypto responder, long seed) {
        List<byte[]> sent = new ArrayList<>();
        PeerCrypto stranger = BackToBack.crypto(Keys.generatePrivate(BackToBack.seeded(seed)),
                SessionSettings.defaults(), sent::add, BackToBack.seeded(seed + 1000), () -> 1L);
        stranger.connect(stranger.addPeer("target", responder.localPublicKey(), null), T0);
        return sent.get(0);
    }
}
