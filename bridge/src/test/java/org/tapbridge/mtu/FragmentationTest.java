package org.tapbridge.mtu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Splitting frames into tunnel fragments and putting them back together at the peer. */
class FragmentationTest {
    private static final long T0 = 5_000_000_000L;
    private static final long MS = 1_000_000L;

    private final SplittableRandom random = new SplittableRandom(42);
    private final Fragmenter fragmenter = new Fragmenter(1000);

    /** All pieces of {@code frame}, each a separate array as it would travel in its own message. */
    private List<byte[]> split(byte[] frame, int maxPayload, int frameId) {
        ByteBuffer in = Packets.place(Packets.Kind.DIRECT_BIG_ENDIAN, frame, 5, 0);
        int count = fragmenter.count(frame.length, maxPayload);
        assertTrue(count >= 2, "count " + count + " for " + frame.length + " in " + maxPayload);
        ByteBuffer out = ByteBuffer.allocate(maxPayload + 3);
        List<byte[]> pieces = new ArrayList<>();
        for (int index = 0; index < count; index++) {
            int written = fragmenter.write(in, 5, frame.length, index, count, frameId, maxPayload, out, 3);
            assertTrue(written > FragmentHeader.HEADER_LENGTH && written <= maxPayload, "written " + written);
            pieces.add(Packets.read(out, 3, written));
        }
        return pieces;
    }

    private static int accept(FragmentReassembler reassembler, byte[] piece, long nowNs) {
        ByteBuffer msg = Packets.place(Packets.Kind.HEAP_LITTLE_ENDIAN, piece, 9, 4);
        return reassembler.accept(msg, 9, piece.length, nowNs);
    }

    private static byte[] completedFrame(FragmentReassembler reassembler) {
        return Packets.read(reassembler.frameBuffer(), reassembler.frameOffset(), reassembler.frameLength());
    }

    @Test
    void countsTheFewestBalancedPiecesThatFit() {
        assertEquals(3, fragmenter.count(3000, 1452), "1440 bytes of room each");
        assertEquals(2, fragmenter.count(2880, 1452));
        assertEquals(3, fragmenter.count(2881, 1452));
        assertEquals(2, fragmenter.count(100, 1452), "a fragmented frame has two pieces at least");
        assertEquals(2, fragmenter.count(2, 13));
        assertEquals(64, fragmenter.count(64 * 100, 112));
        assertEquals(0, fragmenter.count(64 * 100 + 1, 112), "65 pieces");
        assertEquals(0, fragmenter.count(1, 1452), "one byte cannot be split");
        assertEquals(0, fragmenter.count(65536, 1452), "the length field is 16 bits");
        assertEquals(0, fragmenter.count(1000, 12), "no room after the header");
        assertEquals(2, fragmenter.count(65535, Integer.MAX_VALUE), "a huge room does not overflow");
    }

    @Test
    void writesTheHeaderAsTheDiagramShowsAndBalancedPieces() {
        byte[] frame = Packets.random(random, 3001);
        List<byte[]> pieces = split(frame, 1452, 0xCAFEF00D);
        assertEquals(3, pieces.size());
        int[] lengths = {1001, 1001, 999}; // ceil(3001 / 3) each, the rest last
        int offset = 0;
        for (int index = 0; index < 3; index++) {
            byte[] piece = pieces.get(index);
            assertEquals(12 + lengths[index], piece.length);
            assertEquals(3, piece[0], "control type FRAGMENT");
            assertEquals(index, piece[1], "index");
            assertEquals(3, piece[2], "count");
            assertEquals(0, piece[3], "reserved");
            assertEquals(0xCAFEF00DL, Packets.u32(piece, 4), "frame id");
            assertEquals(3001, Packets.u16(piece, 8), "total length");
            assertEquals(offset, Packets.u16(piece, 10), "offset in the frame");
            for (int i = 0; i < lengths[index]; i++) {
                assertEquals(frame[offset + i], piece[12 + i]);
            }
            offset += lengths[index];
        }
        FragmentHeader header = new FragmentHeader().wrap(ByteBuffer.wrap(pieces.get(2)), 0);
        assertEquals(ControlType.FRAGMENT, header.controlType());
        assertEquals(2, header.index());
        assertEquals(0xCAFEF00D, header.frameId());
        assertEquals(2002, header.chunkOffset());
        assertTrue(header.isConsistent(999));
        assertTrue(!header.isConsistent(1000));
    }

