package org.tapbridge.inet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Network-order reads and writes at absolute indexes, whatever the buffer's own byte order. */
final class Bytes {
    // Views ignore the buffer's byte order; plain get/set is allowed at any alignment.
    private static final VarHandle SHORT_BE = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT_BE = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG_BE = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private Bytes() {
    }

    static int u8(ByteBuffer buffer, int index) {
        return buffer.get(index) & 0xFF;
    }

    static int u16(ByteBuffer buffer, int index) {
        return (short) SHORT_BE.get(buffer, index) & 0xFFFF;
    }

    static void putU16(ByteBuffer buffer, int index, int value) {
        SHORT_BE.set(buffer, index, (short) value);
    }

    static void putU8(ByteBuffer buffer, int index, int value) {
        buffer.put(index, (byte) value);
    }

    /** A 32-bit field as an {@code int}; compare sequence numbers with wrapping arithmetic. */
    static int s32(ByteBuffer buffer, int index) {
        return (int) INT_BE.get(buffer, index);
    }

    static void putS32(ByteBuffer buffer, int index, int value) {
        INT_BE.set(buffer, index, value);
    }

    /** Eight bytes in network order as one {@code long}. */
    static long s64(ByteBuffer buffer, int index) {
        return (long) LONG_BE.get(buffer, index);
    }

    static void putS64(ByteBuffer buffer, int index, long value) {
        LONG_BE.set(buffer, index, value);
    }
}
