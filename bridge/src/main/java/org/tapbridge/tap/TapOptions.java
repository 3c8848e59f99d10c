package org.tapbridge.tap;

/**
 * What to open: the interface name, the MTU to set (0 leaves the device's MTU as it is), and whether to
 * bring the link up. Validated on construction, so a bad value fails before any device is touched.
 *
 * @param name    1..15 bytes, no '/', ':' or whitespace, not "." or ".." (the kernel's own rules)
 * @param mtu     0, or {@value #MIN_MTU}..{@value #MAX_MTU}
 * @param bringUp set IFF_UP after opening; skipped when the device is already up
 */
public record TapOptions(String name, int mtu, boolean bringUp) {
    /** Smallest MTU Linux accepts on an Ethernet device (ETH_MIN_MTU, the IPv4 minimum). */
    public static final int MIN_MTU = 68;
    /** Largest MTU the tun driver accepts (MAX_MTU in drivers/net/tun.c). */
    public static final int MAX_MTU = 65535;
    /** Longest interface name: IFNAMSIZ 16 minus the terminating NUL. */
    public static final int MAX_NAME_BYTES = Ifreq.IFNAMSIZ - 1;

    public TapOptions {
        String problem = nameProblem(name);
        if (problem != null) {
            throw new IllegalArgumentException("tap name " + problem);
        }
        if (mtu != 0 && (mtu < MIN_MTU || mtu > MAX_MTU)) {
            throw new IllegalArgumentException("mtu=" + mtu + (mtu < MIN_MTU ? " < " + MIN_MTU : " > " + MAX_MTU)
                    + ": use 0 to keep the device's MTU, or " + MIN_MTU + ".." + MAX_MTU);
        }
    }

    /** Opens {@code name} as it is, bringing it up and keeping its MTU. */
    public static TapOptions of(String name) {
        return new TapOptions(name, 0, true);
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
