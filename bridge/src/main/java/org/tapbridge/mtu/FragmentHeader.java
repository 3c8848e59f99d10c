package org.tapbridge.mtu;

import java.nio.ByteBuffer;

/**
 * Reusable view of the 12-byte header of a {@link ControlType#FRAGMENT} control payload; {@link #wrap}
 * re-points it. The fragment's bytes follow the header. All integers are big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Control type=3|  Index (0..)  | Count (2..64) |  Reserved = 0 |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Frame id (per-sender sequence)                |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Total frame length       |  Offset of these bytes in it  |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  This fragment's bytes ...                                       12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>Every fragment of a frame but the last carries {@code chunk = ceil(total / count)} bytes at offset
 * {@code index * chunk}; the last carries the rest. Offset and length are thus implied by total, count and
 * index, and {@link #isConsistent} checks them. Frame ids wrap (u32) and are compared by equality only.
 * The view never checks bounds itself: callers check that 12 bytes are there before reading.
 */
public final class FragmentHeader {
    public static final int CONTROL_TYPE_OFFSET = 0;
    public static final int INDEX_OFFSET = 1;
    public static final int COUNT_OFFSET = 2;
    public static final int RESERVED_OFFSET = 3;
    public static final int FRAME_ID_OFFSET = 4;
    public static final int TOTAL_LENGTH_OFFSET = 8;
    public static final int CHUNK_OFFSET_OFFSET = 10;
    public static final int HEADER_LENGTH = 12;
    /** Fragments per frame: the reassembler tracks them in one {@code long} bitmap. */
    public static final int MAX_FRAGMENTS = 64;
    /** The total-length field is 16 bits. */
    public static final int MAX_TOTAL_LENGTH = 0xFFFF;

    private ByteBuffer buffer;
    private int offset;

    /** Points this view at a header starting at absolute index {@code offset}. */
    public FragmentHeader wrap(ByteBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int controlType() {
        return Bytes.u8(buffer, offset + CONTROL_TYPE_OFFSET);
    }

    public int index() {
        return Bytes.u8(buffer, offset + INDEX_OFFSET);
    }

    public int count() {
        return Bytes.u8(buffer, offset + COUNT_OFFSET);
    }

    public int reserved() {
        return Bytes.u8(buffer, offset + RESERVED_OFFSET);
    }

    /** The u32 frame id as an {@code int}; compare by equality only. */
    public int frameId() {
        return Bytes.u32(buffer, offset + FRAME_ID_OFFSET);
    }

    public int totalLength() {
        return Bytes.u16(buffer, offset + TOTAL_LENGTH_OFFSET);
    }

    /** Where this fragment's bytes belong in the frame. */
    public int chunkOffset() {
        return Bytes.u16(buffer, offset + CHUNK_OFFSET_OFFSET);
    }

    /** Writes a whole header: type {@link ControlType#FRAGMENT}, reserved 0. */
    public void write(int index, int count, int frameId, int totalLength, int chunkOffset) {
        Bytes.put8(buffer, offset + CONTROL_TYPE_OFFSET, ControlType.FRAGMENT);
        Bytes.put8(buffer, offset + INDEX_OFFSET, index);
        Bytes.put8(buffer, offset + COUNT_OFFSET, count);
        Bytes.put8(buffer, offset + RESERVED_OFFSET, 0);
        Bytes.put32(buffer, offset + FRAME_ID_OFFSET, frameId);
        Bytes.put16(buffer, offset + TOTAL_LENGTH_OFFSET, totalLength);
        Bytes.put16(buffer, offset + CHUNK_OFFSET_OFFSET, chunkOffset);
    }

    /** {@code ceil(totalLength / count)}: the bytes every fragment but the last carries. */
    public static int chunkLength(int totalLength, int count) {
        return (totalLength + count - 1) / count;
    }

    /**
     * True when the fields describe a real piece of a real split: type {@link ControlType#FRAGMENT},
     * reserved 0, count 2..{@link #MAX_FRAGMENTS}, index below count, every piece non-empty, and the chunk
     * offset and {@code chunkBytes} (the bytes after the header) exactly those the split rule gives.
     */
    public boolean isConsistent(int chunkBytes) {
        int count = count();
        int index = index();
        int total = totalLength();
        if (controlType() != ControlType.FRAGMENT || reserved() != 0 || count < 2 || count > MAX_FRAGMENTS
                || index >= count) {
            return false;
        }
        int chunk = chunkLength(total, count);
        if ((count - 1) * chunk >= total) {
            return false; // the last piece would be empty: not a split Fragmenter makes
        }
        int start = index * chunk;
        return chunkOffset() == start && chunkBytes == Math.min(chunk, total - start);
    }
}
