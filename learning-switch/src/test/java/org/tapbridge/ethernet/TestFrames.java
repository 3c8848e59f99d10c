package org.tapbridge.ethernet;

import java.nio.ByteBuffer;

/** Builds raw frames for tests. */
public final class TestFrames {
    private TestFrames() {
    }

    /** An untagged frame of {@code length} bytes (at least 14) at index 0 of a fresh direct buffer. */
    public static ByteBuffer untagged(long destination, long source, int etherType, int length) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(length);
        MacAddress.write(buffer, 0, destination);
        MacAddress.write(buffer, 6, source);
        buffer.putShort(12, (short) etherType);
        return buffer;
    }

    /** A frame with one tag (TPID 0x8100 or 0x88a8) of {@code length} bytes (at least 18). */
    public static ByteBuffer tagged(long destination, long source, int tpid, int priority, int vlanId, int etherType,
                                    int length) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(length);
        MacAddress.write(buffer, 0, destination);
        MacAddress.write(buffer, 6, source);
        buffer.putShort(12, (short) tpid);
        buffer.putShort(14, (short) (priority << 13 | vlanId));
        buffer.putShort(16, (short) etherType);
        return buffer;
    }
}
