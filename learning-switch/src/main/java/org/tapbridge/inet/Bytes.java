package org.tapbridge.inet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Network-order reads and writes at absolute indexes, whatever the buffer's own byte order. */
final class Bytes {
    // Views ignore the buffer's byte order; plain get/set is allowed at any alignment.
    private static final VarHandle SHORT_BE = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

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
}
