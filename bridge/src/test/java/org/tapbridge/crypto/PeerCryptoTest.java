package org.tapbridge.crypto;

import org.tapbridge.drops.DropReason;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.crypto.BackToBack.ADDRESS_A;
import static org.tapbridge.crypto.BackToBack.ADDRESS_B;
import static org.tapbridge.crypto.BackToBack.deliver;
import static org.tapbridge.crypto.BackToBack.frame;
import static org.tapbridge.crypto.BackToBack.open;
import static org.tapbridge.crypto.BackToBack.seal;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tapbridge.crypto.PeerCrypto.Received;

class PeerCryptoTest {
    private static final long T0 = TimeUnit.SECONDS.toNanos(1000);
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void carriesFramesBothWaysAfterOneHandshake() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.handshake(T0);
        assertTrue(net.peerB.hasSession());
        assertTrue(net.peerA.hasSession(), "the initiator's keepalive confirmed the responder's keys");

        byte[] f1 = frame(1500, 1);
        assertArrayEquals(f1, open(net.b, seal(net.a, net.peerB, f1, T0), ADDRESS_A, T0));
        byte[] f2 = frame(60, 2);
        assertArrayEquals(f2, open(net.a, seal(net.b, net.peerA, f2, T0), ADDRESS_B, T0));
        assertEquals(1, net.a.counters().handshakesCompleted());
        assertEquals(0, net.a.counters().drops(DropReason.AUTH_FAILED) + net.b.counters().drops(DropReason.AUTH_FAILED));
    }

    @Test
    void everyMessageOfALoopNamesItsLaneAndTheLaneIsAuthenticated() {
        BackToBack net = new BackToBack(SessionSettings.defaults(), null, 3);
        net.a.connect(net.peerB, T0);
        byte[] initiation = net.fromA.peek().bytes();
        assertEquals(3, initiation[WireFormat.LANE_OFFSET], "the initiation names lane 3");
        net.pump(T0);
        assertTrue(net.peerA.hasSession() && net.peerB.hasSession());
        byte[] sealed = seal(net.a, net.peerB, frame(100, 1), T0);
        assertEquals(3, sealed[WireFormat.LANE_OFFSET]);
        assertArrayEquals(frame(100, 1), open(net.b, sealed.clone(), ADDRESS_A, T0));

        byte[] moved = seal(net.a, net.peerB, frame(100, 2), T0);
        moved[WireFormat.LANE_OFFSET] = 4;
        assertNull(open(net.b, moved, ADDRESS_A, T0), "the lane byte is part of the authenticated header");
        assertEquals(1, net.b.counters().drops(DropReason.AUTH_FAILED));
    }

    @Test
    void anInitiationMovedToAnotherLaneWithItsMac1RecomputedIsRefusedThere() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.a.connect(net.peerB, T0);
        byte[] initiation = net.fromA.poll().bytes();
        // Site b's second loop: the same site key, its own replay timestamps.
        PeerCrypto bLane1 = BackToBack.crypto(net.privateB, SessionSettings.defaults(), m -> { }, BackToBack.seeded(4),
                () -> T0, 1);
        bLane1.addPeer("amsterdam", Keys.publicFromPrivate(net.privateA), null);

        // What an on-path attacker can do: mac1 is keyed by b's public key alone.
        byte[] moved = initiation.clone();
        moved[WireFormat.LANE_OFFSET] = 1;
        new HandshakeMacs(Keys.publicFromPrivate(net.privateA), BackToBack.seeded(5), 0)
                .writeMac1(HandshakeMacs.mac1Key(Keys.publicFromPrivate(net.privateB)), ByteBuffer.wrap(moved),
                        HandshakeInitiation.MAC1_OFFSET);
        assertEquals(PeerCrypto.Received.DROPPED, deliver(bLane1, moved, ADDRESS_A, T0),
                "the lane is bound into the handshake, not only into mac1");
        assertEquals(1, bLane1.counters().drops(DropReason.AUTH_FAILED));

        // A real initiation of that lane still completes there.
        BackToBack lane1 = new BackToBack(SessionSettings.defaults(), null, 1);
        lane1.handshake(T0);
        assertTrue(lane1.peerA.hasSession() && lane1.peerB.hasSession());
        assertArrayEquals(frame(80, 9), open(lane1.b, seal(lane1.a, lane1.peerB, frame(80, 9), T0), ADDRESS_A, T0));
    }

    @Test
    void aRemovedPeerNoLongerAuthenticatesAndItsIdGoesToTheNextPeerAdded() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.handshake(T0);
        byte[] before = seal(net.b, net.peerA, frame(100, 1), T0);
        assertNotNull(open(net.a, before, ADDRESS_B, T0));
        int id = net.peerB.id();

        net.a.removePeer(net.peerB);
        assertFalse(net.peerB.hasSession(), "its keys are erased");
        assertNull(open(net.a, seal(net.b, net.peerA, frame(100, 2), T0), ADDRESS_B, T0),
                "frames under the old session no longer open");
        assertEquals(1, net.a.counters().drops(DropReason.UNKNOWN_INDEX));
        // A new handshake from the removed site's key is refused too: the key is unknown now.
        assertEquals(PeerCrypto.Received.DROPPED, deliver(net.a, initiationFrom(net), ADDRESS_B, T0 + SECOND));

        PeerSession again = net.a.addPeer("berlin", net.peerB.publicKey(), null);
        assertEquals(id, again.id(), "ids stay dense");
        assertThrows(IllegalArgumentException.class, () -> net.a.removePeer(net.peerB), "removed only once");
    }

    /** A fresh initiation from b to a. */
    private static byte[] initiationFrom(BackToBack net) {
        net.fromB.clear();
        net.b.handshakeNow(net.peerA, T0 + SECOND);
        return net.fromB.poll().bytes();
    }

    @Test
    void sealsNothingAndStartsAHandshakeWhenThereIsNoSession() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        assertNull(seal(net.a, net.peerB, frame(100, 1), T0));
        assertEquals(1, net.a.counters().drops(DropReason.NO_SESSION));
        assertEquals(1, net.fromA.size());
        assertEquals(WireFormat.TYPE_HANDSHAKE_INIT, net.fromA.peek().bytes()[WireFormat.TYPE_OFFSET]);
        assertEquals(HandshakeInitiation.LENGTH, net.fromA.peek().bytes().length);
    }

    @Test
    void dropsAndCountsTamperedCiphertextTagAndHeader() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.handshake(T0);
        byte[] message = seal(net.a, net.peerB, frame(200, 3), T0);
        // The counter's high byte: a fresh counter, so it is the tag, not the replay window, that refuses it.
        int[] positions = {DataMessage.HEADER_LENGTH + 7, message.length - 1, DataMessage.COUNTER_OFFSET + 1};
        for (int position : positions) {
            byte[] tampered = message.clone();
            tampered[position] ^= 0x01;
            assertNull(open(net.b, tampered, ADDRESS_A, T0), "flipped bit at " + position);
        }
        assertEquals(positions.length, net.b.counters().drops(DropReason.AUTH_FAILED));
        assertNotNull(open(net.b, message, ADDRESS_A, T0), "forgeries must not move the replay window");
    }

    @Test
    void dropsAReplayedPacketInsideTheWindowButAcceptsReorderedOnes() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.handshake(T0);
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sent.add(seal(net.a, net.peerB, frame(100, i), T0));
        }
        assertNotNull(open(net.b, sent.get(3), ADDRESS_A, T0));
        assertNotNull(open(net.b, sent.get(1), ADDRESS_A, T0), "reordered but new");
        assertNull(open(net.b, sent.get(3), ADDRESS_A, T0), "replayed");
        assertNull(open(net.b, sent.get(1), ADDRESS_A, T0), "replayed");
        assertNotNull(open(net.b, sent.get(2), ADDRESS_A, T0));
        assertEquals(2, net.b.counters().drops(DropReason.REPLAY));
    }

    @Test
    void dropsAPacketOlderThanTheWindow() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.handshake(T0);
        byte[] oldest = seal(net.a, net.peerB, frame(64, 0), T0);
        byte[] last = null;
        for (int i = 0; i < ReplayWindow.WINDOW; i++) {
            last = seal(net.a, net.peerB, frame(64, 0), T0);
        }
        assertNotNull(open(net.b, last, ADDRESS_A, T0));
        assertNull(open(net.b, oldest, ADDRESS_A, T0), "never seen, but too old to tell");
        assertEquals(1, net.b.counters().drops(DropReason.REPLAY));
    }

    @Test
    void rekeysAfterTheMessageLimitWithoutLosingFramesInFlight() {
        BackToBack net = new BackToBack(SessionSettings.defaults().withRekeyAfterMessages(4, 64));
        net.handshake(T0);
        net.b.counters();
        // The keepalive that confirmed the first keys used counter 0; three frames more reach the limit.
        List<byte[]> inFlight = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            inFlight.add(seal(net.a, net.peerB, frame(100, i), T0));
        }
        net.a.tick(T0);
        assertEquals(1, net.fromA.size(), "the fourth message started a new handshake, at the next tick");
        byte[] fromBInFlight = seal(net.b, net.peerA, frame(90, 9), T0);

        deliver(net.b, net.fromA.poll().bytes(), ADDRESS_A, T0);
        assertEquals(1, net.fromB.size(), "B answered");
        assertArrayEquals(frame(100, 0), open(net.b, inFlight.get(0), ADDRESS_A, T0),
                "B keeps opening the old keys while the new ones wait for confirmation");
        byte[] fromBBeforeConfirm = seal(net.b, net.peerA, frame(91, 10), T0);

        deliver(net.a, net.fromB.poll().bytes(), ADDRESS_B, T0);
        assertEquals(2, net.a.counters().handshakesCompleted());
        byte[] newKeysFrame = seal(net.a, net.peerB, frame(100, 7), T0);
        assertArrayEquals(frame(90, 9), open(net.a, fromBInFlight, ADDRESS_B, T0), "A keeps the previous keys");
        assertArrayEquals(frame(91, 10), open(net.a, fromBBeforeConfirm, ADDRESS_B, T0));

        net.pump(T0); // A's confirming keepalive
        assertArrayEquals(frame(100, 7), open(net.b, newKeysFrame, ADDRESS_A, T0));
        assertArrayEquals(frame(100, 1), open(net.b, inFlight.get(1), ADDRESS_A, T0),
                "after confirmation the old keys are the previous ones and still open");
        assertArrayEquals(frame(100, 2), open(net.b, inFlight.get(2), ADDRESS_A, T0));
        byte[] reply = seal(net.b, net.peerA, frame(80, 11), T0);
        assertArrayEquals(frame(80, 11), open(net.a, reply, ADDRESS_B, T0), "B now seals with the new keys");
        assertEquals(0, net.a.counters().drops(DropReason.AUTH_FAILED) + net.b.counters().drops(DropReason.AUTH_FAILED)
                + net.a.counters().drops(DropReason.REPLAY) + net.b.counters().drops(DropReason.REPLAY));
    }

    @Test
    void refusesToSealPastTheRejectLimitUntilANewHandshakeCompletes() {
        BackToBack net = new BackToBack(SessionSettings.defaults().withRekeyAfterMessages(4, 8));
        net.handshake(T0);
        int sealed = 0;
        while (seal(net.a, net.peerB, frame(10, 0), T0) != null) {
            sealed++;
            assertTrue(sealed < 100, "sealing never stopped");
        }
        assertEquals(7, sealed, "counters 1..7 after the keepalive's 0; 8 is the limit");
        net.fromA.clear();
        net.a.tick(T0 + 5 * SECOND); // the unanswered initiation is retransmitted
        net.pump(T0 + 5 * SECOND);
        assertNotNull(open(net.b, seal(net.a, net.peerB, frame(10, 1), T0 + 5 * SECOND), ADDRESS_A, T0 + 5 * SECOND));
    }

    @Test
    void initiatorRekeysAfterTwoMinutes() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.handshake(T0);
        assertNotNull(seal(net.a, net.peerB, frame(10, 0), T0 + 119 * SECOND));
        assertTrue(net.fromA.isEmpty());
        byte[] old = seal(net.a, net.peerB, frame(10, 1), T0 + 120 * SECOND);
        assertTrue(net.fromA.isEmpty(), "nothing leaves while the caller still holds the sealed message");
        net.a.tick(T0 + 120 * SECOND);
        assertEquals(1, net.fromA.size(), "a new initiation at the next tick");
        net.pump(T0 + 120 * SECOND);
        assertEquals(2, net.a.counters().handshakesCompleted());
        assertNotNull(open(net.b, old, ADDRESS_A, T0 + 121 * SECOND));
    }

    @Test
    void expiredKeysNeitherSealNorOpen() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.handshake(T0);
        byte[] late = seal(net.b, net.peerA, frame(10, 0), T0 + 10 * SECOND);
        long expired = T0 + SessionSettings.REJECT_AFTER_TIME_NS;
        assertNull(open(net.a, late, ADDRESS_B, expired));
        assertEquals(1, net.a.counters().drops(DropReason.EXPIRED_KEYS));
        assertNull(seal(net.b, net.peerA, frame(10, 0), expired));
    }

    @Test
    void dropsAHandshakeFromAnUnknownKeySilentlyAndCountsIt() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        List<ByteBuffer> sentByStranger = new ArrayList<>();
        PeerCrypto stranger = BackToBack.crypto(Keys.generatePrivate(BackToBack.seeded(99)), SessionSettings.defaults(),
                m -> sentByStranger.add(ByteBuffer.wrap(m)), BackToBack.seeded(98), () -> 1L);
        PeerSession strangersViewOfB = stranger.addPeer("berlin", net.b.localPublicKey(), null);
        List<byte[]> initiation = new ArrayList<>();
        PeerCrypto capture = BackToBack.crypto(Keys.generatePrivate(BackToBack.seeded(99)), SessionSettings.defaults(),
                initiation::add, BackToBack.seeded(98), () -> 1L);
        capture.connect(capture.addPeer("berlin", net.b.localPublicKey(), null), T0);
        stranger.connect(strangersViewOfB, T0);

        Received r = deliver(net.b, initiation.get(0), BackToBack.address(66), T0);
        assertEquals(Received.DROPPED, r);
        assertEquals(1, net.b.counters().drops(DropReason.UNKNOWN_KEY));
        assertTrue(net.fromB.isEmpty(), "no answer to an unknown key");
        assertFalse(net.peerA.hasSession());
    }

    @Test
    void refusesAReplayedInitiation() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.a.connect(net.peerB, T0);
        byte[] initiation = net.fromA.poll().bytes();
        assertEquals(Received.HANDSHAKE, deliver(net.b, initiation, ADDRESS_A, T0));
        assertEquals(1, net.fromB.size());
        assertEquals(Received.DROPPED, deliver(net.b, initiation, ADDRESS_A, T0 + SECOND));
        assertEquals(1, net.b.counters().drops(DropReason.STALE_HANDSHAKE));
        assertEquals(1, net.fromB.size(), "the replay got no answer");
    }

    @Test
    void failsTheHandshakeWhenPresharedKeysDiffer() {
        SessionSettings settings = SessionSettings.defaults();
        BackToBack net = new BackToBack(settings, frame(32, 5));
        PeerCrypto other = BackToBack.crypto(net.privateB, settings, m -> net.fromB.add(
                new BackToBack.Sent(null, ADDRESS_A, m)), BackToBack.seeded(7), () -> 2L);
        other.addPeer("amsterdam", Keys.publicFromPrivate(net.privateA), frame(32, 6));
        net.a.connect(net.peerB, T0);
        deliver(other, net.fromA.poll().bytes(), ADDRESS_A, T0);
        assertEquals(Received.DROPPED, deliver(net.a, net.fromB.poll().bytes(), ADDRESS_B, T0));
        assertEquals(1, net.a.counters().drops(DropReason.AUTH_FAILED));
        assertFalse(net.peerB.hasSession());
    }

    @Test
    void aForgedResponseLeavesTheHandshakeForTheGenuineOne() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.a.connect(net.peerB, T0);
        deliver(net.b, net.fromA.poll().bytes(), ADDRESS_A, T0);
        byte[] response = net.fromB.poll().bytes();
        byte[] forged = response.clone();
        forged[HandshakeResponse.NOISE_OFFSET + 40] ^= 1;
        assertEquals(Received.DROPPED, deliver(net.a, forged, ADDRESS_B, T0));
        assertEquals(1, net.a.counters().drops(DropReason.AUTH_FAILED));
        assertEquals(Received.HANDSHAKE, deliver(net.a, response, ADDRESS_B, T0));
        assertTrue(net.peerB.hasSession());
    }

    @Test
    void namesThePeerOnlyOfAuthenticatedPacketsSoTheLinkRoamsOnlyOnThose() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.handshake(T0);
        byte[] message = seal(net.a, net.peerB, frame(100, 1), T0);
        byte[] forged = message.clone();
        forged[forged.length - 3] ^= 1;
        Inbound result = new Inbound();
        assertEquals(Received.DROPPED, net.b.receive(ByteBuffer.wrap(forged), 0, forged.length, new HandshakeSource(), T0, result));
        assertNull(result.peer(), "a forgery names no peer to follow");
        assertEquals(net.peerA, result.claimedPeer(), "but it is charged to the session it named");
        assertEquals(Received.FRAME, net.b.receive(ByteBuffer.wrap(message), 0, message.length, new HandshakeSource(), T0, result));
        assertEquals(net.peerA, result.peer());
    }

    @Test
    void rateLimitsAHandshakeFloodWhileTheEstablishedPeerKeepsWorking() {
        SessionSettings settings = SessionSettings.defaults().withHandshakeRates(5, 10, 50);
        BackToBack net = new BackToBack(settings);
        net.handshake(T0);
        List<byte[]> floodInits = new ArrayList<>();
        PeerCrypto attacker = BackToBack.crypto(Keys.generatePrivate(BackToBack.seeded(50)), settings,
                floodInits::add, BackToBack.seeded(51), () -> 1L);
        attacker.connect(attacker.addPeer("berlin", net.b.localPublicKey(), null), T0);
        byte[] init = floodInits.get(0);
        long now = T0;
        for (int i = 0; i < 400; i++) {
            now += 100_000; // 10 000 initiations per second from 40 addresses
            InetSocketAddress source = new InetSocketAddress(BackToBack.address(100 + i % 40).getAddress(), 4000 + i);
            assertEquals(Received.DROPPED, deliver(net.b, init, source, now));
        }
        long limited = net.b.counters().drops(DropReason.RATE_LIMITED);
        long processed = net.b.counters().drops(DropReason.UNKNOWN_KEY);
        assertEquals(400, limited + processed);
        // 50 a second with a one-second burst: once half of it is spent the site is under load, and the
        // rest of the flood, 40 ms of it, gets cookies instead of X25519 work.
        assertTrue(processed <= 27, "load stops the work at half the burst: " + processed);
        assertTrue(processed >= 25, "half the burst is served: " + processed);
        assertEquals(limited, net.b.counters().cookieRepliesSent(), "each refusal under load carries a cookie");

        assertNotNull(open(net.b, seal(net.a, net.peerB, frame(100, 3), now), ADDRESS_A, now));
        // The established peer may still rekey: its known endpoint is not behind the exhausted global bucket.
        // Right after the flood, with the global bucket empty: a newcomer is refused, the known peer is not.
        assertEquals(Received.DROPPED, deliver(net.b, init, BackToBack.address(250), now));
        assertEquals(limited + 1, net.b.counters().drops(DropReason.RATE_LIMITED));
        net.a.connect(net.peerB, now);
        net.pump(now);
        assertEquals(2, net.a.counters().handshakesCompleted());
    }

    @Test
    void retransmitsAnUnansweredInitiationThenGivesUp() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.a.connect(net.peerB, T0);
        net.a.tick(T0 + 4 * SECOND);
        assertEquals(1, net.fromA.size());
        net.a.tick(T0 + 5 * SECOND);
        assertEquals(2, net.fromA.size(), "retransmitted after the rekey timeout");
        for (long s = 10; s <= 100; s += 5) {
            net.a.tick(T0 + s * SECOND);
        }
        int sent = net.fromA.size();
        assertEquals(1 + 85 / 5, sent, "one every 5 s, the last one before 90 s");
        net.a.tick(T0 + 200 * SECOND);
        assertEquals(sent, net.fromA.size());
        // Only the last initiation is still pending; an answer to an older one names an unknown index.
        deliver(net.b, net.fromA.pollFirst().bytes(), ADDRESS_A, T0 + 200 * SECOND);
        assertEquals(Received.DROPPED, deliver(net.a, net.fromB.poll().bytes(), ADDRESS_B, T0 + 200 * SECOND));
        assertEquals(1, net.a.counters().drops(DropReason.UNKNOWN_INDEX));
    }

    @Test
    void sendsAKeepaliveWhenItReceivedFramesButHadNothingToSay() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.handshake(T0);
        assertNotNull(open(net.b, seal(net.a, net.peerB, frame(100, 1), T0), ADDRESS_A, T0));
        net.b.tick(T0 + 9 * SECOND);
        assertTrue(net.fromB.isEmpty());
        net.b.tick(T0 + 10 * SECOND);
        assertEquals(1, net.fromB.size());
        assertEquals(DataMessage.MIN_LENGTH, net.fromB.peek().bytes().length);
        assertEquals(Received.KEEPALIVE, deliver(net.a, net.fromB.poll().bytes(), ADDRESS_B, T0 + 10 * SECOND));
        net.b.tick(T0 + 30 * SECOND);
        assertTrue(net.fromB.isEmpty(), "one keepalive per frame received, not a stream of them");
    }

    @Test
    void handshakesAgainWhenAPeerThatLostItsKeysStaysSilent() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.handshake(T0);
        // B restarts: same static key, no sessions. A's frames now name an index B does not know.
        PeerCrypto restarted = BackToBack.crypto(net.privateB, SessionSettings.defaults(),
                m -> net.fromB.add(new BackToBack.Sent(null, ADDRESS_A, m)), BackToBack.seeded(33),
                () -> net.wallClockNs += 1_000_000);
        restarted.addPeer("amsterdam", Keys.publicFromPrivate(net.privateA), null);
        assertEquals(Received.DROPPED, deliver(restarted, seal(net.a, net.peerB, frame(100, 1), T0 + SECOND),
                ADDRESS_A, T0 + SECOND));
        net.a.tick(T0 + 15 * SECOND);
        assertTrue(net.fromA.isEmpty(), "not yet: keepalive timeout plus rekey timeout is 15 s");
        net.a.tick(T0 + 16 * SECOND);
        assertEquals(1, net.fromA.size(), "a new initiation");
        deliver(restarted, net.fromA.poll().bytes(), ADDRESS_A, T0 + 16 * SECOND);
        deliver(net.a, net.fromB.poll().bytes(), ADDRESS_B, T0 + 16 * SECOND);
        deliver(restarted, net.fromA.poll().bytes(), ADDRESS_A, T0 + 16 * SECOND); // confirming keepalive
        assertArrayEquals(frame(100, 2), open(restarted, seal(net.a, net.peerB, frame(100, 2), T0 + 17 * SECOND),
                ADDRESS_A, T0 + 17 * SECOND));
    }

    @Test
    void anUnansweredInitiationIsNotRetransmittedOnceThePeersOwnHandshakeIsInUse() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        // A starts first and its initiation is lost: the peer was not listening yet.
        net.a.connect(net.peerB, T0);
        net.fromA.clear();
        // The peer comes up and initiates; A answers, and the peer's first message confirms the keys.
        net.b.connect(net.peerA, T0 + SECOND);
        net.pump(T0 + SECOND);
        assertTrue(net.peerA.hasSession() && net.peerB.hasSession());
        assertFalse(net.peerB.handshakeInFlight(), "A's own initiation gave way to the peer's handshake");

        net.a.tick(T0 + 6 * SECOND);
        assertTrue(net.fromA.isEmpty(), "no retransmission after the rekey timeout");
        assertEquals(1, net.a.counters().handshakesInitiated());
        assertArrayEquals(frame(100, 1), open(net.b, seal(net.a, net.peerB, frame(100, 1), T0 + 6 * SECOND),
                ADDRESS_A, T0 + 6 * SECOND));
    }

    @Test
    void crossedHandshakesLeaveBothSidesAbleToTalkWithoutLoss() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.a.connect(net.peerB, T0);
        net.b.connect(net.peerA, T0);
        net.pump(T0);
        assertTrue(net.peerB.hasSession() && net.peerA.hasSession());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(frame(100, i), open(net.b, seal(net.a, net.peerB, frame(100, i), T0), ADDRESS_A, T0));
            assertArrayEquals(frame(70, i), open(net.a, seal(net.b, net.peerA, frame(70, i), T0), ADDRESS_B, T0));
        }
        assertEquals(0, net.a.counters().drops(DropReason.UNKNOWN_INDEX) + net.b.counters().drops(DropReason.UNKNOWN_INDEX));
    }

    @Test
    void countsUnknownIndicesAndMalformedMessages() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.handshake(T0);
        byte[] message = seal(net.a, net.peerB, frame(100, 1), T0);
        byte[] unknownIndex = message.clone();
        unknownIndex[DataMessage.RECEIVER_INDEX_OFFSET] ^= 0x55;
        assertEquals(Received.DROPPED, deliver(net.b, unknownIndex, ADDRESS_A, T0));
        assertEquals(1, net.b.counters().drops(DropReason.UNKNOWN_INDEX));
        byte[][] malformed = {
            new byte[0], new byte[] {1}, {2, 3, 0, 0}, {1, 3, 0, 0, 1, 2},
            {1, 9, 0, 0, 0, 0, 0, 0}, {1, 1, 0, 0, 0}, {1, 2, 0, 0}, {1, 3, 1, 0, 0, 0, 0, 0},
        };
        for (byte[] m : malformed) {
            assertEquals(Received.DROPPED, deliver(net.b, m, ADDRESS_A, T0));
        }
        assertEquals(malformed.length, net.b.counters().drops(DropReason.MALFORMED_MESSAGE));
        assertNotNull(open(net.b, message, ADDRESS_A, T0), "garbage leaves the session intact");
    }

    @Test
    void sealsAndOpensFramesInDirectBuffers() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.handshake(T0);
        byte[] f = frame(1500, 4);
        ByteBuffer out = ByteBuffer.allocateDirect(2048);
        out.put(100 + DataMessage.HEADER_LENGTH, f);
        int length = net.a.seal(net.peerB, out, 100, f.length, T0);
        assertEquals(f.length + WireFormat.DATA_OVERHEAD, length);
        ByteBuffer in = ByteBuffer.allocateDirect(2048);
        byte[] wire = new byte[length];
        out.get(100, wire);
        in.put(7, wire);
        Inbound result = new Inbound();
        assertEquals(Received.FRAME, BackToBack.receive(net.b, in, 7, length, ADDRESS_A, T0, result));
        byte[] got = new byte[result.plaintextLength()];
        in.get(result.plaintextOffset(), got);
        assertArrayEquals(f, got);
        assertEquals(net.peerA, result.peer());
    }

    private static byte[] bytes(ByteBuffer m) {
        byte[] out = new byte[m.remaining()];
        m.duplicate().get(out);
        return out;
    }

    @Test
    void aRekeyDueWhileSealingLeavesTheSealedMessageAloneInTheCallersBuffer() {
        // The link seals straight into its send slot, then sends it: a message the crypto layer sent from
        // inside seal() would land in that same slot first (the UDP batch entry, the TCP buffer's tail).
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.handshake(T0);
        byte[] sealed = seal(net.a, net.peerB, frame(200, 4), T0 + 120 * SECOND);
        assertNotNull(sealed);
        assertTrue(net.fromA.isEmpty(), "no initiation went out during seal()");
        assertArrayEquals(frame(200, 4), open(net.b, sealed, ADDRESS_A, T0 + 120 * SECOND));
        net.a.tick(T0 + 120 * SECOND + 100_000_000L);
        assertEquals(WireFormat.TYPE_HANDSHAKE_INIT, net.fromA.peek().bytes()[WireFormat.TYPE_OFFSET]);
    }
}
