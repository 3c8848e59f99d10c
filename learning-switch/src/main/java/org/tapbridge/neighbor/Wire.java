package org.tapbridge.neighbor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Network-order reads and writes at absolute indexes, whatever the buffer's own byte order. */
final class Wire {
    private static final VarHandle SHORT_BE = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT_BE = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG_BE = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private Wire() {
    }

    static int u8(ByteBuffer buffer, int index) {
        return buffer.get(index) & 0xFF;
    }

    static void putU8(ByteBuffer buffer, int index, int value) {
        buffer.put(index, (byte) value);
    }

    static int u16(ByteBuffer buffer, int index) {
        return (short) SHORT_BE.get(buffer, index) & 0xFFFF;
    }

    static void putU16(ByteBuffer buffer, int index, int value) {
        SHORT_BE.set(buffer, index, (short) value);
    }

    static int s32(ByteBuffer buffer, int index) {
        return (int) INT_BE.get(buffer, index);
    }

    static void putS32(ByteBuffer buffer, int index, int value) {
        INT_BE.set(buffer, index, value);
    }

    static long s64(ByteBuffer buffer, int index) {
        return (long) LONG_BE.get(buffer, index);
    }

    static void putS64(ByteBuffer buffer, int index, long value) {
        LONG_BE.set(buffer, index, value);
    }
}
