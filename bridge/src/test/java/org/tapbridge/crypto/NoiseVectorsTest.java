package org.tapbridge.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Reproduces every cacophony vector of our two suites, as initiator and as responder, with the transport
 * messages on each {@link AeadKind}. The vectors are vendored in the test resources (see
 * {@code noise/README.md} there for their source and extraction).
 */
class NoiseVectorsTest {
    private static final String VECTORS = "/noise/cacophony-ik-25519-aesgcm-sha256.json";
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void vectorFileHoldsBothOfOurSuites() throws IOException {
        List<JsonNode> vectors = ourVectors();
        assertTrue(vectors.stream().anyMatch(v -> name(v).equals(HandshakeState.Pattern.IK.protocolName)));
        assertTrue(vectors.stream().anyMatch(v -> name(v).equals(HandshakeState.Pattern.IK_PSK2.protocolName)));
    }

    @TestFactory
    Stream<DynamicTest> reproducesEveryVectorOfOurSuitesInBothRoles() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        int index = 0;
        for (JsonNode vector : ourVectors()) {
            int n = index++;
            for (AeadKind kind : AeadKind.values()) {
                String suffix = ", transport on " + kind.label();
                tests.add(DynamicTest.dynamicTest(name(vector) + " #" + n + " as initiator" + suffix,
                        () -> replay(vector, true, kind)));
                tests.add(DynamicTest.dynamicTest(name(vector) + " #" + n + " as responder" + suffix,
                        () -> replay(vector, false, kind)));
            }
        }
        return tests.stream();
    }

    /**
     * Plays our side of the vector; the other side's messages are taken from the vector and must open. The
     * handshake runs on {@link CipherState} (the JDK's AES-GCM); the transport messages run both on it and
     * on an {@link Aead} of {@code kind} keyed from the split, as the data path's keys are.
     */
    private static void replay(JsonNode v, boolean asInitiator, AeadKind kind) throws CryptoException {
        AeadFixtures.requireAvailable(kind);
        HandshakeState.Pattern pattern = patternOf(name(v));
        String side = asInitiator ? "init_" : "resp_";
        byte[] psk = pattern.psk ? hex(v.get(side + "psks").get(0).asText()) : null;
        Deque<byte[]> ephemerals = new ArrayDeque<>(List.of(hex(v.get(side + "ephemeral").asText())));
        KeyPairSource fixed = ephemerals::removeFirst;
        byte[] prologue = hex(v.get(side + "prologue").asText());
        HandshakeState.LocalStatic localStatic = HandshakeState.LocalStatic.of(hex(v.get(side + "static").asText()));
        HandshakeState hs = asInitiator
                ? HandshakeState.initiator(pattern, prologue, localStatic, hex(v.get("init_remote_static").asText()),
                        psk, fixed)
                : HandshakeState.responder(pattern, prologue, localStatic, fixed);

        JsonNode messages = v.get("messages");
        assertTrue(messages.size() >= 2, "a vector of IK has at least the two handshake messages");
        byte[] m1 = hex(messages.get(0).get("ciphertext").asText());
        byte[] p1 = hex(messages.get(0).get("payload").asText());
        byte[] m2 = hex(messages.get(1).get("ciphertext").asText());
        byte[] p2 = hex(messages.get(1).get("payload").asText());
        if (asInitiator) {
            assertArrayEquals(m1, hs.writeMessage1(p1), "message 0 ciphertext");
            assertArrayEquals(p2, hs.readMessage2(m2), "message 1 payload");
        } else {
            assertArrayEquals(p1, hs.readMessage1(m1), "message 0 payload");
            assertEquals(HEX.formatHex(X25519.publicKey(hex(v.get("init_static").asText()))),
                    HEX.formatHex(hs.remoteStatic()), "initiator static key revealed by message 0");
            assertArrayEquals(m2, hs.writeMessage2(p2, psk), "message 1 ciphertext");
        }
        assertEquals(v.get("handshake_hash").asText(), HEX.formatHex(hs.handshakeHash()), "handshake hash");

        CipherState[] split = hs.split();
        CipherState initiatorToResponder = split[0];
        CipherState responderToInitiator = split[1];
        byte[] sendKey = (asInitiator ? initiatorToResponder : responderToInitiator).key();
        byte[] receiveKey = (asInitiator ? responderToInitiator : initiatorToResponder).key();
        byte[] empty = new byte[0];
        long sent = 0;
        long received = 0;
        try (Aead sealer = Aeads.sealer(kind, sendKey); Aead opener = Aeads.opener(kind, receiveKey)) {
            for (int i = 2; i < messages.size(); i++) {
                byte[] payload = hex(messages.get(i).get("payload").asText());
                byte[] ciphertext = hex(messages.get(i).get("ciphertext").asText());
                boolean sentByInitiator = i % 2 == 0;
                String what = "transport message " + i;
                if (sentByInitiator == asInitiator) {
                    CipherState mine = asInitiator ? initiatorToResponder : responderToInitiator;
                    assertArrayEquals(ciphertext, mine.encryptWithAd(empty, payload), what + " ciphertext");
                    assertArrayEquals(ciphertext, sealDirect(sealer, sent++, payload),
                            what + " ciphertext on " + kind.label());
                } else {
                    CipherState theirs = asInitiator ? responderToInitiator : initiatorToResponder;
                    assertArrayEquals(payload, theirs.decryptWithAd(empty, ciphertext), what + " payload");
                    assertArrayEquals(payload, openDirect(opener, received++, ciphertext),
                            what + " payload on " + kind.label());
                }
            }
        }
    }

    /** Seals in place on direct memory, as the data path does; Noise's transport messages have empty AD. */
    private static byte[] sealDirect(Aead sealer, long counter, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocateDirect(payload.length + Aead.TAG_LENGTH).put(0, payload);
        int length = sealer.seal(counter, b, 0, 0, b, 0, payload.length, b, 0);
        byte[] out = new byte[length];
        b.get(0, out);
        return out;
    }

    private static byte[] openDirect(Aead opener, long counter, byte[] ciphertext) {
        ByteBuffer b = ByteBuffer.allocateDirect(ciphertext.length).put(0, ciphertext);
        int length = opener.open(counter, b, 0, 0, b, 0, ciphertext.length, b, 0);
        assertTrue(length >= 0, "the tag verifies");
        byte[] out = new byte[length];
        b.get(0, out);
        return out;
    }

    private static List<JsonNode> ourVectors() throws IOException {
        JsonNode root;
        try (InputStream in = NoiseVectorsTest.class.getResourceAsStream(VECTORS)) {
            // A missing resource is a broken checkout or build, never a reason to skip.
            assertNotNull(in, "test resource " + VECTORS + " is missing from the classpath");
            root = new ObjectMapper().readTree(in);
        }
        List<JsonNode> ours = new ArrayList<>();
        for (JsonNode v : root.get("vectors")) {
            String name = name(v);
            if (name.equals(HandshakeState.Pattern.IK.protocolName)
                    || name.equals(HandshakeState.Pattern.IK_PSK2.protocolName)) {
                ours.add(v);
            }
        }
        assertTrue(!ours.isEmpty(), VECTORS + " holds no vector of our suites");
        return ours;
    }

    private static HandshakeState.Pattern patternOf(String protocolName) {
        for (HandshakeState.Pattern p : HandshakeState.Pattern.values()) {
            if (p.protocolName.equals(protocolName)) {
                return p;
            }
        }
        throw new AssertionError("not one of our suites: " + protocolName);
    }

    private static String name(JsonNode v) {
        return v.get("protocol_name").asText();
    }

    private static byte[] hex(String s) {
        return HEX.parseHex(s);
    }
}
