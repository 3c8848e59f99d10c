package org.tapbridge.fakes;

import java.nio.ByteBuffer;

/** Builds Ethernet frames for tests. */
public final class Frames {
    private Frames() {
    }

    /** An untagged frame with the given addresses, EtherType 0x88b5 (local experimental) and a payload. */
    public static byte[] ethernet(long destination, long source, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + Math.max(46, payload.length));
        putMac(b, destination);
        putMac(b, source);
        b.putShort((short) 0x88b5);
        b.put(payload);
        return b.array();
    }

    private static void putMac(ByteBuffer b, long mac) {
        for (int shift = 40; shift >= 0; shift -= 8) {
            b.put((byte) (mac >>> shift));
        }
    }
}
