package org.tapbridge.inet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing of the IP/TCP header parsing in {@link TcpMssClamp} (Jazzer; see scripts/fuzz.sh).
 * Input: the tunnel's largest frame (u16, big-endian), then the frame. Every input must give a result code,
 * never an exception, write nothing outside the frame, write nothing unless it clamped, and leave a clamped
 * frame whose TCP checksum is as valid as before and that a second clamp leaves alone. Seeds and
 * regression inputs: {@code src/test/resources/org/tapbridge/inet/MssClampFuzzTestInputs/}.
 */
class MssClampFuzzTest {
    private static final byte SENTINEL = (byte) 0xA5;
    private static final int LEAD = 7;
    private static final int TAIL = 9;
    /** Libfuzzer's inputs stay far below this; longer ones are cut. */
    private static final int MAX_FRAME = 9_000;

    private final TcpMssClamp clamp = new TcpMssClamp();
    private final ByteBuffer heap = ByteBuffer.allocate(LEAD + MAX_FRAME + TAIL).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer direct = ByteBuffer.allocateDirect(LEAD + MAX_FRAME + TAIL);

    @FuzzTest
    void clampsAnyFrameWithoutAnExceptionOrAStrayWrite(byte[] input) {
        if (input.length < 2) {
            return;
        }
        int maxFrameLength = (input[0] & 0xFF) << 8 | input[1] & 0xFF;
        byte[] frame = Arrays.copyOfRange(input, 2, Math.min(input.length, 2 + MAX_FRAME));
        // The parity of the length picks the buffer kind, so both are exercised and an input replays alike.
        ByteBuffer buffer = (frame.length & 1) == 0 ? heap : direct;

        byte[] after = run(buffer, frame, maxFrameLength);
        int result = lastResult;
        assertTrue(result >= 0 && result < ClampResult.COUNT, "result code " + result);
        if (result != ClampResult.CLAMPED) {
            assertArrayEquals(frame, after, "a frame the clamp did not clamp was written: " + ClampResult.describe(result));
            return;
        }
        TestFrame layout = ReferenceLocator.locate(frame, frame.length);
        assertTrue(layout != null, "clamped a frame the reference finds no TCP header in");
        assertEquals(layout.tcpChecksumValid(frame), layout.tcpChecksumValid(after),
                "a clamp changed whether the TCP checksum is valid");
        for (int i = 0; i < frame.length; i++) {
            if (frame[i] != after[i]) {
                assertTrue(i >= layout.tcpStart && i < layout.tcpStart + 60,
                        "byte " + i + " outside the TCP header changed");
            }
        }
        byte[] again = run(buffer, after, maxFrameLength);
        assertEquals(ClampResult.WITHIN_LIMIT, lastResult, "a clamped frame must fit on the second clamp");
        assertArrayEquals(after, again, "the second clamp wrote");
    }

    private int lastResult;

    /** Clamps a copy of {@code frame} placed between sentinels; checks the sentinels and the buffer's state. */
    private byte[] run(ByteBuffer buffer, byte[] frame, int maxFrameLength) {
        for (int i = 0; i < LEAD + frame.length + TAIL; i++) {
            buffer.put(i, SENTINEL);
        }
        buffer.put(LEAD, frame);
        buffer.position(3);
        lastResult = clamp.clamp(buffer, LEAD, frame.length, maxFrameLength);
        assertEquals(3, buffer.position(), "position moved");
        for (int i = 0; i < LEAD; i++) {
            assertEquals(SENTINEL, buffer.get(i), "byte before the frame written");
        }
        for (int i = LEAD + frame.length; i < LEAD + frame.length + TAIL; i++) {
            assertEquals(SENTINEL, buffer.get(i), "byte after the frame written");
        }
        byte[] after = new byte[frame.length];
        buffer.get(LEAD, after);
        return after;
    }
}
