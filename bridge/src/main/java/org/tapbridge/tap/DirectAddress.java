package org.tapbridge.tap;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;

/**
 * Native address of a direct ByteBuffer, remembering the last buffer so that the usual case (the same
 * buffer again) costs one reference comparison; otherwise one JNI call. Never allocates. One per thread.
 */
final class DirectAddress {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private ByteBuffer lastBuffer;
    private long lastAddress;

    /** Address of {@code buffer}'s element {@code offset}, after checking that [offset, offset+length) fits. */
    long of(ByteBuffer buffer, int offset, int length, String device) {
        if (buffer != lastBuffer) {
            if (!buffer.isDirect()) {
                throw new IllegalArgumentException("TAP " + device + " needs a direct ByteBuffer (native memory),"
                        + " got a heap buffer: allocate frame memory with ByteBuffer.allocateDirect");
            }
            lastAddress = MEMORY.getDirectBufferAddress(buffer);
            lastBuffer = buffer;
        }
        if (offset < 0 || length <= 0 || offset > buffer.capacity() - length) {
            throw new IndexOutOfBoundsException("TAP " + device + ": region [" + offset + ", " + offset + "+" + length
                    + ") is outside the buffer's capacity " + buffer.capacity());
        }
        return lastAddress + offset;
    }
}
