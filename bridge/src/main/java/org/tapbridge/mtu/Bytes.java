package org.tapbridge.mtu;

import java.nio.ByteBuffer;

/**
 * Big-endian fields at absolute indexes, whatever the buffer's own byte order (the links may hand us
 * native-order buffers). Byte by byte: the frames that come here are the rare oversized ones.
 */
final class Bytes {
    private Bytes() {
    }

    static int u8(ByteBuffer buffer, int index) {
        return buffer.get(index) & 0xFF;
    }

    static int u16(ByteBuffer buffer, int index) {
        return (buffer.get(index) & 0xFF) << 8 | buffer.get(index + 1) & 0xFF;
    }

    static int u32(ByteBuffer buffer, int index) {
        return u16(buffer, index) << 16 | u16(buffer, index + 2);
    }

    static void put8(ByteBuffer buffer, int index, int value) {
        buffer.put(index, (byte) value);
    }

    static void put16(ByteBuffer buffer, int index, int value) {
        buffer.put(index, (byte) (value >>> 8));
        buffer.put(index + 1, (byte) value);
    }

    static void put32(ByteBuffer buffer, int index, int value) {
        put16(buffer, index, value >>> 16);
        put16(buffer, index + 2, value);
    }

    /** True when {@code [offset, offset + length)} lies inside {@code [0, buffer.limit())}. */
    static boolean inBounds(ByteBuffer buffer, int offset, int length) {
        return buffer != null && offset >= 0 && length >= 0 && (long) offset + length <= buffer.limit();
    }

    /** True when two ranges of the same buffer share a byte; ranges of different buffers never do. */
    static boolean overlap(ByteBuffer a, int aOffset, int aLength, ByteBuffer b, int bOffset, int bLength) {
        return a == b && aOffset < (long) bOffset + bLength && bOffset < (long) aOffset + aLength;
    }
}
