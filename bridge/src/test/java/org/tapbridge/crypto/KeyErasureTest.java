package org.tapbridge.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.crypto.BackToBack.ADDRESS_A;
import static org.tapbridge.crypto.BackToBack.ADDRESS_B;
import static org.tapbridge.crypto.BackToBack.frame;
import static org.tapbridge.crypto.BackToBack.open;
import static org.tapbridge.crypto.BackToBack.seal;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tapbridge.link.LinkSecurity;

/**
 * Issue 11, defect 9: key material is erased once it is no longer needed (best effort, see {@link Secrets}).
 * Each test keeps references to the very arrays that held secrets, and checks they hold zeros afterwards.
 */
class KeyErasureTest {
    private static final byte[] PROLOGUE = "tbctl-erasure".getBytes(StandardCharsets.US_ASCII);
    private static final long T0 = 1_000_000_000L;

    /** The arrays that held secrets, each checked to hold something when it was taken. */
    private final List<byte[]> captured = new ArrayList<>();

    private void capture(List<byte[]> secrets) {
        for (byte[] s : secrets) {
            assertFalse(Secrets.isWiped(s), "a secret captured while in use is already zero");
            captured.add(s);
        }
    }

    private void assertAllWiped(int atLeast, String when) {
        assertTrue(captured.size() >= atLeast, "too few secrets captured to mean anything: " + captured.size());
        for (int i = 0; i < captured.size(); i++) {
            assertTrue(Secrets.isWiped(captured.get(i)), "secret " + i + " of " + captured.size()
                    + " still holds key material " + when);
        }
    }

