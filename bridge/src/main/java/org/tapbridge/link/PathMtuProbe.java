package org.tapbridge.link;

/**
 * Path-MTU discovery towards one UDP peer. It starts from what the kernel's route says (or the configured
 * value) and checks it with padded probes the peer must acknowledge. Each round sends a ladder of probes
 * at once, spread over the sizes still in doubt, each size {@link #COPIES} times so that a lost probe on
 * a lossy link does not shrink the MTU: the largest acknowledged becomes the floor of the next round, the
 * smallest unanswered above it (after a timeout) its ceiling, until the window is a few bytes wide.
 * The ceiling alone passing ends it in one round trip; a black hole is narrowed down in two or three
 * rounds. It verifies again every ten minutes, and restarts lower at once when the kernel refuses a
 * datagram as too big. Sizes are whole outer IP packets. Pure logic: the owner sends the probes it is
 * asked for and reports acknowledgements. Owned by the data-path thread.
 *
 * <p>It starts optimistic (at the ceiling) rather than at the floor, and keeps the size in use until a
 * round ends: announcing a small MTU to LAN hosts would make them keep it for ten minutes.
 */
final class PathMtuProbe {
    /** Unanswered this long, a probe is lost: far above a WAN round trip, short enough to converge fast. */
    static final long ROUND_TIMEOUT_NS = 500_000_000L;
    /** Probes per round: three rounds take the window from the IPv4 floor to a few bytes. */
    static final int LADDER = 8;
    /**
     * Probes sent per size: a size is judged too big only when every copy went unanswered, so with 5% loss
     * a size that passes is misjudged once in 400 rounds, with 20% once in 25.
     */
    static final int COPIES = 2;
    /** Paths change (routes move, tunnels appear): verify every ten minutes, as the kernel's own cache expires. */
    static final long REPROBE_INTERVAL_NS = 600_000_000_000L;
    /** The search stops when the window is this narrow: a few bytes of MTU are not worth more round trips. */
    static final int RESOLUTION = 8;

    private final int floor;
    private int ceiling;
    private int current;
    /** Largest size known to pass in this search, and largest not yet known to fail. */
    private int low;
    private int high;
    private boolean searching;
    private final int[] ladder = new int[LADDER];
    private final boolean[] acked = new boolean[LADDER];
    private int rungs;
    private int round;
    private long roundSentNs;
    private boolean roundOpen;
    private long nextSearchNs;

    /**
     * @param floor   the smallest MTU any path is assumed to carry (576 for IPv4, 1280 for IPv6)
     * @param ceiling the route MTU or configured value: probes never exceed it
     */
    PathMtuProbe(int floor, int ceiling) {
        this.floor = floor;
        this.ceiling = Math.max(floor, ceiling);
        this.current = this.ceiling;
        startSearch(this.ceiling, 0);
    }

    /** The MTU to send by now. */
    int current() {
        return current;
    }

    int ceiling() {
        return ceiling;
    }

    boolean searching() {
        return searching;
    }

    /** The kernel refused a datagram as too big; {@code kernelMtu} is what it now knows of the path (0: unknown). */
    void refused(int kernelMtu, long nowNs) {
        int mtu = kernelMtu > 0 ? Math.max(floor, Math.min(kernelMtu, ceiling)) : floor;
        if (mtu < current) {
            current = mtu;
            startSearch(mtu, nowNs);
        }
    }

    /**
     * Starts a round of probes when one is due; returns how many sizes to probe now (0: none), each
     * {@link #COPIES} times: {@link #probeSize(int)}, all carrying {@link #round()}.
     */
    int due(long nowNs) {
        if (!searching) {
            if (nowNs - nextSearchNs < 0) {
                return 0;
            }
            // Periodic check: upwards if we sit below the ceiling, else that the current size still passes.
            startSearch(ceiling, nowNs);
            low = current < ceiling ? current : floor;
        }
        if (roundOpen) {
            if (nowNs - roundSentNs < ROUND_TIMEOUT_NS) {
                return 0;
            }
            closeRound(nowNs);
            if (!searching) {
                return 0;
            }
        }
        if (nowNs - nextSearchNs < 0) {
            return 0;
        }
        return openRound(nowNs);
    }

    int probeSize(int i) {
        return ladder[i];
    }

    int round() {
        return round;
    }

    /** The peer acknowledged a probe of {@code size} bytes sent in round {@code id}. */
    void acknowledged(int id, int size, long nowNs) {
        if (!roundOpen || id != round) {
            return;
        }
        boolean probed = false;
        for (int i = 0; i < rungs; i++) {
            if (ladder[i] == size) {
                acked[i] = true;
                probed = true;
            }
        }
        // Only a size this round probed proves anything: any other (above the ceiling, say) must not move the MTU.
        if (!probed) {
            return;
        }
        if (size > low) {
            low = size;
            // What passes is usable at once; the size in use only drops when a round ends.
            if (size > current) {
                current = size;
            }
        }
        if (allAcked() || low >= high) {
            closeRound(nowNs);
        }
    }

    private boolean allAcked() {
        for (int i = 0; i < rungs; i++) {
            if (!acked[i]) {
                return false;
            }
        }
        return true;
    }

    private int openRound(long nowNs) {
        round++;
        roundOpen = true;
        roundSentNs = nowNs;
        // The top of the window first: when it passes, the round (and the search) ends in one round trip.
        // Evenly over (low, high], top first.
        int span = high - low;
        rungs = Math.min(LADDER, Math.max(1, (span + RESOLUTION - 1) / RESOLUTION));
        for (int i = 0; i < rungs; i++) {
            ladder[i] = low + (int) ((long) span * (rungs - i) / rungs);
            acked[i] = false;
        }
        return rungs;
    }

    private void closeRound(long nowNs) {
        roundOpen = false;
        int smallestLost = Integer.MAX_VALUE;
        for (int i = 0; i < rungs; i++) {
            if (!acked[i] && ladder[i] > low) {
                smallestLost = Math.min(smallestLost, ladder[i]);
            }
        }
        if (smallestLost != Integer.MAX_VALUE) {
            high = smallestLost - 1;
        }
        if (current > high) {
            current = Math.max(floor, low);
        }
        if (high - low <= RESOLUTION) {
            finish(nowNs);
        }
    }

    private void startSearch(int top, long nowNs) {
        searching = true;
        roundOpen = false;
        low = floor;
        high = top;
        nextSearchNs = nowNs;
    }

    private void finish(long nowNs) {
        searching = false;
        current = Math.max(floor, low);
        nextSearchNs = nowNs + REPROBE_INTERVAL_NS;
    }
}
