package org.tapbridge.benchmarks.pipeline;

import java.util.Random;

/** Ethernet frames for the pipeline benchmarks: fixed seed, a local-experimental EtherType. */
final class Frames {
    private Frames() {
    }

    static byte[] ethernet(long destination, long source, int length, long seed) {
        byte[] f = new byte[length];
        new Random(seed).nextBytes(f);
        for (int b = 0; b < 6; b++) {
            f[b] = (byte) (destination >>> (40 - 8 * b));
            f[6 + b] = (byte) (source >>> (40 - 8 * b));
        }
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        return f;
    }

    /** A locally administered unicast MAC: 02:00:00:gg:hh:hh. */
    static long host(int group, int index) {
        return 0x0200_0000_0000L | ((long) group << 16) | index;
    }
}
