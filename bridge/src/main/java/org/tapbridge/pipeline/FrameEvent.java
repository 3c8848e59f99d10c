package org.tapbridge.pipeline;

import java.nio.ByteBuffer;

/**
 * One ring slot: a fixed slice of direct memory holding at most one Ethernet frame, plus the switch's
 * decision about it. Created once when the ring is built and reused for ever; producers fill it, the
 * switch stage decides, the egress stage sends.
 */
public final class FrameEvent {
    /** The slot was claimed but nothing arrived: every stage skips it. */
    public static final int EMPTY = 0;
    public static final int FRAME = 1;
    /** Periodic duty: aging, keepalives, flushing. */
    public static final int TICK = 2;
    /** A request that must run on the switch thread (dumps, port changes). */
    public static final int COMMAND = 3;

    private final ByteBuffer buffer;
    int type;
    int ingressPort;
    int length;
    int egressPort;
    int[] floodPorts;
    SwitchCommand command;

    FrameEvent(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    /** The slot's memory; frames always start at index 0. */
    public ByteBuffer buffer() {
        return buffer;
    }

    public int capacity() {
        return buffer.capacity();
    }

    public int type() {
        return type;
    }

    public int length() {
        return length;
    }

    public int ingressPort() {
        return ingressPort;
    }

    /** Marks the slot as carrying a frame of {@code length} bytes that arrived on {@code ingressPort}. */
    public void setFrame(int ingressPort, int length) {
        this.type = FRAME;
        this.ingressPort = ingressPort;
        this.length = length;
        this.command = null;
    }

    public void setEmpty() {
        this.type = EMPTY;
        this.length = 0;
        this.command = null;
    }

    void setTick() {
        this.type = TICK;
        this.length = 0;
        this.command = null;
    }

    void setCommand(SwitchCommand command) {
        this.type = COMMAND;
        this.length = 0;
        this.command = command;
    }
}
