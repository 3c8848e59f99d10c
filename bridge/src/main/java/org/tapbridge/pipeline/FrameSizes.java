package org.tapbridge.pipeline;

import org.tapbridge.crypto.TransportCipher;

/**
 * The one place that says how big frames and slots get. A frame is the TAP MTU plus the Ethernet header
 * and up to two VLAN tags; a slot holds a frame with room for the message header before it and the tag
 * after it, plus one byte so a read that fills the room is known to be cut short.
 */
public final class FrameSizes {
    /** The largest TAP MTU accepted: a frame plus its sealing still fits one UDP datagram and one TCP record. */
    public static final int MAX_TAP_MTU = 65000;
    /** Ethernet header and two VLAN tags (QinQ). */
    public static final int L2_HEADROOM = 14 + 4 + 4;

    private FrameSizes() {
    }

    /** The largest Ethernet frame a TAP of this MTU delivers. */
    public static int maxFrame(int tapMtu) {
        if (tapMtu <= 0 || tapMtu > MAX_TAP_MTU) {
            throw new IllegalArgumentException("TAP MTU " + tapMtu + " is outside 1.." + MAX_TAP_MTU);
        }
        return tapMtu + L2_HEADROOM;
    }

    /** Bytes per ring slot for a TAP of this MTU, a multiple of 64 so slots start on cache lines. */
    public static int slotBytes(int tapMtu) {
        return slotBytesFor(maxFrame(tapMtu));
    }

    /**
     * Bytes per ring slot for reads of up to {@code largestRead} bytes (a TAP's {@code maxFrame}, or a
     * super-frame with offloads), a multiple of 64.
     */
    public static int slotBytesFor(int largestRead) {
        int bytes = FrameSlot.FRAME_OFFSET + largestRead + TransportCipher.TAG_LENGTH + 1;
        return (bytes + 63) & ~63;
    }
}
