package org.tapbridge.switching;

import java.util.concurrent.TimeUnit;

/** Test MACs and times. */
final class Macs {
    static final long A = 0x02_00_00_00_00_0AL;
    static final long B = 0x02_00_00_00_00_0BL;
    static final long C = 0x02_00_00_00_00_0CL;
    static final long D = 0x02_00_00_00_00_0DL;
    static final long MULTICAST = 0x01_00_5E_00_00_FBL;
    static final long BROADCAST = 0xFF_FF_FF_FF_FF_FFL;
    /** Far from zero so that no test depends on the clock starting at 0. */
    static final long T0 = TimeUnit.DAYS.toNanos(3);

    private Macs() {
    }

    /** A locally administered unicast MAC numbered n. */
    static long mac(long n) {
        return 0x02_00_00_00_00_00L | n;
    }

    static long seconds(long s) {
        return TimeUnit.SECONDS.toNanos(s);
    }

    static long millis(long ms) {
        return TimeUnit.MILLISECONDS.toNanos(ms);
    }
}
