package org.tapbridge.ethernet;

/** Result codes of {@link EthernetFrame#wrap}: {@link #OK} or why a frame was rejected. Constants only. */
public final class FrameStatus {
    public static final int OK = 0;
    /** Fewer than 14 bytes: no room for two MAC addresses and an EtherType. */
    public static final int TOO_SHORT = 1;
    /** A tag protocol identifier announces a VLAN tag, but the frame ends inside it. */
    public static final int TRUNCATED_VLAN_TAG = 2;
    /** No buffer, or offset and length lie (partly) outside the buffer's limit. */
    public static final int OUT_OF_BOUNDS = 3;
    /** VLAN ID 4095 is reserved by IEEE 802.1Q and must not appear in a tag. */
    public static final int RESERVED_VLAN_ID = 4;
    /** Number of codes, for counter arrays indexed by status. */
    public static final int COUNT = 5;

    private FrameStatus() {
    }

    /** A human sentence for a status code; unknown codes are described, not rejected. */
    public static String describe(int status) {
        switch (status) {
            case OK:
                return "ok";
            case TOO_SHORT:
                return "frame shorter than 14 bytes";
            case TRUNCATED_VLAN_TAG:
                return "frame ends inside a VLAN tag";
            case OUT_OF_BOUNDS:
                return "no buffer, or offset/length outside the buffer";
            case RESERVED_VLAN_ID:
                return "VLAN ID 4095 is reserved";
            default:
                return "unknown frame status " + status;
        }
    }
}