    @Test
    void writeRefusesPiecesThatWouldNotFitOrBeEmpty() {
        ByteBuffer frame = ByteBuffer.allocate(100);
        ByteBuffer out = ByteBuffer.allocate(200);
        assertEquals(0, fragmenter.write(frame, 0, 10, 0, 6, 1, 200, out, 0), "10 in 6: ceil 2, last piece empty");
        assertEquals(0, fragmenter.write(frame, 0, 100, 0, 2, 1, 61, out, 0), "50 + 12 > 61");
        assertEquals(62, fragmenter.write(frame, 0, 100, 0, 2, 1, 62, out, 0));
        assertEquals(0, fragmenter.write(frame, 0, 100, 2, 2, 1, 200, out, 0), "index beyond count");
        assertEquals(0, fragmenter.write(frame, 0, 100, 0, 1, 1, 200, out, 0), "count 1");
        assertEquals(0, fragmenter.write(frame, 0, 100, 0, 65, 1, 200, out, 0), "count 65");
        assertEquals(0, fragmenter.write(frame, 1, 100, 0, 2, 1, 200, out, 0), "frame beyond its buffer");
        assertEquals(0, fragmenter.write(frame, 0, 100, 0, 2, 1, 200, out, 150), "out too short");
        assertEquals(0, fragmenter.write(frame, 0, 100, 0, 2, 1, 200, out.asReadOnlyBuffer(), 0), "read-only");
        assertEquals(0, fragmenter.write(frame, 0, 40, 0, 2, 1, 200, frame, 39), "overlapping");
        assertEquals(32, fragmenter.write(frame, 0, 40, 0, 2, 1, 200, frame, 40), "adjacent");
    }

    @ParameterizedTest
    @EnumSource(Order.class)
    void reassemblesRandomFramesOfEveryLengthAndPayload(Order order) {
        FragmentReassembler reassembler = new FragmentReassembler(4, 9000);
        int[] payloads = {200, 300, 576, 1000, 1452, 4000};
        Random shuffler = new Random(7);
        int frames = 0;
        for (int round = 0; round < 400; round++) {
            int length = 60 + random.nextInt(9000 - 60 + 1);
            int maxPayload = payloads[round % payloads.length];
            if (fragmenter.count(length, maxPayload) == 0) {
                continue; // more than 64 pieces: the sender drops it
            }
            byte[] frame = Packets.random(random, length);
            List<byte[]> pieces = split(frame, maxPayload, fragmenter.nextFrameId());
            if (order == Order.SHUFFLED) {
                Collections.shuffle(pieces, shuffler);
            } else if (order == Order.WITH_DUPLICATES) {
                pieces.add(1 + shuffler.nextInt(pieces.size() - 1), pieces.get(0).clone());
            }
            long now = T0 + round * MS;
            int complete = 0;
            for (int i = 0; i < pieces.size(); i++) {
                int status = accept(reassembler, pieces.get(i), now);
                if (status == FragmentReassembler.COMPLETE) {
                    complete++;
                    assertEquals(pieces.size() - 1, i, "completes with its last piece");
                    assertArrayEquals(frame, completedFrame(reassembler), "frame " + round);
                } else if (order == Order.WITH_DUPLICATES && status == FragmentReassembler.DUPLICATE) {
                    assertTrue(i > 0);
                } else {
                    assertEquals(FragmentReassembler.INCOMPLETE, status, "piece " + i + " of round " + round);
                }
            }
            assertEquals(1, complete);
            frames++;
        }
        assertTrue(frames > 300, frames + " frames went through");
        assertEquals(frames, reassembler.completed());
        assertEquals(order == Order.WITH_DUPLICATES ? frames : 0, reassembler.duplicate());
        assertEquals(0, reassembler.malformed() + reassembler.evicted() + reassembler.expired());
    }

    enum Order { IN_ORDER, SHUFFLED, WITH_DUPLICATES }