    @Test
    void handshakeTemporariesAreZeroedOnceTheHandshakeCompletes() throws CryptoException {
        SecureRandom random = BackToBack.seeded(11);
        byte[] staticA = X25519.generatePrivate(random);
        byte[] staticB = X25519.generatePrivate(random);
        byte[] ephemeralA = X25519.generatePrivate(random);
        byte[] ephemeralB = X25519.generatePrivate(random);
        byte[] psk = frame(32, 7);
        HandshakeState initiator = HandshakeState.initiator(HandshakeState.Pattern.IK_PSK2, PROLOGUE,
                HandshakeState.LocalStatic.of(staticA), X25519.publicKey(staticB), psk, () -> ephemeralA);
        HandshakeState responder = HandshakeState.responder(HandshakeState.Pattern.IK_PSK2, PROLOGUE,
                HandshakeState.LocalStatic.of(staticB), () -> ephemeralB);

        byte[] message1 = initiator.writeMessage1(new byte[12]);
        capture(initiator.secrets());
        responder.readMessage1(message1);
        capture(responder.secrets());
        byte[] message2 = responder.writeMessage2(new byte[4], psk);
        capture(responder.secrets());
        initiator.readMessage2(message2);
        capture(initiator.secrets());
        CipherState[] initiatorSplit = initiator.split();
        CipherState[] responderSplit = responder.split();
        for (CipherState c : new CipherState[] {initiatorSplit[0], initiatorSplit[1], responderSplit[0],
                responderSplit[1]}) {
            capture(List.of(c.keyArray()));
        }
        // The keys still work: nothing was wiped before its last use.
        byte[] sealed = initiatorSplit[0].encryptWithAd(new byte[0], "frame".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals("frame".getBytes(StandardCharsets.US_ASCII), responderSplit[0].decryptWithAd(new byte[0],
                sealed));

        initiator.destroy();
        responder.destroy();
        for (CipherState c : new CipherState[] {initiatorSplit[0], initiatorSplit[1], responderSplit[0],
                responderSplit[1]}) {
            c.destroy();
        }
        captured.add(ephemeralA);
        captured.add(ephemeralB);
        assertAllWiped(12, "after the handshake completed");
        assertFalse(Secrets.isWiped(psk), "the caller's own pre-shared key is the caller's");
        assertFalse(Secrets.isWiped(staticA), "the caller's own static key is the caller's");
    }

    @Test
    void aForgedResponseLeavesTheSecretsTheGenuineOneNeedsAndAnAbandonedHandshakeIsWiped() throws CryptoException {
        SecureRandom random = BackToBack.seeded(12);
        byte[] staticB = X25519.generatePrivate(random);
        byte[] ephemeralA = X25519.generatePrivate(random);
        HandshakeState initiator = HandshakeState.initiator(HandshakeState.Pattern.IK_PSK2, PROLOGUE,
                HandshakeState.LocalStatic.of(X25519.generatePrivate(random)), X25519.publicKey(staticB),
                frame(32, 8), () -> ephemeralA);
        initiator.writeMessage1(new byte[12]);
        List<byte[]> held = initiator.secrets();
        byte[] forged = frame(HandshakeState.message2Length(4), 9);
        assertThrows(CryptoException.class, () -> initiator.readMessage2(forged));
        for (byte[] s : held) {
            assertFalse(Secrets.isWiped(s), "a forged response must not erase what the genuine one needs");
        }
        capture(held);
        initiator.destroy();
        captured.add(ephemeralA);
        assertTrue(captured.size() >= 3);
        for (byte[] s : captured) {
            assertTrue(Secrets.isWiped(s), "an abandoned handshake keeps key material");
        }
    }

    @Test
    void aSupersededInitiationIsWipedWhenTheNextOneLeaves() {
        BackToBack net = new BackToBack(SessionSettings.defaults(), frame(32, 3));
        net.a.handshakeNow(net.peerB, T0);
        HandshakeState first = net.peerB.pending.state;
        List<byte[]> held = first.secrets();
        capture(held);
        net.a.handshakeNow(net.peerB, T0 + 1);
        assertTrue(net.peerB.pending.state != first);
        for (byte[] s : held) {
            assertTrue(Secrets.isWiped(s), "the superseded initiation keeps key material");
        }
    }

    @Test
    void theKeysOfAReplacedSessionAreReleasedAndTheNewOnesWork() {
        BackToBack net = new BackToBack(SessionSettings.defaults());
        net.handshake(T0);
        Keypair first = net.peerB.current;
        Keypair firstAtB = net.peerA.current;
        assertNotNull(first);
        assertNotNull(open(net.b, seal(net.a, net.peerB, frame(60, 1), T0), ADDRESS_A, T0));
        // Two rekeys: the first keys become the previous ones, then leave rotation.
        net.handshake(T0 + 1);
        net.pump(T0 + 1);
        assertNotNull(open(net.b, seal(net.a, net.peerB, frame(60, 2), T0 + 1), ADDRESS_A, T0 + 1));
        net.handshake(T0 + 2);
        assertNotNull(open(net.b, seal(net.a, net.peerB, frame(60, 3), T0 + 2), ADDRESS_A, T0 + 2));
        assertTrue(net.peerB.current != first && net.peerB.previous != first);
        assertClosed(first);
        assertClosed(firstAtB);
        assertArrayEquals(frame(70, 4), open(net.a, seal(net.b, net.peerA, frame(70, 4), T0 + 2), ADDRESS_B, T0 + 2),
                "the keys in use still seal and open");
    }

    @Test
    void destroyingTheCryptoErasesEveryKeyItHolds() throws Exception {
        byte[] psk = frame(32, 5);
        BackToBack net = new BackToBack(SessionSettings.defaults(), psk);
        net.handshake(T0);
        Keypair keys = net.peerB.current;
        net.a.handshakeNow(net.peerB, T0 + 1);
        capture(net.peerB.pending.state.secrets());
        capture(List.of(net.peerB.presharedKey));
        capture(List.of(localStaticPrivate(net.a)));

        net.a.destroy();

        assertAllWiped(6, "after destroy");
        assertClosed(keys);
        assertFalse(net.peerB.hasSession());
        assertTrue(net.a.destroyed());
        assertThrows(IllegalStateException.class, () -> seal(net.a, net.peerB, frame(60, 1), T0 + 2));
        assertThrows(IllegalStateException.class, () -> net.a.tick(T0 + 2));
        net.a.destroy();
        assertFalse(Secrets.isWiped(psk), "the caller's own pre-shared key is the caller's");
    }

    @Test
    void theLoadersCopiesAreErasedOnRequest() {
        byte[] privateKey = frame(32, 1);
        byte[] psk = frame(32, 2);
        LinkSecurity security = new LinkSecurity(privateKey, Map.of("b", frame(32, 3)), Map.of("b", psk),
                SessionSettings.defaults());
        security.erase();
        assertTrue(Secrets.isWiped(privateKey));
        assertTrue(Secrets.isWiped(psk));
    }

    @Test
    void keyFileTextIsParsedFromBytesAsFromAString() {
        String text = "  " + Keys.encode(frame(32, 6)) + "\n";
        byte[] ascii = text.getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(Keys.parsePrivate(text, "k"), Keys.parsePrivate(ascii, "k"));
        assertArrayEquals(Keys.parsePresharedKey(text, "k"), Keys.parsePresharedKey(ascii, "k"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Keys.parsePrivate("not base64!".getBytes(StandardCharsets.US_ASCII), "private key file f"));
        assertTrue(e.getMessage().startsWith("private key file f is not valid base64"), e.getMessage());
    }

    @Test
    void hkdfWipesItsOwnTemporariesButNotItsOutputs() {
        byte[][] out = Hkdf.derive(frame(32, 1), frame(32, 2), 3);
        assertEquals(3, out.length);
        for (byte[] o : out) {
            assertFalse(Secrets.isWiped(o));
        }
    }

    private static void assertClosed(Keypair keypair) {
        ByteBuffer buf = ByteBuffer.allocate(64);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> keypair.sealer.aead().seal(1, buf, 0, 16, buf, 16, 16, buf, 16));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class,
                () -> keypair.opener.aead().open(1, buf, 0, 16, buf, 16, 32, buf, 16));
    }

    private static byte[] localStaticPrivate(PeerCrypto crypto) throws ReflectiveOperationException {
        Field handshakes = PeerCrypto.class.getDeclaredField("handshakes");
        handshakes.setAccessible(true);
        Field local = Handshakes.class.getDeclaredField("local");
        local.setAccessible(true);
        return ((HandshakeState.LocalStatic) local.get(handshakes.get(crypto))).privateKey();
    }
}
