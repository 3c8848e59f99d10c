package org.tapbridge.offload;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Range checks and the few raw network-order accesses the offload classes need beyond the header views. */
final class Ranges {
    private static final VarHandle SHORT_BE = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG_BE = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private Ranges() {
    }

    /** True when {@code [offset, offset + length)} lies inside {@code [0, buffer.limit())}. */
    static boolean inBounds(ByteBuffer buffer, int offset, int length) {
        return buffer != null && offset >= 0 && length >= 0 && (long) offset + length <= buffer.limit();
    }

    /** {@link #inBounds} and not read-only. */
    static boolean writable(ByteBuffer buffer, int offset, int length) {
        return inBounds(buffer, offset, length) && !buffer.isReadOnly();
    }

    /** True when two ranges of the same buffer object share a byte; ranges of different objects never do. */
    static boolean overlap(ByteBuffer a, int aOffset, int aLength, ByteBuffer b, int bOffset, int bLength) {
        return a == b && aOffset < (long) bOffset + bLength && bOffset < (long) aOffset + aLength;
    }

    static int u16(ByteBuffer buffer, int index) {
        return (short) SHORT_BE.get(buffer, index) & 0xFFFF;
    }

    static void putU16(ByteBuffer buffer, int index, int value) {
        SHORT_BE.set(buffer, index, (short) value);
    }

    /** True when {@code length} bytes at absolute {@code aIndex} of {@code a} equal those at {@code bIndex} of {@code b}. */
    static boolean equal(ByteBuffer a, int aIndex, ByteBuffer b, int bIndex, int length) {
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            if ((long) LONG_BE.get(a, aIndex + i) != (long) LONG_BE.get(b, bIndex + i)) {
                return false;
            }
        }
        for (; i < length; i++) {
            if (a.get(aIndex + i) != b.get(bIndex + i)) {
                return false;
            }
        }
        return true;
    }
}