    @Test
    void aFrameWithAMissingPieceExpiresAfterTheTimeoutAndIsCounted() {
        FragmentReassembler reassembler = new FragmentReassembler(4, 9000, 100 * MS);
        List<byte[]> pieces = split(Packets.random(random, 5000), 1452, 1);
        for (int i = 0; i < pieces.size() - 1; i++) {
            assertEquals(FragmentReassembler.INCOMPLETE, accept(reassembler, pieces.get(i), T0 + i));
        }
        assertEquals(0, reassembler.expire(T0 + 100 * MS), "not older than the timeout yet");
        assertEquals(1, reassembler.busySlots());
        assertEquals(1, reassembler.expire(T0 + 100 * MS + 1));
        assertEquals(1, reassembler.expired());
        assertEquals(0, reassembler.busySlots());
        // The missing piece arriving late starts a new partial frame, which expires in turn.
        assertEquals(FragmentReassembler.INCOMPLETE, accept(reassembler, pieces.get(pieces.size() - 1), T0 + 200 * MS));
        assertEquals(1, reassembler.expire(T0 + 301 * MS));
        assertEquals(2, reassembler.expired());
        assertEquals(0, reassembler.completed());
    }

    @Test
    void moreFramesThanSlotsEvictTheOldestAndLaterFramesStillComplete() {
        FragmentReassembler reassembler = new FragmentReassembler(4, 9000);
        List<byte[]> frames = new ArrayList<>();
        List<List<byte[]>> pieces = new ArrayList<>();
        for (int f = 0; f < 6; f++) {
            frames.add(Packets.random(random, 3000 + f));
            pieces.add(split(frames.get(f), 1452, fragmenter.nextFrameId()));
        }
        for (int f = 0; f < 6; f++) {
            assertEquals(FragmentReassembler.INCOMPLETE, accept(reassembler, pieces.get(f).get(0), T0 + f));
        }
        assertEquals(2, reassembler.evicted(), "frames 0 and 1 made room for 4 and 5");
        for (int f = 2; f < 6; f++) {
            for (int i = 1; i < pieces.get(f).size(); i++) {
                int status = accept(reassembler, pieces.get(f).get(i), T0 + 10);
                if (i < pieces.get(f).size() - 1) {
                    assertEquals(FragmentReassembler.INCOMPLETE, status);
                } else {
                    assertEquals(FragmentReassembler.COMPLETE, status);
                    assertArrayEquals(frames.get(f), completedFrame(reassembler));
                }
            }
        }
        assertEquals(4, reassembler.completed());
        assertEquals(2, reassembler.evicted());
        // An overdue partial frame pushed out for room counts as expired, not evicted.
        for (int f = 0; f < 4; f++) {
            accept(reassembler, split(Packets.random(random, 3000), 1452, 900 + f).get(0), T0 + 20);
        }
        accept(reassembler, split(Packets.random(random, 3000), 1452, 999).get(0), T0 + 20 + 2_000 * MS);
        assertEquals(1, reassembler.expired());
        assertEquals(2, reassembler.evicted());
    }

    @Test
    void duplicatesAreCountedAndThePartialFrameIsKept() {
        FragmentReassembler reassembler = new FragmentReassembler(2, 9000);
        byte[] frame = Packets.random(random, 4000);
        List<byte[]> pieces = split(frame, 1452, 77);
        assertEquals(FragmentReassembler.INCOMPLETE, accept(reassembler, pieces.get(1), T0));
        assertEquals(FragmentReassembler.DUPLICATE, accept(reassembler, pieces.get(1), T0));
        assertEquals(FragmentReassembler.INCOMPLETE, accept(reassembler, pieces.get(0), T0));
        assertEquals(FragmentReassembler.DUPLICATE, accept(reassembler, pieces.get(0), T0));
        assertEquals(FragmentReassembler.COMPLETE, accept(reassembler, pieces.get(2), T0));
        assertArrayEquals(frame, completedFrame(reassembler));
        assertEquals(2, reassembler.duplicate());
        assertEquals(1, reassembler.busySlots(), "the completed frame's slot is held until the next call");
        assertEquals(0, reassembler.expire(T0));
        assertEquals(0, reassembler.busySlots());
        assertEquals(0, reassembler.frameLength(), "the completed frame is gone after the next call");
    }

