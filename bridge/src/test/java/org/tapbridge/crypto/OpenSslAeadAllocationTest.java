package org.tapbridge.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.tapbridge.crypto.AeadFixtures.requireAvailable;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * OpenSSL seals and opens without allocating: on direct memory as the data path will call it, and through
 * {@link TransportCipher}'s byte[] methods as {@code PeerCrypto} calls them today. Measured with the
 * thread's allocation counter after a warm-up that lets the JIT compile everything.
 */
class OpenSslAeadAllocationTest {
    private static final int FRAME = 1400;
    private static final int HEADER = DataMessage.HEADER_LENGTH;
    private static final int WARM_UP = 60_000;
    private static final int MEASURED = 20_000;

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void sealingAndOpeningTwentyThousandFramesOnDirectMemoryAllocatesNothing() {
        requireAvailable(AeadKind.OPENSSL);
        byte[] key = AeadFixtures.bytes(new SplittableRandom(31), 32);
        try (Aead sealer = Aeads.sealer(AeadKind.OPENSSL, key); Aead opener = Aeads.opener(AeadKind.OPENSSL, key)) {
            ByteBuffer slot = ByteBuffer.allocateDirect(HEADER + FRAME + Aead.TAG_LENGTH);
            ByteBuffer wire = ByteBuffer.allocateDirect(HEADER + FRAME + Aead.TAG_LENGTH);
            slot.put(HEADER, AeadFixtures.bytes(new SplittableRandom(32), FRAME));
            long[] counter = {0};
            long checksum = directRounds(sealer, opener, slot, wire, counter, WARM_UP);
            long before = threads.getCurrentThreadAllocatedBytes();
            checksum += directRounds(sealer, opener, slot, wire, counter, MEASURED);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            System.out.printf("allocation: %d bytes over %d seals and opens of %d bytes on direct memory%n",
                    allocated, MEASURED, FRAME);
            assertEquals((long) (WARM_UP + MEASURED) * FRAME, checksum, "every frame opened whole");
            assertEquals(0, allocated, "bytes allocated by OpenSslAead seal + open");
        }
    }

    @Test
    void theByteArrayPathOfTransportCipherOverOpenSslAllocatesNothing() {
        requireAvailable(AeadKind.OPENSSL);
        byte[] key = AeadFixtures.bytes(new SplittableRandom(33), 32);
        try (TransportCipher sealer = TransportCipher.sealer(AeadKind.OPENSSL, key);
                TransportCipher opener = TransportCipher.opener(AeadKind.OPENSSL, key)) {
            byte[] scratch = new byte[HEADER + FRAME + Aead.TAG_LENGTH];
            long checksum = arrayRounds(sealer, opener, scratch, 0, WARM_UP);
            long before = threads.getCurrentThreadAllocatedBytes();
            checksum += arrayRounds(sealer, opener, scratch, WARM_UP, MEASURED);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            System.out.printf("allocation: %d bytes over %d TransportCipher byte[] seals and opens on OpenSSL%n",
                    allocated, MEASURED);
            assertEquals((long) (WARM_UP + MEASURED) * FRAME, checksum, "every frame opened whole");
            assertEquals(0, allocated, "bytes allocated by TransportCipher's byte[] path over OpenSSL");
        }
    }

    /** Seals the slot's frame into the wire buffer (out of place, as to a send batch), opens it there in place. */
    private static long directRounds(Aead sealer, Aead opener, ByteBuffer slot, ByteBuffer wire, long[] counter,
            int rounds) {
        long opened = 0;
        for (int i = 0; i < rounds; i++) {
            long n = counter[0]++;
            int sealed = sealer.seal(n, wire, 0, HEADER, slot, HEADER, FRAME, wire, HEADER);
            opened += opener.open(n, wire, 0, HEADER, wire, HEADER, sealed, wire, HEADER);
        }
        return opened;
    }

    private static long arrayRounds(TransportCipher sealer, TransportCipher opener, byte[] scratch, long first,
            int rounds) {
        long opened = 0;
        for (int i = 0; i < rounds; i++) {
            long n = first + i;
            int sealed = sealer.seal(n, scratch, 0, HEADER, HEADER, FRAME);
            opened += opener.open(n, scratch, 0, HEADER, HEADER, sealed);
        }
        return opened;
    }
}
