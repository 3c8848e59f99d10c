package org.tapbridge.inet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class InternetChecksumTest {
    @Test
    void sumsTheRfc1071Example() {
        // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2.
        ByteBuffer data = ByteBuffer.wrap(FrameBuilder.Options.bytes(0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7));
        assertEquals(0xDDF2, InternetChecksum.sum(data, 0, 8, 0));
        assertEquals(0x220D, InternetChecksum.checksum(data, 0, 8));
    }

    @Test
    void updatesTheRfc1624ExampleToPositiveZero() {
        // RFC 1624 section 4: m = 0x5555 becomes 0x3285 under HC = 0xDD2F; equation 3 gives 0x0000, not 0xFFFF.
        assertEquals(0x0000, InternetChecksum.update(0xDD2F, 0x5555, 0x3285));
    }

    @Test
    void padsAnOddLengthWithAZeroByteAndChainsRanges() {
        ByteBuffer data = ByteBuffer.wrap(FrameBuilder.Options.bytes(0x12, 0x34, 0x56));
        assertEquals(0x1234 + 0x5600, InternetChecksum.sum(data, 0, 3, 0));
        assertEquals(0x1200 + 0x1234 + 0x5600, InternetChecksum.sum(data, 2, 1, InternetChecksum.sum(data, 0, 2, 0x1200)));
        assertEquals(0x0002, InternetChecksum.addWord(0xFFFF, 0x0002)); // 0xFFFF is a zero
        assertEquals(0xFFFF, InternetChecksum.addWord(0xFFFE, 0x0001));
        assertEquals(0x3412, InternetChecksum.swap(0x1234));
    }

    @Test
    void readsNetworkOrderWhateverTheBufferOrder() {
        byte[] bytes = new byte[64];
        new SplittableRandom(3).nextBytes(bytes);
        ByteBuffer little = ByteBuffer.allocateDirect(64).order(ByteOrder.LITTLE_ENDIAN).put(bytes);
        assertEquals(ReferenceChecksum.sum(bytes), InternetChecksum.sum(little, 0, 64, 0));
    }

    @Test
    void agreesWithThePlainReferenceOnRandomData() {
        SplittableRandom random = new SplittableRandom(1624);
        for (int n = 0; n < 2_000; n++) {
            byte[] bytes = new byte[random.nextInt(1, 200)];
            random.nextBytes(bytes);
            if (random.nextInt(4) == 0) {
                Arrays.fill(bytes, (byte) 0xFF); // sums near the 0xFFFF/0x0000 boundary
            }
            assertEquals(ReferenceChecksum.sum(bytes), InternetChecksum.sum(ByteBuffer.wrap(bytes), 0, bytes.length, 0));
        }
    }

    @Test
    void incrementalUpdateMatchesAFullRecomputationAtEvenAndOddOffsets() {
        SplittableRandom random = new SplittableRandom(1141);
        for (int n = 0; n < 10_000; n++) {
            byte[] bytes = new byte[2 + 2 * random.nextInt(1, 30)];
            random.nextBytes(bytes);
            // Word 0 holds the checksum.
            TestFrame.putU16(bytes, 0, 0);
            TestFrame.putU16(bytes, 0, ~ReferenceChecksum.sum(bytes) & 0xFFFF);
            int at = 2 + random.nextInt(bytes.length - 3);
            int oldValue = TestFrame.u16(bytes, at);
            int newValue = random.nextInt(4) == 0 ? oldValue ^ 0xFFFF : random.nextInt(0x10000);
            boolean odd = (at & 1) != 0;

            int updated = InternetChecksum.update(TestFrame.u16(bytes, 0),
                    odd ? InternetChecksum.swap(oldValue) : oldValue, odd ? InternetChecksum.swap(newValue) : newValue);

            TestFrame.putU16(bytes, at, newValue);
            TestFrame.putU16(bytes, 0, 0);
            int expected = ~ReferenceChecksum.sum(bytes) & 0xFFFF;
            if (expected == 0xFFFF) {
                expected = 0x0000; // only all-zero data sums to +0; both zeros verify, equation 3 gives 0x0000 here
            }
            assertEquals(expected, updated, "case " + n);
        }
    }

    @Test
    void incrementalUpdateFromNegativeZeroStillVerifies() {
        // The old checksum 0xFFFF is the other zero: the update must equal what 0x0000 would give.
        SplittableRandom random = new SplittableRandom(8);
        for (int n = 0; n < 1_000; n++) {
            int oldWord = random.nextInt(0x10000);
            int newWord = random.nextInt(1, 0x10000);
            assertEquals(InternetChecksum.update(0x0000, oldWord, newWord),
                    InternetChecksum.update(0xFFFF, oldWord, newWord), oldWord + " -> " + newWord);
        }
    }

    @Test
    void bulkSumEqualsTheWordSumAtEveryLengthAndStart() {
        SplittableRandom random = new SplittableRandom(1071);
        byte[] bytes = new byte[300];
        for (int round = 0; round < 20; round++) {
            random.nextBytes(bytes);
            if (round % 5 == 0) {
                Arrays.fill(bytes, (byte) 0xFF); // sums near the 0xFFFF/0x0000 boundary
            }
            if (round % 7 == 0) {
                Arrays.fill(bytes, (byte) 0); // the all-zero sum
            }
            ByteBuffer heap = ByteBuffer.wrap(bytes);
            ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.LITTLE_ENDIAN).put(0, bytes);
            for (int start = 0; start < 17; start++) {
                for (int length = 0; start + length <= bytes.length; length++) {
                    int initial = random.nextInt(0x10000);
                    int expected = InternetChecksum.sum(heap, start, length, initial);
                    assertEquals(expected, InternetChecksum.bulkSum(heap, start, length, initial), start + "+" + length);
                    assertEquals(expected, InternetChecksum.bulkSum(direct, start, length, initial), start + "+" + length);
                }
            }
        }
    }

    @Test
    void bulkSumOfSixtyFourKilobytesOfOnesMatchesTheReference() {
        byte[] bytes = new byte[65_536];
        Arrays.fill(bytes, (byte) 0xFF);
        bytes[12_345] = 0x12;
        assertEquals(ReferenceChecksum.sum(bytes), InternetChecksum.bulkSum(ByteBuffer.wrap(bytes), 0, bytes.length, 0xFFFF));
        new SplittableRandom(64).nextBytes(bytes);
        assertEquals(ReferenceChecksum.sum(bytes), InternetChecksum.bulkSum(ByteBuffer.wrap(bytes), 0, bytes.length, 0));
    }

    @Test
    void copyAndSumCopiesExactlyTheRangeAndSumsItLikeBulkSum() {
        SplittableRandom random = new SplittableRandom(1141);
        byte[] bytes = new byte[200];
        for (int round = 0; round < 300; round++) {
            random.nextBytes(bytes);
            int start = random.nextInt(20);
            int length = random.nextInt(bytes.length - start + 1);
            int to = random.nextInt(20);
            ByteBuffer source = random.nextBoolean() ? ByteBuffer.wrap(bytes) : ByteBuffer.allocateDirect(200).put(0, bytes);
            ByteBuffer destination = random.nextBoolean() ? ByteBuffer.allocate(240) : ByteBuffer.allocateDirect(240);
            int initial = random.nextInt(0x10000);
            assertEquals(InternetChecksum.bulkSum(source, start, length, initial),
                    InternetChecksum.copyAndSum(source, start, destination, to, length, initial), "round " + round);
            for (int i = 0; i < 240; i++) {
                byte expected = i >= to && i < to + length ? bytes[start + i - to] : 0;
                assertEquals(expected, destination.get(i), "round " + round + ", byte " + i);
            }
        }
    }
}
