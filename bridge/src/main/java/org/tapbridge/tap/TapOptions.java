package org.tapbridge.tap;

/**
 * What to open: the interface name, the MTU to set (0 leaves the device's MTU as it is), whether to
 * bring the link up, whether frames carry a vnet header with which offloads, and how many queues the
 * daemon will attach (one data-path loop each). Validated on construction, so a bad value fails before
 * any device is touched.
 *
 * @param name        1..15 bytes, no '/', ':' or whitespace, not "." or ".." (the kernel's own rules)
 * @param mtu         0, or {@value #MIN_MTU}..{@value #MAX_MTU}
 * @param bringUp     set IFF_UP after opening; skipped when the device is already up
 * @param vnetHeader  open with IFF_VNET_HDR: every frame read or written starts with a {@link VnetHeader}
 * @param offloads    {@link TapOffloads} bits to ask for (the device may end up with fewer, see
 *                    {@link LinuxTapDevice#offloads()}); 0 without a vnet header
 * @param queues      1..{@value #MAX_QUEUES}; above 1 the TAP is opened with IFF_MULTI_QUEUE and the other
 *                    queues are attached with {@link LinuxTapDevice#attachQueue()}
 */
public record TapOptions(String name, int mtu, boolean bringUp, boolean vnetHeader, int offloads, int queues) {
    /** Smallest MTU Linux accepts on an Ethernet device (ETH_MIN_MTU, the IPv4 minimum). */
    public static final int MIN_MTU = 68;
    /** Largest MTU the tun driver accepts (MAX_MTU in drivers/net/tun.c). */
    public static final int MAX_MTU = 65535;
    /** Longest interface name: IFNAMSIZ 16 minus the terminating NUL. */
    public static final int MAX_NAME_BYTES = Ifreq.IFNAMSIZ - 1;
    /**
     * Most queues: each one is a data-path loop with its own thread and frame memory, and a gateway has
     * no use for more loops than cores; the kernel's own limit (MAX_TAP_QUEUES) is 256.
     */
    public static final int MAX_QUEUES = 16;

    public TapOptions {
        String problem = nameProblem(name);
        if (problem != null) {
            throw new IllegalArgumentException("tap name " + problem);
        }
        if (mtu != 0 && (mtu < MIN_MTU || mtu > MAX_MTU)) {
            throw new IllegalArgumentException("mtu=" + mtu + (mtu < MIN_MTU ? " < " + MIN_MTU : " > " + MAX_MTU)
                    + ": use 0 to keep the device's MTU, or " + MIN_MTU + ".." + MAX_MTU);
        }
        if (!vnetHeader && offloads != 0) {
            throw new IllegalArgumentException("offloads '" + TapOffloads.describe(offloads) + "' need a vnet header:"
                    + " the kernel describes partial checksums and super-frames in it");
        }
        String offloadProblem = TapOffloads.problem(offloads);
        if (offloadProblem != null) {
            throw new IllegalArgumentException(offloadProblem);
        }
        if (queues < 1 || queues > MAX_QUEUES) {
            throw new IllegalArgumentException("queues=" + queues + (queues < 1 ? " < 1" : " > " + MAX_QUEUES)
                    + " for tap " + name + ": use 1 (a single-queue TAP) or up to " + MAX_QUEUES
                    + " (a multi-queue TAP, one data-path loop per queue)");
        }
    }

    /** One queue: what the daemon opened before multi-queue TAPs. */
    public TapOptions(String name, int mtu, boolean bringUp, boolean vnetHeader, int offloads) {
        this(name, mtu, bringUp, vnetHeader, offloads, 1);
    }

    /** Plain frames, no vnet header: what the daemon has always opened. */
    public TapOptions(String name, int mtu, boolean bringUp) {
        this(name, mtu, bringUp, false, 0);
    }

    /** Opens {@code name} as it is, bringing it up and keeping its MTU. */
    public static TapOptions of(String name) {
        return new TapOptions(name, 0, true);
    }

    /**
     * The same with a vnet header and {@code requested} offloads ({@link TapOffloads#DEFAULT} for all that
     * tapbridge can use; 0 for a header without offloads, so that writes alone may carry them).
     */
    public TapOptions withOffloads(int requested) {
        return new TapOptions(name, mtu, bringUp, true, requested, queues);
    }

    /** The same without vnet header and offloads. */
    public TapOptions withoutOffloads() {
        return new TapOptions(name, mtu, bringUp, false, 0, queues);
    }

    /**
     * The same with {@code queues} queues (1..{@value #MAX_QUEUES}). Above 1 the TAP must be, or will be
     * created, multi-queue: a persistent single-queue TAP is refused at open with the command that
     * recreates it.
     */
    public TapOptions withQueues(int queues) {
        return new TapOptions(name, mtu, bringUp, vnetHeader, offloads, queues);
    }

    /** Null when the name is acceptable, otherwise what is wrong with it, quoting it. */
    static String nameProblem(String name) {
        if (name == null || name.isEmpty()) {
            return "is empty: give 1.." + MAX_NAME_BYTES + " characters, e.g. tap0";
        }
        int bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_BYTES) {
            return "'" + name + "' is " + bytes + " bytes long > " + MAX_NAME_BYTES + " (Linux IFNAMSIZ limit)";
        }
        if (name.equals(".") || name.equals("..")) {
            return "'" + name + "' is not allowed by Linux";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == ':' || Character.isWhitespace(c) || Character.isISOControl(c)) {
                return "'" + name + "' contains " + describe(c) + " at position " + i
                        + ": Linux interface names may not contain '/', ':', whitespace or control characters";
            }
        }
        return null;
    }

    private static String describe(char c) {
        return c == '/' || c == ':' ? "'" + c + "'" : String.format("character U+%04X", (int) c);
    }
}
