package org.tapbridge.tap;

/**
 * The offloads a TAP opened with a vnet header may enable (TUNSETOFFLOAD): each bit says what user space
 * can take from the kernel. With {@link #CSUM} the kernel hands over frames whose TCP/UDP checksum is only
 * partial (VIRTIO_NET_HDR_F_NEEDS_CSUM); with TSO/USO it hands over super-frames of up to 64 KB that
 * user space must cut into segments (or pass on whole to a peer that can). Frames written to the TAP may
 * carry either whatever is enabled: the mask only governs the kernel-to-user direction.
 *
 * <p>The kernel (6.18, checked by {@code TapOffloadsKernelTest}) refuses with EINVAL: any bit it does not
 * know (USO before 6.2), TSO/USO/UFO without CSUM, and USO4 without USO6 or the reverse.
 */
public final class TapOffloads {
    /** Partial checksums: TCP/UDP checksums may be left for user space to finish. */
    public static final int CSUM = LinuxConstants.TUN_F_CSUM;
    /** TCP segmentation offload over IPv4: super-frames with gso_type TCPV4. */
    public static final int TSO4 = LinuxConstants.TUN_F_TSO4;
    /** TCP segmentation offload over IPv6: gso_type TCPV6. */
    public static final int TSO6 = LinuxConstants.TUN_F_TSO6;
    /** TSO super-frames may carry CWR (gso_type ORed with ECN). */
    public static final int TSO_ECN = LinuxConstants.TUN_F_TSO_ECN;
    /** UDP fragmentation offload (gso_type UDP); the kernel stopped producing it in 4.14, never requested. */
    public static final int UFO = LinuxConstants.TUN_F_UFO;
    /** UDP segmentation offload over IPv4 (gso_type UDP_L4), Linux 6.2+. Only together with USO6. */
    public static final int USO4 = LinuxConstants.TUN_F_USO4;
    /** UDP segmentation offload over IPv6 (gso_type UDP_L4), Linux 6.2+. Only together with USO4. */
    public static final int USO6 = LinuxConstants.TUN_F_USO6;

    /** Every bit this class knows. */
    public static final int KNOWN = CSUM | TSO4 | TSO6 | TSO_ECN | UFO | USO4 | USO6;
    /** What tapbridge asks for by default: all but UFO. */
    public static final int DEFAULT = CSUM | TSO4 | TSO6 | TSO_ECN | USO4 | USO6;
    /** The bits that make the kernel hand over super-frames (reads up to 64 KB). */
    public static final int SEGMENTATION = TSO4 | TSO6 | UFO | USO4 | USO6;

    private static final int USO = USO4 | USO6;
    private static final int[] BITS = {CSUM, TSO4, TSO6, TSO_ECN, UFO, USO4, USO6};
    private static final String[] NAMES = {"csum", "tso4", "tso6", "tso-ecn", "ufo", "uso4", "uso6"};

    private TapOffloads() {
    }

    /** "csum tso4 tso6", "none", unknown bits as hex: for logs and messages. */
    public static String describe(int mask) {
        if (mask == 0) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < BITS.length; i++) {
            if ((mask & BITS[i]) != 0) {
                sb.append(sb.length() == 0 ? "" : " ").append(NAMES[i]);
            }
        }
        int unknown = mask & ~KNOWN;
        if (unknown != 0) {
            sb.append(sb.length() == 0 ? "" : " ").append("0x").append(Integer.toHexString(unknown));
        }
        return sb.toString();
    }

    /** True when a TAP with {@code offloads} in force belongs to a kernel that takes UDP super-frames (USO). */
    public static boolean takesUso(int offloads) {
        return (offloads & USO) == USO;
    }

    /** Null when the kernel could accept {@code mask}, otherwise why it would refuse it, quoting it. */
    static String problem(int mask) {
        if ((mask & ~KNOWN) != 0) {
            return "offloads 0x" + Integer.toHexString(mask) + " contain unknown bits 0x"
                    + Integer.toHexString(mask & ~KNOWN) + " (known: " + describe(KNOWN) + ")";
        }
        if ((mask & ~CSUM) != 0 && (mask & CSUM) == 0) {
            return "offloads '" + describe(mask) + "' lack csum: the kernel refuses segmentation offloads without"
                    + " partial checksums";
        }
        if ((mask & USO) != 0 && (mask & USO) != USO) {
            return "offloads '" + describe(mask) + "' name one of uso4/uso6: the kernel takes both or neither";
        }
        return null;
    }

    /**
     * The masks to try in order when the kernel refuses with EINVAL: the request, without USO (kernels
     * before 6.2), partial checksums only, none. Each strictly smaller than the one before; ends with 0.
     */
    static int[] fallbacks(int requested) {
        int[] steps = {requested, requested & ~USO, requested & CSUM, 0};
        int n = 0;
        int[] distinct = new int[steps.length];
        for (int step : steps) {
            if (n == 0 || distinct[n - 1] != step) {
                distinct[n++] = step;
            }
        }
        return java.util.Arrays.copyOf(distinct, n);
    }
}
