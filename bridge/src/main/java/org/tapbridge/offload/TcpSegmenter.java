package org.tapbridge.offload;

import java.nio.ByteBuffer;

import org.tapbridge.inet.InternetChecksum;
import org.tapbridge.inet.Ipv4Header;
import org.tapbridge.inet.Ipv6Header;
import org.tapbridge.inet.TcpHeader;

/**
 * Cuts a TCP super-frame (gso_type TCPV4 or TCPV6, with or without the ECN bit) into complete Ethernet
 * frames that each fit one tunnel message, as the kernel's {@code tcp_gso_segment} and
 * {@code inet_gso_segment} would. One instance per data-path thread, reused for every super-frame.
 *
 * <p>Use: {@link #prepare} parses a super-frame once; then {@link #writeSegment} writes segment 0 to
 * {@link #segmentCount()}{@code - 1}, each into the caller's send buffer, in any order. Each segment is the
 * super-frame's headers (Ethernet and tags, IPv4 with options or IPv6 with hop-by-hop and destination
 * options, TCP with options) copied, followed by {@link #segmentPayload()} payload bytes (the last segment
 * carries the rest). Per segment it rewrites:
 * <ul>
 *   <li>IPv4 total length, identification (the first segment's plus the segment index, modulo 2^16: Linux
 *       increments the ID per segment whatever DF says, unless the skb is marked FIXEDID, which a TAP
 *       without TSO_MANGLEID never receives), header checksum; IPv6 payload length;
 *   <li>TCP sequence number (plus the bytes before the segment); FIN and PSH only on the last segment, CWR
 *       only on the first (the kernel clears it on the rest whether or not the ECN bit is set);
 *   <li>the TCP checksum in full: pseudo-header with this segment's length, header, payload.
 * </ul>
 * The kernel's hdr_len is not used (it is a hint, see {@link VirtioNetHeader}): headers are found by
 * parsing, and with NEEDS_CSUM csum_start must point at the TCP header found. The checksum field of the
 * super-frame is never read, so frames without NEEDS_CSUM (DATA_VALID, or none) are cut the same way.
 *
 * <p>The super-frame must stay unchanged from {@link #prepare} to the last {@link #writeSegment}; it is only
 * read. Never allocates, never throws on bad input.
 */
public final class TcpSegmenter {
    private final SuperFrame frame = new SuperFrame();
    private final Ipv4Header outIpv4 = new Ipv4Header();
    private final Ipv6Header outIpv6 = new Ipv6Header();
    private final TcpHeader outTcp = new TcpHeader();
    private int status = OffloadStatus.OUT_OF_BOUNDS;
    private int segmentPayload;
    private int segmentCount;
    private int firstSequence;
    private int flags;
    private int firstIdentification;

    /**
     * Parses the super-frame of {@code length} bytes at absolute {@code offset} that follows {@code header}
     * and plans segments of at most {@code maxFrameLength} bytes: each carries
     * {@code min(gso_size, maxFrameLength - headers)} payload bytes.
     *
     * @param header the virtio_net_hdr read before the frame, already wrapped
     * @return {@link OffloadStatus#OK}, or why the frame cannot be cut (the caller drops and counts it):
     *     any {@link VirtioNetHeader#validate} code, {@link OffloadStatus#WRONG_GSO_TYPE} (not TCP GSO),
     *     {@link OffloadStatus#BAD_ETHERNET}, {@link OffloadStatus#ETHERTYPE_MISMATCH},
     *     {@link OffloadStatus#BAD_IP_HEADER}, {@link OffloadStatus#TOO_LONG},
     *     {@link OffloadStatus#IP_LENGTH_MISMATCH}, {@link OffloadStatus#IP_FRAGMENT},
     *     {@link OffloadStatus#UNSUPPORTED_EXTENSION}, {@link OffloadStatus#WRONG_PROTOCOL},
     *     {@link OffloadStatus#BAD_TRANSPORT_HEADER}, {@link OffloadStatus#CSUM_START_MISMATCH},
     *     {@link OffloadStatus#NO_PAYLOAD}, {@link OffloadStatus#NO_ROOM} or
     *     {@link OffloadStatus#OUT_OF_BOUNDS}
     */
    public int prepare(ByteBuffer superFrame, int offset, int length, VirtioNetHeader header, int maxFrameLength) {
        segmentCount = 0;
        segmentPayload = 0;
        status = frame.parse(superFrame, offset, length, header, true);
        if (status != OffloadStatus.OK) {
            return status;
        }
        int room = maxFrameLength - frame.headerLength;
        if (room < 1) {
            return status = OffloadStatus.NO_ROOM;
        }
        segmentPayload = Math.min(frame.gsoSize, room);
        segmentCount = (frame.payloadLength - 1) / segmentPayload + 1;
        firstSequence = frame.tcp.sequence();
        flags = frame.tcp.flags();
        firstIdentification = frame.isIpv6 ? 0 : frame.ipv4.identification();
        return status;
    }

