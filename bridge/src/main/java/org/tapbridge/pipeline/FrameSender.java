package org.tapbridge.pipeline;

import java.nio.ByteBuffer;

/** Where the egress stage sends a frame: the local TAP, or one peer link. Called on the egress thread. */
public interface FrameSender {
    /** Sends {@code length} bytes at index 0 of {@code frame}; must not keep or modify the buffer. */
    void send(ByteBuffer frame, int length, long nowNs);

    /** Periodic duty on the egress thread: keepalives, flushing queued bytes. */
    default void onTick(long nowNs) {
    }
}
