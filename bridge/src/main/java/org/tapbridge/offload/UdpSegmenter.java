package org.tapbridge.offload;

import java.nio.ByteBuffer;

import org.tapbridge.inet.InternetChecksum;
import org.tapbridge.inet.Ipv4Header;
import org.tapbridge.inet.Ipv6Header;

/**
 * Cuts a UDP super-frame (gso_type UDP_L4, "USO", IPv4 or IPv6) into one complete Ethernet frame per
 * datagram, as the kernel's {@code __udp_gso_segment} would. One instance per data-path thread.
 *
 * <p>Unlike TCP, the segment size is not ours to choose: each gso_size chunk is a datagram the application
 * sent ({@code UDP_SEGMENT}), so segments carry exactly gso_size bytes (the last the rest) whatever the
 * tunnel takes; a segment longer than the peer's largest frame goes on to the too-big handling like any
 * other oversized frame. Each segment copies the headers and rewrites the IPv4 total length, identification
 * (plus the index), header checksum or the IPv6 payload length, the UDP length and the UDP checksum (in
 * full; a computed 0 is sent as 0xFFFF). Use as {@link TcpSegmenter}: {@link #prepare}, then
 * {@link #writeSegment} for each index. Never allocates, never throws on bad input.
 */
public final class UdpSegmenter {
    private final SuperFrame frame = new SuperFrame();
    private final Ipv4Header outIpv4 = new Ipv4Header();
    private final Ipv6Header outIpv6 = new Ipv6Header();
    private int status = OffloadStatus.OUT_OF_BOUNDS;
    private int segmentCount;
    private int firstIdentification;

    /**
     * Parses the super-frame of {@code length} bytes at absolute {@code offset} that follows {@code header}.
     *
     * @return {@link OffloadStatus#OK} or why the frame cannot be cut (the codes of
     *     {@link TcpSegmenter#prepare}, with {@link OffloadStatus#WRONG_GSO_TYPE} for anything but UDP_L4;
     *     never {@link OffloadStatus#NO_ROOM})
     */
    public int prepare(ByteBuffer superFrame, int offset, int length, VirtioNetHeader header) {
        segmentCount = 0;
        status = frame.parse(superFrame, offset, length, header, false);
        if (status != OffloadStatus.OK) {
            return status;
        }
        segmentCount = (frame.payloadLength - 1) / frame.gsoSize + 1;
        firstIdentification = frame.isIpv6 ? 0 : frame.ipv4.identification();
        return status;
    }

    public int status() {
        return status;
    }

    public int segmentCount() {
        return segmentCount;
    }

    /** Payload bytes in every datagram but the last: gso_size. */
    public int segmentPayload() {
        return segmentCount == 0 ? 0 : frame.gsoSize;
    }

    /** The length of segment {@code index}, or 0 when there is no such segment. */
    public int segmentLength(int index) {
        if (index < 0 || index >= segmentCount) {
            return 0;
        }
        return frame.headerLength + Math.min(frame.gsoSize, frame.payloadLength - index * frame.gsoSize);
    }

    /**
     * Writes segment {@code index} at absolute {@code outOffset} of {@code out}.
     *
     * @return the segment's length, or 0 with nothing written (as {@link TcpSegmenter#writeSegment})
     */
    public int writeSegment(int index, ByteBuffer out, int outOffset) {
        int segmentLength = segmentLength(index);
        if (segmentLength == 0 || !frame.outputUsable(out, outOffset, segmentLength)) {
            return 0;
        }
        int headerLength = frame.headerLength;
        int payload = segmentLength - headerLength;
        out.put(outOffset, frame.buffer, frame.offset, headerLength);
        out.put(outOffset + headerLength, frame.buffer, frame.offset + headerLength + index * frame.gsoSize, payload);

        int ipAt = outOffset + frame.ipStart;
        if (frame.isIpv6) {
            outIpv6.wrap(out, ipAt).payloadLength(frame.ipLengthField(payload));
        } else {
            Ipv4Header ip = outIpv4.wrap(out, ipAt);
            ip.totalLength(frame.ipLengthField(payload));
            ip.identification(firstIdentification + index);
            ip.updateChecksum();
        }
        int udpAt = outOffset + frame.transportStart;
        int udpLength = SuperFrame.UDP_HEADER_LENGTH + payload;
        Ranges.putU16(out, udpAt + SuperFrame.UDP_LENGTH_OFFSET, udpLength);
        Ranges.putU16(out, udpAt + SuperFrame.UDP_CHECKSUM_OFFSET, 0);
        int sum = InternetChecksum.addWord(frame.pseudoSum, udpLength);
        sum = InternetChecksum.sum(out, udpAt, SuperFrame.UDP_HEADER_LENGTH, sum);
        sum = InternetChecksum.bulkSum(out, outOffset + headerLength, payload, sum);
        int checksum = InternetChecksum.complement(sum);
        Ranges.putU16(out, udpAt + SuperFrame.UDP_CHECKSUM_OFFSET, checksum == 0 ? 0xFFFF : checksum);
        return segmentLength;
    }
}
