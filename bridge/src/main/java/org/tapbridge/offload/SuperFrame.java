package org.tapbridge.offload;

import java.nio.ByteBuffer;

import org.tapbridge.ethernet.EtherType;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.ethernet.FrameStatus;
import org.tapbridge.inet.InternetChecksum;
import org.tapbridge.inet.IpProtocol;
import org.tapbridge.inet.Ipv4Header;
import org.tapbridge.inet.Ipv6Header;
import org.tapbridge.inet.TcpHeader;

/**
 * The parsed layout of one GSO super-frame (Ethernet, tags, IPv4 or IPv6, TCP or UDP) that the segmenters
 * cut. {@link #parse} checks everything a segment's headers are copied from, so that writing a segment
 * needs no further check. Reused for every frame; owned by the segmenter that owns it.
 */
final class SuperFrame {
    /** The UDP header: ports, length, checksum. */
    static final int UDP_HEADER_LENGTH = 8;
    static final int UDP_LENGTH_OFFSET = 4;
    static final int UDP_CHECKSUM_OFFSET = 6;
    /** The largest IPv4 total length and IPv6 payload length. */
    static final int MAX_IP_LENGTH = 0xFFFF;

    private final EthernetFrame ethernet = new EthernetFrame();
    final Ipv4Header ipv4 = new Ipv4Header();
    final Ipv6Header ipv6 = new Ipv6Header();
    final TcpHeader tcp = new TcpHeader();

    ByteBuffer buffer;
    int offset;
    int length;
    boolean isIpv6;
    /** Frame-relative: where the IP header starts (the L2 header length). */
    int ipStart;
    /** IPv4 IHL, or 40 plus the IPv6 extension headers. */
    int ipHeaderLength;
    /** Frame-relative: where the TCP or UDP header starts. */
    int transportStart;
    int transportHeaderLength;
    /** Frame-relative end of all headers: what every segment copies. */
    int headerLength;
    int payloadLength;
    int gsoSize;
    /** Source and destination addresses and the protocol, folded; the segment's length is added per segment. */
    int pseudoSum;

    /**
     * Parses {@code length} bytes at absolute {@code offset} that follow {@code header}, which must name
     * {@code gsoType} (ECN bit aside; TCPV4, TCPV6 or UDP_L4) and transport {@code protocol}.
     *
     * @return {@link OffloadStatus#OK} or why not; the fields are meaningful only after OK
     */
    int parse(ByteBuffer frame, int offset, int length, VirtioNetHeader header, boolean tcpWanted) {
        this.buffer = frame;
        this.offset = offset;
        this.length = length;
        if (!Ranges.inBounds(frame, offset, length) || header == null || !header.fits(header.buffer(), header.index())) {
            return OffloadStatus.OUT_OF_BOUNDS;
        }
        int status = header.validate(length);
        if (status != OffloadStatus.OK) {
            return status;
        }
        int type = header.gsoBaseType();
        if (tcpWanted ? type != VirtioNetHeader.GSO_TCPV4 && type != VirtioNetHeader.GSO_TCPV6
                : type != VirtioNetHeader.GSO_UDP_L4) {
            return OffloadStatus.WRONG_GSO_TYPE;
        }
        if (ethernet.wrap(frame, offset, length) != FrameStatus.OK) {
            return OffloadStatus.BAD_ETHERNET;
        }
        int etherType = ethernet.etherType();
        if (etherType == EtherType.IPV4 && type != VirtioNetHeader.GSO_TCPV6) {
            isIpv6 = false;
        } else if (etherType == EtherType.IPV6 && type != VirtioNetHeader.GSO_TCPV4) {
            isIpv6 = true;
        } else {
            return OffloadStatus.ETHERTYPE_MISMATCH;
        }
        ipStart = ethernet.headerLength();
        int protocol = tcpWanted ? IpProtocol.TCP : IpProtocol.UDP;
        status = isIpv6 ? parseIpv6(protocol) : parseIpv4(protocol);
        if (status != OffloadStatus.OK) {
            return status;
        }
        transportStart = ipStart + ipHeaderLength;
        if (tcpWanted) {
            if (transportStart + TcpHeader.MIN_LENGTH > length) {
                return OffloadStatus.BAD_TRANSPORT_HEADER;
            }
            transportHeaderLength = tcp.wrap(frame, offset + transportStart).headerLength();
            if (transportHeaderLength < TcpHeader.MIN_LENGTH || transportStart + transportHeaderLength > length) {
                return OffloadStatus.BAD_TRANSPORT_HEADER;
            }
        } else {
            transportHeaderLength = UDP_HEADER_LENGTH;
            if (transportStart + UDP_HEADER_LENGTH > length) {
                return OffloadStatus.BAD_TRANSPORT_HEADER;
            }
        }
        if (header.needsChecksum() && header.csumStart() != transportStart) {
            return OffloadStatus.CSUM_START_MISMATCH;
        }
        headerLength = transportStart + transportHeaderLength;
        payloadLength = length - headerLength;
        if (payloadLength == 0) {
            return OffloadStatus.NO_PAYLOAD;
        }
        gsoSize = header.gsoSize();
        int addresses = isIpv6 ? 32 : 8;
        int addressesAt = offset + ipStart + (isIpv6 ? Ipv6Header.SOURCE_OFFSET : Ipv4Header.SOURCE_OFFSET);
        pseudoSum = InternetChecksum.addWord(InternetChecksum.sum(frame, addressesAt, addresses, 0), protocol);
        return OffloadStatus.OK;
    }

