package org.tapbridge.link;

/**
 * Path-MTU discovery towards one UDP peer, in the manner of tinc: start from what the kernel's route says
 * (or the configured value), confirm it with a padded probe the peer must acknowledge, and when probes
 * of a size go unanswered, binary-search down to the largest size that is. Verify again periodically,
 * and restart lower at once when the kernel refuses a datagram as too big. Sizes are whole outer IP
 * packets. Pure logic: the owner sends the probes it is asked for and reports acknowledgements. Owned by
 * the data-path thread.
 *
 * <p>It starts optimistic (at the ceiling) rather than at the floor: announcing a small MTU to LAN hosts
 * would make them keep it for ten minutes, and the first probe confirms the ceiling within a round trip.
 */
final class PathMtuProbe {
    /** Unanswered this long, a probe is lost: far above a WAN round trip, short enough to converge fast. */
    static final long PROBE_TIMEOUT_NS = 500_000_000L;
    /** Tries per size before it is judged too big: a lost probe or two on a lossy link must not shrink the MTU. */
    static final int TRIES_PER_SIZE = 3;
    /** Paths change (routes move, tunnels appear): verify every ten minutes, as the kernel's own cache expires. */
    static final long REPROBE_INTERVAL_NS = 600_000_000_000L;
    /** The search stops when the window is this narrow: a few bytes of MTU are not worth more round trips. */
    static final int RESOLUTION = 8;

    private final int floor;
    private int ceiling;
    private int current;
    /** Largest size known to pass in this search, and smallest known not to pass minus one. */
    private int low;
    private int high;
    private boolean searching;
    private int probeSize;
    private int probeId;
    private int tries;
    private long probeSentNs;
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

    /** A new ceiling (route or configuration changed): search again below it. */
    void ceiling(int newCeiling, long nowNs) {
        ceiling = Math.max(floor, newCeiling);
        current = Math.min(current, ceiling);
        startSearch(ceiling, nowNs);
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
     * The size of a probe to send now, or 0 when none is due. After a non-zero answer, send a probe of that
     * many bytes carrying {@link #probeId()}.
     */
    int due(long nowNs) {
        if (!searching) {
            if (nowNs - nextSearchNs < 0) {
                return 0;
            }
            // Periodic check: up to the ceiling if we sit below it, else that the current size still passes.
            startSearch(ceiling, nowNs);
            low = current < ceiling ? current : floor;
        }
        if (probeSize != 0) {
            if (nowNs - probeSentNs < PROBE_TIMEOUT_NS) {
                return 0;
            }
            if (tries >= TRIES_PER_SIZE) {
                failed(probeSize, nowNs);
                if (!searching) {
                    return 0;
                }
            }
        }
        if (probeSize == 0) {
            probeSize = firstProbe ? high : (low + high + 1) >>> 1;
            firstProbe = false;
            tries = 0;
        }
        tries++;
        probeId++;
        probeSentNs = nowNs;
        return probeSize;
    }

    private boolean firstProbe;

    int probeId() {
        return probeId;
    }

    /** The peer acknowledged probe {@code id} of {@code size} bytes. */
    void acknowledged(int id, int size, long nowNs) {
        if (!searching || size != probeSize || id != probeId) {
            return;
        }
        low = size;
        probeSize = 0;
        if (current < low) {
            current = low;
        }
        if (high - low <= RESOLUTION) {
            finish(nowNs);
        }
    }

    private void failed(int size, long nowNs) {
        high = size - 1;
        probeSize = 0;
        // The size in use did not get through: fall back to what is known to pass until the search ends.
        if (current >= size) {
            current = Math.max(floor, low);
        }
        if (high - low <= RESOLUTION) {
            finish(nowNs);
        }
    }

    private void startSearch(int top, long nowNs) {
        searching = true;
        firstProbe = true;
        low = floor;
        high = top;
        probeSize = 0;
        tries = 0;
        nextSearchNs = nowNs;
    }

    private void finish(long nowNs) {
        searching = false;
        current = Math.max(floor, low);
        probeSize = 0;
        nextSearchNs = nowNs + REPROBE_INTERVAL_NS;
    }
}
