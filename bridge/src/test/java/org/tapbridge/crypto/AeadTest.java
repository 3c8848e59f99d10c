package org.tapbridge.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.crypto.AeadFixtures.buffer;
import static org.tapbridge.crypto.AeadFixtures.bytes;
import static org.tapbridge.crypto.AeadFixtures.read;
import static org.tapbridge.crypto.AeadFixtures.referenceSeal;
import static org.tapbridge.crypto.AeadFixtures.requireAvailable;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both AEADs against a JDK Cipher used directly (nonce spelled out in the test) and against each other:
 * every length the data path sees, in place and out of place, on heap and direct buffers.
 */
class AeadTest {
    private static final int TAG = Aead.TAG_LENGTH;
    private static final byte GUARD = (byte) 0xA5;
    private static final int[] LENGTHS = {0, 1, 15, 16, 17, 64, 1400, 1500, 9000, 65000};
    private static final long[] EDGE_COUNTERS = {
        0, 1, 255, 256, 0xFFFF_FFFFL, 0x1_0000_0000L, Long.MAX_VALUE, Long.MIN_VALUE, -2L, -1L};

    /** Where the input, the output and the associated data lie. */
    enum Layout {
        HEAP_IN_PLACE(false, false, true),
        HEAP_OUT_OF_PLACE(false, false, false),
        DIRECT_IN_PLACE(true, true, true),
        DIRECT_OUT_OF_PLACE(true, true, false),
        DIRECT_TO_HEAP(true, false, false),
        HEAP_TO_DIRECT(false, true, false);

        final boolean directIn;
        final boolean directOut;
        final boolean inPlace;

        Layout(boolean directIn, boolean directOut, boolean inPlace) {
            this.directIn = directIn;
            this.directOut = directOut;
            this.inPlace = inPlace;
        }
    }

    @Test
    void bothImplementationsSealEveryLengthToTheReferenceBytesInEveryLayout() {
        requireAvailable(AeadKind.OPENSSL);
        SplittableRandom random = new SplittableRandom(0x5EA1_0001L);
        for (int length : LENGTHS) {
            byte[] key = bytes(random, 32);
            byte[] ad = bytes(random, DataMessage.HEADER_LENGTH);
            byte[] plain = bytes(random, length);
            long counter = random.nextLong();
            checkCase(key, counter, ad, plain, 3);
        }
    }

