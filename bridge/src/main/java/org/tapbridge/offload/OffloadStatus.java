package org.tapbridge.offload;

/**
 * Result codes of {@link VirtioNetHeader#validate}, {@link ChecksumCompleter}, {@link TcpSegmenter} and
 * {@link UdpSegmenter}: {@link #OK} or why a frame was refused. Constants only; one vocabulary so the caller
 * can count refusals in one array indexed by code.
 */
public final class OffloadStatus {
    public static final int OK = 0;
    /** No buffer, or offset and length (partly) outside the buffer's limit. */
    public static final int OUT_OF_BOUNDS = 1;
    /** virtio_net_hdr flags other than NEEDS_CSUM and DATA_VALID, or both at once. */
    public static final int BAD_FLAGS = 2;
    /** A gso_type we did not enable: UFO, AccECN, tunnels, unknown values, or ECN on a non-TCP type. */
    public static final int BAD_GSO_TYPE = 3;
    /** A GSO type with gso_size 0. */
    public static final int GSO_SIZE_ZERO = 4;
    /** NEEDS_CSUM with csum_start at or past the frame's end, or the checksum field past it. */
    public static final int CSUM_BEYOND_FRAME = 5;
    /** hdr_len longer than the frame. */
    public static final int HDR_LEN_BEYOND_FRAME = 6;
    /** TCP GSO whose csum_offset is not 16, or UDP GSO without NEEDS_CSUM or whose csum_offset is not 6. */
    public static final int BAD_CSUM_OFFSET = 7;
    /** The frame is not of the GSO type this segmenter cuts (e.g. gso_type NONE, or UDP given to TCP). */
    public static final int WRONG_GSO_TYPE = 8;
    /** An IP packet longer than 65535 bytes (the super-frames we enabled are at most 64 KB). */
    public static final int TOO_LONG = 9;
    /** The Ethernet header is rejected by {@code EthernetFrame} (too short, truncated tag, VLAN 4095). */
    public static final int BAD_ETHERNET = 10;
    /** The EtherType after the tags does not match the GSO type (IPv4 for TCPV4, IPv6 for TCPV6). */
    public static final int ETHERTYPE_MISMATCH = 11;
    /** IP header truncated, of the wrong version, or IPv4 IHL below 5. */
    public static final int BAD_IP_HEADER = 12;
    /** IPv4 total length or IPv6 payload length (0 for a jumbogram) disagrees with the frame length. */
    public static final int IP_LENGTH_MISMATCH = 13;
    /** An IPv4 fragment (MF or a fragment offset): GSO frames never are. */
    public static final int IP_FRAGMENT = 14;
    /**
     * An IPv6 extension header we do not segment behind (routing: the pseudo-header would need the final
     * destination; fragment; AH: its ICV covers the payload; ESP; unknown), or a chain running past the
     * frame.
     */
    public static final int UNSUPPORTED_EXTENSION = 15;
    /** The transport protocol is not the one the GSO type names. */
    public static final int WRONG_PROTOCOL = 16;
    /** TCP data offset below 5 or the header past the frame; a UDP header past the frame. */
    public static final int BAD_TRANSPORT_HEADER = 17;
    /** NEEDS_CSUM whose csum_start is not the transport header found by parsing. */
    public static final int CSUM_START_MISMATCH = 18;
    /** A GSO frame without a payload byte. */
    public static final int NO_PAYLOAD = 19;
    /** The peer's largest frame leaves no room for one payload byte after the headers. */
    public static final int NO_ROOM = 20;
    /** Number of codes, for counter arrays indexed by status. */
    public static final int COUNT = 21;

    private OffloadStatus() {
    }

    /** A human sentence for a status code; unknown codes are described, not rejected. */
    public static String describe(int status) {
        switch (status) {
            case OK:
                return "ok";
            case OUT_OF_BOUNDS:
                return "no buffer, or offset/length outside the buffer";
            case BAD_FLAGS:
                return "virtio_net_hdr flags unknown or both NEEDS_CSUM and DATA_VALID";
            case BAD_GSO_TYPE:
                return "gso_type not enabled (UFO, AccECN, tunnel, unknown, or ECN without TCP)";
            case GSO_SIZE_ZERO:
                return "GSO frame with gso_size 0";
            case CSUM_BEYOND_FRAME:
                return "csum_start/csum_offset beyond the frame";
            case HDR_LEN_BEYOND_FRAME:
                return "hdr_len beyond the frame";
            case BAD_CSUM_OFFSET:
                return "csum_offset wrong for the GSO type";
            case WRONG_GSO_TYPE:
                return "not a GSO frame of the type this segmenter cuts";
            case TOO_LONG:
                return "IP packet longer than 65535 bytes";
            case BAD_ETHERNET:
                return "bad Ethernet header";
            case ETHERTYPE_MISMATCH:
                return "EtherType does not match the GSO type";
            case BAD_IP_HEADER:
                return "IP header truncated, wrong version or IHL below 5";
            case IP_LENGTH_MISMATCH:
                return "IP length field disagrees with the frame length";
            case IP_FRAGMENT:
                return "IPv4 fragment";
            case UNSUPPORTED_EXTENSION:
                return "IPv6 extension header not segmented (routing, fragment, AH, ESP, unknown) or past the frame";
            case WRONG_PROTOCOL:
                return "transport protocol does not match the GSO type";
            case BAD_TRANSPORT_HEADER:
                return "transport header truncated or TCP data offset below 5";
            case CSUM_START_MISMATCH:
                return "csum_start is not the transport header";
            case NO_PAYLOAD:
                return "GSO frame without payload";
            case NO_ROOM:
                return "largest frame leaves no room for payload after the headers";
            default:
                return "unknown offload status " + status;
        }
    }
}
