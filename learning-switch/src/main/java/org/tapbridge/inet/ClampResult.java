package org.tapbridge.inet;

/** Result codes of {@link TcpMssClamp#clamp}: what happened to one frame. Constants only. */
public final class ClampResult {
    /**
     * Not a TCP segment with SYN set (and RST clear): not IP, not TCP, a non-first fragment, behind an
     * IPv6 header the clamp does not walk (AH, ESP, no next header, ...), or a TCP segment without SYN.
     * Left alone; by far the most common result.
     */
    public static final int NOT_TCP_SYN = 0;
    /** A SYN or SYN-ACK whose MSS option exceeded the limit: rewritten, checksum updated. */
    public static final int CLAMPED = 1;
    /** A SYN or SYN-ACK whose MSS option(s) already fit: left alone. */
    public static final int WITHIN_LIMIT = 2;
    /**
     * A SYN or SYN-ACK without an MSS option: left alone, since inserting one would grow the frame.
     * The peer then assumes 536 (IPv4) or 1220 (IPv6), which fits any sane tunnel.
     */
    public static final int NO_MSS_OPTION = 3;
    /**
     * Truncated or inconsistent headers (Ethernet, IP, extension headers, TCP header or options), or
     * more IPv6 extension headers than walked. Left alone, not one byte written.
     */
    public static final int MALFORMED = 4;
    /** Number of codes, for counter arrays indexed by result. */
    public static final int COUNT = 5;

    private ClampResult() {
    }

    /** A human sentence for a result code; unknown codes are described, not rejected. */
    public static String describe(int result) {
        switch (result) {
            case NOT_TCP_SYN:
                return "not a TCP SYN";
            case CLAMPED:
                return "MSS clamped";
            case WITHIN_LIMIT:
                return "MSS within the limit";
            case NO_MSS_OPTION:
                return "SYN without an MSS option";
            case MALFORMED:
                return "malformed headers";
            default:
                return "unknown clamp result " + result;
        }
    }
}