    @Test
    void malformedFragmentsAreCountedAndDroppedWithoutHarmingThePartialFrame() {
        FragmentReassembler reassembler = new FragmentReassembler(4, 5000);
        byte[] frame = Packets.random(random, 4000);
        List<byte[]> pieces = split(frame, 1452, 5);
        assertEquals(FragmentReassembler.INCOMPLETE, accept(reassembler, pieces.get(0), T0));
        byte[] good = pieces.get(1);
        List<byte[]> bad = new ArrayList<>();
        bad.add(with(good, 0, 1)); // a path-MTU probe is no fragment
        bad.add(with(good, 0, 0));
        bad.add(with(good, 3, 1)); // reserved
        bad.add(with(good, 2, 0)); // count 0
        bad.add(with(good, 2, 1)); // count 1
        bad.add(with(good, 2, 65)); // count 65
        bad.add(with(with(good, 1, 3), 2, 3)); // index == count
        bad.add(with(good, 1, 2)); // index 2 at piece 1's offset
        bad.add(with(good, 11, good[11] + 1)); // offset off by one
        bad.add(Arrays.copyOf(good, good.length - 1)); // one byte short
        bad.add(Arrays.copyOf(good, good.length + 1)); // one byte long
        bad.add(Arrays.copyOf(good, 11)); // no whole header
        bad.add(new byte[0]);
        // Same id, another consistent split: a different total (4002 in 3) or count (4000 in 4).
        bad.add(split(Packets.random(random, 4002), 1452, 5).get(1));
        bad.add(split(Packets.random(random, 4000), 1100, 5).get(1));
        for (byte[] piece : bad) {
            assertEquals(FragmentReassembler.MALFORMED, accept(reassembler, piece, T0));
        }
        // Longer than this reassembler takes, though consistent.
        assertEquals(FragmentReassembler.MALFORMED, accept(reassembler, split(Packets.random(random, 5001), 1452, 6)
                .get(0), T0));
        assertEquals(FragmentReassembler.MALFORMED, reassembler.accept(ByteBuffer.wrap(good), 1, good.length, T0),
                "range beyond the buffer");
        assertEquals(FragmentReassembler.MALFORMED, reassembler.accept(null, 0, 12, T0));
        assertEquals(bad.size() + 3, reassembler.malformed());
        assertEquals(1, reassembler.busySlots(), "no malformed piece took a slot");
        assertEquals(FragmentReassembler.INCOMPLETE, accept(reassembler, pieces.get(1), T0));
        assertEquals(FragmentReassembler.COMPLETE, accept(reassembler, pieces.get(2), T0));
        assertArrayEquals(frame, completedFrame(reassembler));
    }

    private static byte[] with(byte[] piece, int index, int value) {
        byte[] copy = piece.clone();
        copy[index] = (byte) value;
        return copy;
    }

    @Test
    void frameIdsWrapAndAreComparedByEqualityOnly() {
        Fragmenter wrapping = new Fragmenter(0xFFFF_FFFE);
        FragmentReassembler reassembler = new FragmentReassembler(4, 9000);
        int[] ids = new int[4];
        List<byte[]> frames = new ArrayList<>();
        List<List<byte[]>> pieces = new ArrayList<>();
        for (int f = 0; f < 4; f++) {
            ids[f] = wrapping.nextFrameId();
            frames.add(Packets.random(random, 2000 + f));
            pieces.add(split(frames.get(f), 1100, ids[f]));
        }
        assertArrayEquals(new int[] {0xFFFF_FFFE, 0xFFFF_FFFF, 0, 1}, ids);
        for (int f = 0; f < 4; f++) {
            assertEquals(FragmentReassembler.INCOMPLETE, accept(reassembler, pieces.get(f).get(1), T0));
        }
        for (int f = 3; f >= 0; f--) {
            assertEquals(FragmentReassembler.COMPLETE, accept(reassembler, pieces.get(f).get(0), T0));
            assertArrayEquals(frames.get(f), completedFrame(reassembler));
        }
    }

    @Test
    void timeoutsHoldAcrossTheWrapOfTheNanosecondClock() {
        FragmentReassembler reassembler = new FragmentReassembler(2, 9000, 100 * MS);
        List<byte[]> pieces = split(Packets.random(random, 3000), 1452, 3);
        long beforeWrap = Long.MAX_VALUE - 10 * MS;
        accept(reassembler, pieces.get(0), beforeWrap);
        assertEquals(0, reassembler.expire(beforeWrap + 50 * MS));
        assertEquals(1, reassembler.expire(beforeWrap + 101 * MS));
    }

    @Test
    void rejectsBadSettingsNamingTheLimit() {
        assertEquals("reassembly slots=0 outside 1..64",
                assertThrows(IllegalArgumentException.class, () -> new FragmentReassembler(0, 9000)).getMessage());
        assertEquals("reassembly maxFrameLength=65536 outside 2..65535",
                assertThrows(IllegalArgumentException.class, () -> new FragmentReassembler(4, 65536)).getMessage());
        assertEquals("reassembly timeoutNs=0 <= 0",
                assertThrows(IllegalArgumentException.class, () -> new FragmentReassembler(4, 9000, 0)).getMessage());
    }

