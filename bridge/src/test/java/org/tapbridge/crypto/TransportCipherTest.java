package org.tapbridge.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TransportCipherTest {
    private static final byte[] KEY = BackToBack.frame(32, 11);
    private static final int HEADER = 16;

    @Test
    void opensWhatItSealedInPlace() {
        byte[] frame = BackToBack.frame(1500, 1);
        byte[] buf = message(frame);
        int sealed = TransportCipher.sealer(KEY).seal(42, buf, 0, HEADER, HEADER, frame.length);
        assertEquals(frame.length + 16, sealed);
        assertEquals(frame.length, TransportCipher.opener(KEY).open(42, buf, 0, HEADER, HEADER, sealed));
        assertArrayEquals(frame, Arrays.copyOfRange(buf, HEADER, HEADER + frame.length));
    }

    @Test
    void rejectsTamperedCiphertextTagOrAssociatedData() {
        byte[] frame = BackToBack.frame(100, 2);
        byte[] sealed = message(frame);
        int length = TransportCipher.sealer(KEY).seal(7, sealed, 0, HEADER, HEADER, frame.length);
        TransportCipher opener = TransportCipher.opener(KEY);
        for (int position : new int[] {3, HEADER, HEADER + 50, HEADER + length - 1}) {
            byte[] tampered = sealed.clone();
            tampered[position] ^= (byte) 0x80;
            assertEquals(TransportCipher.AUTH_FAILED, opener.open(7, tampered, 0, HEADER, HEADER, length),
                    "flipped byte " + position);
        }
        assertEquals(TransportCipher.AUTH_FAILED, opener.open(8, sealed.clone(), 0, HEADER, HEADER, length),
                "wrong counter");
        assertEquals(TransportCipher.AUTH_FAILED,
                TransportCipher.opener(BackToBack.frame(32, 12)).open(7, sealed.clone(), 0, HEADER, HEADER, length),
                "wrong key");
        assertEquals(TransportCipher.AUTH_FAILED, opener.open(7, sealed.clone(), 0, HEADER, HEADER, 15), "short");
        assertEquals(frame.length, opener.open(7, sealed.clone(), 0, HEADER, HEADER, length), "opener still works");
    }

    @Test
    void byteBufferPathMatchesTheByteArrayPath() {
        byte[] frame = BackToBack.frame(1500, 3);
        byte[] viaArray = message(frame);
        TransportCipher.sealer(KEY).seal(9, viaArray, 0, HEADER, HEADER, frame.length);
        ByteBuffer direct = ByteBuffer.allocateDirect(viaArray.length);
        direct.put(0, message(frame));
        int sealed = TransportCipher.sealer(KEY).seal(9, direct, 0, HEADER, HEADER, frame.length);
        byte[] viaBuffer = new byte[viaArray.length];
        direct.get(0, viaBuffer);
        assertArrayEquals(viaArray, viaBuffer);
        assertEquals(frame.length, TransportCipher.opener(KEY).open(9, direct, 0, HEADER, HEADER, sealed));
    }

    @ParameterizedTest
    @EnumSource(AeadKind.class)
    void everyMethodGivesTheSameMessageOnEitherAead(AeadKind kind) {
        AeadFixtures.requireAvailable(kind);
        byte[] frame = BackToBack.frame(1400, 4);
        byte[] expected = message(frame);
        System.arraycopy(AeadFixtures.referenceSeal(KEY, 5, Arrays.copyOf(expected, HEADER), frame), 0, expected,
                HEADER, frame.length + 16);
        try (TransportCipher sealer = TransportCipher.sealer(kind, KEY);
                TransportCipher opener = TransportCipher.opener(kind, KEY)) {
            byte[] inPlace = message(frame);
            sealer.seal(5, inPlace, 0, HEADER, HEADER, frame.length);
            assertArrayEquals(expected, inPlace, "byte[] in place");
            assertEquals(frame.length, opener.open(5, inPlace, 0, HEADER, HEADER, frame.length + 16));
            assertArrayEquals(frame, Arrays.copyOfRange(inPlace, HEADER, HEADER + frame.length), "opened in place");

            byte[] out = new byte[expected.length];
            System.arraycopy(expected, 0, out, 0, HEADER);
            byte[] src = message(frame);
            sealer.seal(6, out, 0, HEADER, src, HEADER, frame.length, out, HEADER);
            byte[] plain = new byte[frame.length];
            assertEquals(frame.length, opener.open(6, out, 0, HEADER, HEADER, frame.length + 16, plain, 0));
            assertArrayEquals(frame, plain, "byte[] out of place");

            ByteBuffer direct = ByteBuffer.allocateDirect(expected.length).put(0, message(frame));
            sealer.seal(5, direct, 0, HEADER, HEADER, frame.length);
            byte[] viaBuffer = new byte[expected.length];
            direct.get(0, viaBuffer);
            assertArrayEquals(expected, viaBuffer, "direct buffer in place");
            assertEquals(frame.length, opener.open(5, direct, 0, HEADER, HEADER, frame.length + 16));
            assertEquals(kind, sealer.aead().kind());
        }
    }

    @Test
    void sealerRefusesToOpen() {
        assertThrows(IllegalStateException.class,
                () -> TransportCipher.sealer(KEY).open(0, new byte[64], 0, HEADER, HEADER, 32));
    }

    private static byte[] message(byte[] frame) {
        byte[] buf = new byte[HEADER + frame.length + 16];
        for (int i = 0; i < HEADER; i++) {
            buf[i] = (byte) i;
        }
        System.arraycopy(frame, 0, buf, HEADER, frame.length);
        return buf;
    }
}