    @Test
    void bothImplementationsAgreeOnFiveHundredRandomCases() {
        requireAvailable(AeadKind.OPENSSL);
        SplittableRandom random = new SplittableRandom(0x5EA1_0002L);
        for (int i = 0; i < 500; i++) {
            byte[] key = bytes(random, 32);
            int adLength = switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> random.nextInt(1, 80);
                default -> DataMessage.HEADER_LENGTH;
            };
            byte[] ad = bytes(random, adLength);
            byte[] plain = bytes(random, random.nextInt(random.nextBoolean() ? 100 : 3000));
            long counter = random.nextInt(8) == 0 ? EDGE_COUNTERS[random.nextInt(EDGE_COUNTERS.length)]
                    : random.nextLong();
            checkCase(key, counter, ad, plain, random.nextInt(40));
        }
    }

    @Test
    void countersAtTheEdgesOfSixtyFourBitsMakeTheNoiseNonceInBothImplementations() {
        requireAvailable(AeadKind.OPENSSL);
        SplittableRandom random = new SplittableRandom(0x5EA1_0003L);
        byte[] key = bytes(random, 32);
        byte[] ad = bytes(random, 16);
        byte[] plain = bytes(random, 64);
        for (long counter : EDGE_COUNTERS) {
            checkCase(key, counter, ad, plain, 0);
        }
        // And the counter really reaches the nonce: neighbours at each edge seal differently.
        for (long counter : EDGE_COUNTERS) {
            assertFalse(Arrays.equals(referenceSeal(key, counter, ad, plain), referenceSeal(key, counter + 1, ad, plain)));
        }
    }

    @ParameterizedTest
    @EnumSource(AeadKind.class)
    void tamperedTagAssociatedDataOrCiphertextFailsWithoutLeavingPlaintext(AeadKind kind) {
        requireAvailable(kind);
        SplittableRandom random = new SplittableRandom(0x5EA1_0004L);
        byte[] key = bytes(random, 32);
        byte[] ad = bytes(random, 16);
        byte[] plain = bytes(random, 100);
        long counter = 77;
        byte[] sealed = referenceSeal(key, counter, ad, plain);
        try (Aead opener = Aeads.opener(kind, key)) {
            for (Layout layout : Layout.values()) {
                // Positions in the concatenation of associated data and sealed message.
                for (int position : new int[] {0, 15, 16, 16 + 50, 16 + plain.length, 16 + sealed.length - 1}) {
                    byte[] tamperedAd = ad.clone();
                    byte[] tamperedSealed = sealed.clone();
                    if (position < 16) {
                        tamperedAd[position] ^= 0x01;
                    } else {
                        tamperedSealed[position - 16] ^= 0x01;
                    }
                    expectRejected(kind, opener, layout, counter, tamperedAd, tamperedSealed, plain,
                            layout + ", byte " + position + " flipped");
                }
                expectRejected(kind, opener, layout, counter + 1, ad, sealed, plain, layout + ", wrong counter");
                expectRejected(kind, opener, layout, counter, ad, Arrays.copyOf(sealed, TAG - 1), new byte[0],
                        layout + ", shorter than a tag");
                Opened good = open(opener, layout, counter, ad, sealed, 5);
                assertEquals(plain.length, good.result(), layout + ": the opener still opens after failures");
                assertArrayEquals(plain, good.plaintext(), layout.toString());
            }
        }
        try (Aead otherKey = Aeads.opener(kind, bytes(random, 32))) {
            expectRejected(kind, otherKey, Layout.DIRECT_IN_PLACE, counter, ad, sealed, plain, "wrong key");
        }
    }

    @ParameterizedTest
    @EnumSource(AeadKind.class)
    void anEmptyPayloadSealsToATagAloneAndATamperedTagFails(AeadKind kind) {
        requireAvailable(kind);
        byte[] key = bytes(new SplittableRandom(5), 32);
        byte[] ad = new byte[16];
        byte[] sealed = referenceSeal(key, 9, ad, new byte[0]);
        try (Aead sealer = Aeads.sealer(kind, key); Aead opener = Aeads.opener(kind, key)) {
            ByteBuffer b = ByteBuffer.allocateDirect(32).put(0, ad);
            assertEquals(TAG, sealer.seal(9, b, 0, 16, b, 16, 0, b, 16));
            assertArrayEquals(sealed, read(b, 16, TAG));
            assertEquals(0, opener.open(9, b, 0, 16, b, 16, TAG, b, 16));
            b.put(31, (byte) (b.get(31) ^ 1));
            assertEquals(Aead.AUTH_FAILED, opener.open(9, b, 0, 16, b, 16, TAG, b, 16));
        }
    }

    @ParameterizedTest
    @EnumSource(AeadKind.class)
    void aSealerRefusesToOpenAndAnOpenerToSeal(AeadKind kind) {
        requireAvailable(kind);
        byte[] key = new byte[32];
        ByteBuffer b = ByteBuffer.allocateDirect(64);
        try (Aead sealer = Aeads.sealer(kind, key); Aead opener = Aeads.opener(kind, key)) {
            assertTrue(sealer.seals());
            assertFalse(opener.seals());
            assertEquals(kind, sealer.kind());
            assertThrows(IllegalStateException.class, () -> sealer.open(0, b, 0, 16, b, 16, 32, b, 16));
            assertThrows(IllegalStateException.class, () -> opener.seal(0, b, 0, 16, b, 16, 16, b, 16));
        }
    }

    @ParameterizedTest
    @EnumSource(AeadKind.class)
    void aClosedAeadRefusesWorkAndClosesTwiceHarmlessly(AeadKind kind) {
        requireAvailable(kind);
        ByteBuffer b = ByteBuffer.allocateDirect(64);
        Aead sealer = Aeads.sealer(kind, new byte[32]);
        sealer.close();
        sealer.close();
        assertThrows(IllegalStateException.class, () -> sealer.seal(0, b, 0, 16, b, 16, 16, b, 16));
    }

    @ParameterizedTest
    @EnumSource(AeadKind.class)
    void refusesAKeyOfTheWrongLengthAndRegionsOutsideTheBuffer(AeadKind kind) {
        requireAvailable(kind);
        assertThrows(IllegalArgumentException.class, () -> Aeads.sealer(kind, new byte[16]));
        ByteBuffer b = ByteBuffer.allocateDirect(64);
        try (Aead sealer = Aeads.sealer(kind, new byte[32])) {
            assertThrows(IndexOutOfBoundsException.class, () -> sealer.seal(0, b, 0, 16, b, 16, 40, b, 16));
        }
    }

    @Test
    void openSslRefusesPartiallyOverlappingRegions() {
        requireAvailable(AeadKind.OPENSSL);
        ByteBuffer b = ByteBuffer.allocateDirect(256);
        try (Aead sealer = Aeads.sealer(AeadKind.OPENSSL, new byte[32])) {
            assertThrows(IllegalArgumentException.class, () -> sealer.seal(1, b, 0, 16, b, 16, 100, b, 20),
                    "output shifted into the input");
            assertThrows(IllegalArgumentException.class, () -> sealer.seal(2, b, 0, 16, b, 16, 100, b, 8),
                    "output over the associated data");
            assertEquals(116, sealer.seal(3, b, 0, 16, b, 16, 100, b, 16), "in place");
            assertEquals(116, sealer.seal(4, b, 0, 16, b, 16, 100, b, 116), "right after the input");
        }
    }

    @Test
    void selectionPrefersOpenSslWhenItLoadsAndHonoursTheProperty() {
        assertEquals(AeadKind.OPENSSL, Aeads.select(null, null, "OpenSSL 3.0.19").kind());
        assertEquals(AeadKind.OPENSSL, Aeads.select(" OpenSSL ", null, "OpenSSL 3.0.19").kind());
        Aeads.Selection fallback = Aeads.select("auto", "no libcrypto.so.3", null);
        assertEquals(AeadKind.JCE, fallback.kind());
        assertTrue(fallback.describe().contains("no libcrypto.so.3"), fallback.describe());
        assertEquals(AeadKind.JCE, Aeads.select("jce", null, "OpenSSL 3.0.19").kind());
        IllegalArgumentException forced = assertThrows(IllegalArgumentException.class,
                () -> Aeads.select("openssl", "no libcrypto.so.3", null));
        assertTrue(forced.getMessage().contains("tapbridge.aead=openssl")
                && forced.getMessage().contains("no libcrypto.so.3"), forced.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Aeads.select("chacha", null, null));
        assertTrue(bad.getMessage().contains("tapbridge.aead=chacha"), bad.getMessage());
    }

    @Test
    void theJvmSelectsOpenSslHereUnlessLibcryptoIsMissing() {
        requireAvailable(AeadKind.OPENSSL);
        Aeads.Selection s = Aeads.selected();
        if (System.getProperty(Aeads.PROPERTY) == null) {
            assertEquals(AeadKind.OPENSSL, s.kind(), s.describe());
            assertTrue(s.describe().startsWith("AES-256-GCM: openssl (OpenSSL 3."), s.describe());
        }
        assertEquals(s.kind(), TransportCipher.sealer(new byte[32]).aead().kind());
    }

    /** Seals with both kinds in every layout; each must give the reference bytes and open in every layout. */
    private static void checkCase(byte[] key, long counter, byte[] ad, byte[] plain, int base) {
        byte[] expected = referenceSeal(key, counter, ad, plain);
        String what = "length " + plain.length + ", ad " + ad.length + ", counter " + Long.toUnsignedString(counter);
        for (AeadKind kind : AeadKind.values()) {
            for (Layout layout : Layout.values()) {
                // A sealer per seal: the JCE refuses a key and nonce twice in a row.
                try (Aead sealer = Aeads.sealer(kind, key)) {
                    assertArrayEquals(expected, seal(sealer, layout, counter, ad, plain, base),
                            kind + " " + layout + " " + what);
                }
            }
            try (Aead opener = Aeads.opener(kind, key)) {
                for (Layout layout : Layout.values()) {
                    Opened opened = open(opener, layout, counter, ad, expected, base);
                    assertEquals(plain.length, opened.result(), kind + " " + layout + " " + what);
                    assertArrayEquals(plain, opened.plaintext(), kind + " " + layout + " " + what);
                }
            }
        }
    }

    /** Seals like the data path: associated data just before the payload (in place) or before the output. */
    private static byte[] seal(Aead sealer, Layout layout, long counter, byte[] ad, byte[] plain, int base) {
        int capacity = base + ad.length + plain.length + TAG + 7;
        ByteBuffer in = guarded(layout.directIn, capacity);
        in.put(base, ad).put(base + ad.length, plain);
        ByteBuffer out = layout.inPlace ? in : guarded(layout.directOut, capacity);
        out.put(base, ad);
        int outOffset = base + ad.length;
        int sealed = sealer.seal(counter, out, base, ad.length, in, base + ad.length, plain.length, out, outOffset);
        assertEquals(plain.length + TAG, sealed);
        assertEquals(GUARD, out.get(outOffset + sealed), "nothing written past the tag");
        assertArrayEquals(ad, read(out, base, ad.length), "associated data untouched");
        if (!layout.inPlace) {
            assertArrayEquals(plain, read(in, base + ad.length, plain.length), "input untouched");
        }
        return read(out, outOffset, sealed);
    }

    private record Opened(int result, byte[] plaintext, ByteBuffer out, int outOffset) {
    }

    private static Opened open(Aead opener, Layout layout, long counter, byte[] ad, byte[] sealed, int base) {
        int capacity = base + ad.length + sealed.length + 7;
        ByteBuffer in = guarded(layout.directIn, capacity);
        in.put(base, ad).put(base + ad.length, sealed);
        ByteBuffer out = layout.inPlace ? in : guarded(layout.directOut, capacity);
        int outOffset = layout.inPlace ? base + ad.length : base + 2;
        int opened = opener.open(counter, in, base, ad.length, in, base + ad.length, sealed.length, out, outOffset);
        int plainLength = Math.max(0, sealed.length - TAG);
        if (opened >= 0) {
            assertEquals(GUARD, out.get(outOffset + (layout.inPlace ? sealed.length : opened)),
                    "nothing written past the plaintext");
        }
        return new Opened(opened, opened >= 0 ? read(out, outOffset, opened) : read(out, outOffset, plainLength), out,
                outOffset);
    }

    private static void expectRejected(AeadKind kind, Aead opener, Layout layout, long counter, byte[] ad,
            byte[] sealed, byte[] plain, String what) {
        Opened opened = open(opener, layout, counter, ad, sealed, 1);
        assertEquals(Aead.AUTH_FAILED, opened.result(), what);
        int length = Math.max(0, sealed.length - TAG);
        byte[] left = opened.plaintext();
        if (length > 0) {
            assertFalse(Arrays.equals(plain, left), what + ": plaintext left in the output");
        }
        if (kind == AeadKind.OPENSSL) {
            assertArrayEquals(new byte[length], left, what + ": OpenSSL zeroes the output it decrypted into");
        } else {
            byte[] before = layout.inPlace ? Arrays.copyOf(sealed, length) : filled(length);
            assertArrayEquals(before, left, what + ": the JCE leaves the output untouched");
        }
    }

    private static ByteBuffer guarded(boolean direct, int capacity) {
        ByteBuffer b = buffer(direct, capacity);
        b.put(0, filled(capacity));
        return b;
    }

    private static byte[] filled(int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, GUARD);
        return b;
    }
}