    /** The result of the last {@link #prepare}. */
    public int status() {
        return status;
    }

    /** Segments planned by the last successful {@link #prepare}; 0 after a failed one. */
    public int segmentCount() {
        return segmentCount;
    }

    /** Payload bytes in every segment but the last. */
    public int segmentPayload() {
        return segmentPayload;
    }

    /** Bytes of headers copied into every segment: Ethernet, tags, IP, extension headers, TCP. */
    public int headerLength() {
        return status == OffloadStatus.OK ? frame.headerLength : 0;
    }

    /** The length of segment {@code index}, or 0 when there is no such segment. */
    public int segmentLength(int index) {
        if (index < 0 || index >= segmentCount) {
            return 0;
        }
        return frame.headerLength + Math.min(segmentPayload, frame.payloadLength - index * segmentPayload);
    }

    /**
     * Writes segment {@code index} at absolute {@code outOffset} of {@code out}.
     *
     * @return the segment's length ({@link #segmentLength}), or 0 with nothing written when there is no such
     *     segment (no successful {@link #prepare}, index out of range) or the output range lies outside
     *     {@code out}'s limit, is read-only, or overlaps the super-frame in the same buffer object
     */
    public int writeSegment(int index, ByteBuffer out, int outOffset) {
        int segmentLength = segmentLength(index);
        if (segmentLength == 0 || !frame.outputUsable(out, outOffset, segmentLength)) {
            return 0;
        }
        int headerLength = frame.headerLength;
        int payload = segmentLength - headerLength;
        int skipped = index * segmentPayload;
        out.put(outOffset, frame.buffer, frame.offset, headerLength);

        int ipAt = outOffset + frame.ipStart;
        if (frame.isIpv6) {
            outIpv6.wrap(out, ipAt).payloadLength(frame.ipLengthField(payload));
        } else {
            Ipv4Header ip = outIpv4.wrap(out, ipAt);
            ip.totalLength(frame.ipLengthField(payload));
            ip.identification(firstIdentification + index);
            ip.updateChecksum();
        }

        int tcpAt = outOffset + frame.transportStart;
        TcpHeader tcp = outTcp.wrap(out, tcpAt);
        tcp.sequence(firstSequence + skipped);
        int segmentFlags = flags;
        if (index != segmentCount - 1) {
            segmentFlags &= ~(TcpHeader.FIN | TcpHeader.PSH);
        }
        if (index != 0) {
            segmentFlags &= ~TcpHeader.CWR;
        }
        tcp.flags(segmentFlags);
        tcp.checksum(0);
        int tcpLength = frame.transportHeaderLength + payload;
        int sum = InternetChecksum.addWord(frame.pseudoSum, tcpLength);
        sum = InternetChecksum.sum(out, tcpAt, frame.transportHeaderLength, sum);
        // The payload is summed while it is copied: one pass over it instead of two. TCP headers are whole
        // 32-bit words, so the payload starts on an even offset of the checksummed range.
        sum = InternetChecksum.copyAndSum(frame.buffer, frame.offset + headerLength + skipped, out,
                outOffset + headerLength, payload, sum);
        tcp.checksum(InternetChecksum.complement(sum));
        return segmentLength;
    }
}
