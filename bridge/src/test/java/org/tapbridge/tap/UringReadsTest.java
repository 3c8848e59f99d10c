package org.tapbridge.tap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.tapbridge.os.MessagePair;

/**
 * Batched reads through io_uring, over a message socket pair standing in for a TAP (one message, one
 * frame): every frame waiting is read in order, none is taken twice, and an empty queue is no error.
 */
class UringReadsTest {
    private static final int CAPACITY = 256;

    @Test
    void aBatchReadsEveryWaitingFrameInOrderAndStopsWhereTheQueueRunsDry() throws Exception {
        MessagePair pair = MessagePair.open();
        try (LinuxTapDevice tap = LinuxTapDevice.overMessageSocket("uring0", 1500, pair.first());
                LinuxTapDevice host = LinuxTapDevice.overMessageSocket("uring1", 1500, pair.second())) {
            ByteBuffer out = ByteBuffer.allocateDirect(CAPACITY);
            for (int f = 1; f <= 5; f++) {
                for (int i = 0; i < 60 + f; i++) {
                    out.put(i, (byte) (f * 16 + i));
                }
                host.write(out, 0, 60 + f);
            }
            ByteBuffer memory = ByteBuffer.allocateDirect(16 * CAPACITY);
            int[] offsets = new int[8];
            int[] lengths = new int[8];
            for (int i = 0; i < offsets.length; i++) {
                offsets[i] = i * CAPACITY;
            }

            int first = tap.readBatch(memory, offsets, CAPACITY, 3, lengths);
            assertEquals(3, first, "a batch of three reads with five frames waiting");
            int second = tap.readBatch(memory, offsets, CAPACITY, 8, lengths);
            assertEquals(2, second, "the two frames left, then reads that found nothing");
            assertArrayEquals(new int[] {64, 65}, new int[] {lengths[0], lengths[1]});
            for (int i = 0; i < 65; i++) {
                assertEquals((byte) (5 * 16 + i), memory.get(CAPACITY + i), "byte " + i + " of the fifth frame");
            }
            assertEquals(0, tap.readBatch(memory, offsets, CAPACITY, 8, lengths), "an empty queue reads nothing");
            assertEquals("io_uring, up to 64 per call", tap.readMode(), "this kernel offers io_uring");
            assertEquals(3, tap.readCalls(), "one call per batch");
        }
    }

    @Test
    void aLoneFramesTwoReadsSkipTheRingWhichIsStillReadyForTheNextBurst() throws Exception {
        MessagePair pair = MessagePair.open();
        try (LinuxTapDevice tap = LinuxTapDevice.overMessageSocket("uring2", 1500, pair.first());
                LinuxTapDevice host = LinuxTapDevice.overMessageSocket("uring3", 1500, pair.second())) {
            ByteBuffer out = ByteBuffer.allocateDirect(CAPACITY);
            host.write(out, 0, 60);
            ByteBuffer memory = ByteBuffer.allocateDirect(4 * CAPACITY);
            int[] offsets = {0, CAPACITY, 2 * CAPACITY, 3 * CAPACITY};
            int[] lengths = new int[4];

            assertEquals(1, tap.readBatch(memory, offsets, CAPACITY, 2, lengths), "the lone frame");
            assertEquals(60, lengths[0]);
            assertEquals(2, tap.readCalls(), "two plain reads: the frame, and the one that found nothing");
            assertEquals("io_uring, up to 64 per call", tap.readMode(), "the ring was set up all the same");

            for (int f = 0; f < 3; f++) {
                host.write(out, 0, 61 + f);
            }
            assertEquals(3, tap.readBatch(memory, offsets, CAPACITY, 4, lengths), "a burst of three");
            assertEquals(3, tap.readCalls(), "the burst in one io_uring call");
        }
    }
}