    /**
     * 10 000 messages mixing real pieces (shuffled within a window, some duplicated, some lost) with pieces
     * whose header or length was mutated, pieces relabelled with another frame's id, and garbage. Nothing
     * throws, and every frame the reassembler completes is one that was really sent.
     */
    @Test
    void survivesTenThousandRandomAndMutatedFragmentsAndCompletesOnlyRealFrames() {
        SplittableRandom rnd = new SplittableRandom(1234);
        Random shuffler = new Random(99);
        FragmentReassembler reassembler = new FragmentReassembler(4, 9000, 50 * MS);
        Map<Integer, byte[]> sent = new HashMap<>();
        List<byte[]> recent = new ArrayList<>();
        List<byte[]> window = new ArrayList<>();
        long now = T0;
        int messages = 0;
        int[] statuses = new int[FragmentReassembler.STATUS_COUNT];
        while (messages < 10_000) {
            if (window.isEmpty()) {
                // A window of a few frames, their pieces interleaved.
                int frames = 1 + rnd.nextInt(4);
                for (int f = 0; f < frames; f++) {
                    int length = 60 + rnd.nextInt(9000 - 60 + 1);
                    if (sent.containsKey(length)) {
                        continue; // lengths unique, so pieces relabelled onto another frame never fit it
                    }
                    byte[] frame = Packets.random(rnd, length);
                    sent.put(length, frame);
                    window.addAll(split(frame, 300 + rnd.nextInt(1200), fragmenter.nextFrameId()));
                }
                if (window.isEmpty()) {
                    continue;
                }
                Collections.shuffle(window, shuffler);
            }
            byte[] genuine = window.remove(window.size() - 1);
            recent.add(genuine);
            if (recent.size() > 64) {
                recent.remove(0);
            }
            byte[] message;
            int kind = rnd.nextInt(100);
            if (kind < 60) {
                message = genuine;
            } else if (kind < 65) {
                continue; // lost
            } else if (kind < 72) {
                message = recent.get(rnd.nextInt(recent.size())); // a duplicate, maybe of a finished frame
            } else if (kind < 82) {
                message = with(genuine, rnd.nextInt(12), rnd.nextInt(256)); // one header byte changed
            } else if (kind < 86) {
                message = Arrays.copyOf(genuine, rnd.nextInt(genuine.length + 20)); // cut or padded
            } else if (kind < 93) {
                message = genuine.clone(); // relabelled with the id of another recent piece
                System.arraycopy(recent.get(rnd.nextInt(recent.size())), 4, message, 4, 4);
            } else {
                message = Packets.random(rnd, rnd.nextInt(1500));
                if (message.length > 0 && rnd.nextBoolean()) {
                    message[0] = 3;
                }
            }
            now += rnd.nextInt(3) * MS;
            int status = accept(reassembler, message, now);
            statuses[status]++;
            if (status == FragmentReassembler.COMPLETE) {
                byte[] frame = completedFrame(reassembler);
                assertArrayEquals(sent.get(frame.length), frame, "completed a frame of " + frame.length
                        + " bytes that was never sent");
            }
            if (messages % 50 == 0) {
                reassembler.expire(now);
            }
            messages++;
        }
        String summary = Arrays.toString(statuses) + " completed=" + reassembler.completed() + " evicted="
                + reassembler.evicted() + " expired=" + reassembler.expired() + " malformed=" + reassembler.malformed()
                + " duplicate=" + reassembler.duplicate();
        System.out.println("robustness: statuses [incomplete, complete, malformed, duplicate] " + summary);
        assertTrue(reassembler.completed() > 100, summary);
        assertTrue(reassembler.malformed() > 1000 && reassembler.duplicate() > 50, summary);
        assertTrue(reassembler.evicted() + reassembler.expired() > 0, summary);
        assertEquals(statuses[FragmentReassembler.COMPLETE], reassembler.completed());
        assertEquals(statuses[FragmentReassembler.MALFORMED], reassembler.malformed());
        assertEquals(statuses[FragmentReassembler.DUPLICATE], reassembler.duplicate());
    }
}
