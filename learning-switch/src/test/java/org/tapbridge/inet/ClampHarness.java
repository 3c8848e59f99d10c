package org.tapbridge.inet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Runs the clamp on a copy of a frame placed inside a bigger buffer whose other bytes hold a sentinel,
 * and checks that nothing outside the frame changed, nor the buffer's position, limit and order.
 */
final class ClampHarness {
    static final byte SENTINEL = (byte) 0xA5;
    static final int LEAD = 7;
    static final int TAIL = 24;

    private final TcpMssClamp clamp = new TcpMssClamp();
    private boolean direct = true;

    /** Alternates heap and direct buffers (and their byte orders) from call to call. */
    Outcome run(byte[] frame, int length, int maxFrameLength) {
        direct = !direct;
        ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(LEAD + frame.length + TAIL)
                : ByteBuffer.allocate(LEAD + frame.length + TAIL);
        // Little-endian on purpose: the clamp must read network order whatever the buffer says.
        buffer.order(direct ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < buffer.capacity(); i++) {
            buffer.put(i, SENTINEL);
        }
        buffer.put(LEAD, frame, 0, length);
        buffer.position(3);
        ByteOrder order = buffer.order();

        int result = clamp.clamp(buffer, LEAD, length, maxFrameLength);

        assertEquals(3, buffer.position(), "position unchanged");
        assertEquals(buffer.capacity(), buffer.limit(), "limit unchanged");
        assertEquals(order, buffer.order(), "byte order unchanged");
        for (int i = 0; i < buffer.capacity(); i++) {
            if (i < LEAD || i >= LEAD + length) {
                assertEquals(SENTINEL, buffer.get(i), "byte " + i + " outside the frame was written");
            }
        }
        byte[] after = frame.clone();
        buffer.get(LEAD, after, 0, length);
        return new Outcome(result, after);
    }

    Outcome run(TestFrame frame, int maxFrameLength) {
        return run(frame.bytes, frame.length(), maxFrameLength);
    }

    TcpMssClamp clamp() {
        return clamp;
    }

    /** A result code and the frame's bytes after the clamp (bytes past the given length are the input's). */
    static final class Outcome {
        final int result;
        final byte[] after;

        Outcome(int result, byte[] after) {
            this.result = result;
            this.after = after;
        }
    }
}