    private int parseIpv4(int protocol) {
        if (ipStart + Ipv4Header.MIN_LENGTH > length) {
            return OffloadStatus.BAD_IP_HEADER;
        }
        ipv4.wrap(buffer, offset + ipStart);
        ipHeaderLength = ipv4.headerLength();
        if (ipv4.version() != Ipv4Header.VERSION || ipHeaderLength < Ipv4Header.MIN_LENGTH
                || ipStart + ipHeaderLength > length) {
            return OffloadStatus.BAD_IP_HEADER;
        }
        int packetLength = length - ipStart;
        if (packetLength > MAX_IP_LENGTH) {
            return OffloadStatus.TOO_LONG;
        }
        if (ipv4.totalLength() != packetLength) {
            return OffloadStatus.IP_LENGTH_MISMATCH;
        }
        if (ipv4.isFragment()) {
            return OffloadStatus.IP_FRAGMENT;
        }
        return ipv4.protocol() == protocol ? OffloadStatus.OK : OffloadStatus.WRONG_PROTOCOL;
    }

    private int parseIpv6(int protocol) {
        if (ipStart + Ipv6Header.LENGTH > length) {
            return OffloadStatus.BAD_IP_HEADER;
        }
        ipv6.wrap(buffer, offset + ipStart);
        if (ipv6.version() != Ipv6Header.VERSION) {
            return OffloadStatus.BAD_IP_HEADER;
        }
        int payload = length - ipStart - Ipv6Header.LENGTH;
        if (payload > MAX_IP_LENGTH) {
            return OffloadStatus.TOO_LONG;
        }
        if (ipv6.payloadLength() != payload) {
            return OffloadStatus.IP_LENGTH_MISMATCH;
        }
        // Hop-by-hop (first only) and destination options are copied into every segment unchanged; a
        // routing header would change the pseudo-header's destination, a fragment header cannot precede a
        // segmentable payload, AH authenticates the payload we cut.
        int next = ipv6.nextHeader();
        int at = ipStart + Ipv6Header.LENGTH;
        boolean first = true;
        while (next == IpProtocol.HOP_BY_HOP && first || next == IpProtocol.DESTINATION_OPTIONS) {
            if (at + Ipv6Header.EXTENSION_MIN_LENGTH > length) {
                return OffloadStatus.UNSUPPORTED_EXTENSION;
            }
            int extension = ipv6.extensionLength(next, offset + at);
            if (at + extension > length) {
                return OffloadStatus.UNSUPPORTED_EXTENSION;
            }
            next = ipv6.extensionNextHeader(offset + at);
            at += extension;
            first = false;
        }
        ipHeaderLength = at - ipStart;
        if (next == protocol) {
            return OffloadStatus.OK;
        }
        return Ipv6Header.isExtensionHeader(next) || next == IpProtocol.ESP
                ? OffloadStatus.UNSUPPORTED_EXTENSION : OffloadStatus.WRONG_PROTOCOL;
    }

    /** The IPv4 total length or IPv6 payload length of a segment carrying {@code payload} bytes. */
    int ipLengthField(int payload) {
        int transport = transportHeaderLength + payload;
        return isIpv6 ? ipHeaderLength - Ipv6Header.LENGTH + transport : ipHeaderLength + transport;
    }

    /** True when the output range may receive {@code segmentLength} bytes without touching the super-frame. */
    boolean outputUsable(ByteBuffer out, int outOffset, int segmentLength) {
        return Ranges.writable(out, outOffset, segmentLength)
                && !Ranges.overlap(buffer, offset, length, out, outOffset, segmentLength);
    }
}
