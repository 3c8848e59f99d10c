package org.tapbridge.inet;

import java.nio.ByteBuffer;

import org.tapbridge.ethernet.EtherType;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.ethernet.FrameStatus;

/**
 * Lowers the MSS option of TCP SYN and SYN-ACK segments inside Ethernet frames, in place, so that a
 * full-size segment of the connection, framed, fits in {@code maxFrameLength} bytes. Owned by one
 * data-path thread; reusable for ever; never allocates, never throws on bad input.
 *
 * <p>The limit for a frame is {@link #mssLimit}: {@code maxFrameLength}, minus the frame's own
 * Ethernet header (14, 18 or 22 bytes), minus the fixed IP header (20 or 40) and the fixed TCP header
 * (20). IP options, IPv6 extension headers and TCP options are not subtracted: by RFC 6691 the MSS
 * excludes them and the sender shrinks its segments by the options it sends, which is also what
 * {@code iptables TCPMSS --clamp-mss-to-pmtu} does. The limit never drops below the protocol minimum
 * (536 for IPv4, 1220 for IPv6): no host can go lower, so for tiny tunnels the tunnel fragments.
 *
 * <p>Handled: untagged, 802.1Q and QinQ frames (via {@link EthernetFrame}); IPv4 with options, only
 * unfragmented packets and first fragments whose TCP header is complete; IPv6 with up to
 * {@link #MAX_EXTENSION_HEADERS} hop-by-hop, routing, destination options and fragment (first
 * fragments only) headers before TCP. Segments behind AH (IPv4 protocol 51 or an IPv6 AH header) are
 * left alone: AH authenticates the TCP segment, so a rewrite would turn a possible black hole into a
 * certain failure. Only segments with SYN set and RST clear are touched; every MSS
 * option above the limit is rewritten (a duplicate could otherwise win at the receiver) and the TCP
 * checksum is updated incrementally (RFC 1624), never recomputed. Nothing is written unless the whole
 * header chain and option list are consistent.
 *
 * <p>Assumptions: frames carry complete checksums, as frames read from a TAP device opened without
 * {@code IFF_VNET_HDR} do (the kernel resolves partial offload checksums before handing them over);
 * a partial checksum would be updated wrongly. Checksums are not verified: the IP header is never
 * written, and an invalid TCP checksum stays invalid, so the receiver drops the segment as before.
 * A SYN without an MSS option is left alone ({@link ClampResult#NO_MSS_OPTION}): inserting one would
 * grow the frame, and its sender then falls back to the protocol minimum anyway. IPv6 jumbograms
 * (payload length 0) cannot appear on Ethernet and count as malformed.
 */
public final class TcpMssClamp {
    /** RFC 9293 default and minimum: every IPv4 host accepts 576-byte datagrams. */
    public static final int IPV4_MIN_MSS = 536;
    /** The IPv6 minimum link MTU (1280, RFC 8200) less 40 + 20. */
    public static final int IPV6_MIN_MSS = 1220;
    /**
     * IPv6 extension headers walked before giving up with {@link ClampResult#MALFORMED}: real stacks
     * send two or three, and counting deeper chains shows the operator what escaped the clamp.
     */
    public static final int MAX_EXTENSION_HEADERS = 8;

    private static final int TCP_BASE_LENGTH = TcpHeader.MIN_LENGTH;
    private static final int MAX_MSS = 0xFFFF;

    private final EthernetFrame ethernet = new EthernetFrame();
    private final Ipv4Header ipv4 = new Ipv4Header();
    private final Ipv6Header ipv6 = new Ipv6Header();
    private final TcpHeader tcp = new TcpHeader();

    /**
     * The largest MSS allowed in a frame with an Ethernet header of {@code l2HeaderLength} bytes: never
     * below the protocol minimum, and at most 65535 (no MSS is larger, so then nothing is clamped).
     */
    public static int mssLimit(int maxFrameLength, int l2HeaderLength, boolean ipv6) {
        int ipFixed = ipv6 ? Ipv6Header.LENGTH : Ipv4Header.MIN_LENGTH;
        int floor = ipv6 ? IPV6_MIN_MSS : IPV4_MIN_MSS;
        long mss = (long) maxFrameLength - l2HeaderLength - ipFixed - TCP_BASE_LENGTH;
        return (int) Math.min(Math.max(mss, floor), MAX_MSS);
    }

    /**
     * Clamps the frame of {@code length} bytes at absolute index {@code offset}; writes, if at all, only
     * the MSS value(s) and the TCP checksum, inside {@code [offset, offset + length)}.
     *
     * @param maxFrameLength the most Ethernet frame bytes (header included) the tunnel carries per message
     * @return a {@link ClampResult} code
     * @throws java.nio.ReadOnlyBufferException when a clamp is due and the buffer is read-only (a
     *     programming error, not bad input)
     */
    public int clamp(ByteBuffer buffer, int offset, int length, int maxFrameLength) {
        ethernet.wrap(buffer, offset, length);
        return clamp(ethernet, maxFrameLength);
    }

    /**
     * Clamps a frame the caller has already wrapped (saving a second decode of the Ethernet header);
     * otherwise as {@link #clamp(ByteBuffer, int, int, int)}. A frame whose wrap failed is malformed.
     */
    public int clamp(EthernetFrame frame, int maxFrameLength) {
        if (frame.status() != FrameStatus.OK) {
            return ClampResult.MALFORMED;
        }
        int l2 = frame.headerLength();
        int ip = frame.offset() + l2;
        int available = frame.length() - l2;
        switch (frame.etherType()) {
            case EtherType.IPV4:
                return clampIpv4(frame.buffer(), ip, available, mssLimit(maxFrameLength, l2, false));
            case EtherType.IPV6:
                return clampIpv6(frame.buffer(), ip, available, mssLimit(maxFrameLength, l2, true));
            default:
                return ClampResult.NOT_TCP_SYN;
        }
    }

    private int clampIpv4(ByteBuffer buffer, int ip, int available, int limit) {
        if (available < Ipv4Header.MIN_LENGTH) {
            return ClampResult.MALFORMED;
        }
        ipv4.wrap(buffer, ip);
        int headerLength = ipv4.headerLength();
        int totalLength = ipv4.totalLength();
        if (ipv4.version() != Ipv4Header.VERSION || headerLength < Ipv4Header.MIN_LENGTH
                || totalLength < headerLength || totalLength > available) {
            return ClampResult.MALFORMED;
        }
        // A later fragment starts with payload bytes, not a TCP header.
        if (ipv4.protocol() != IpProtocol.TCP || ipv4.fragmentOffset() != 0) {
            return ClampResult.NOT_TCP_SYN;
        }
        return clampTcp(buffer, ip + headerLength, ip + totalLength, limit);
    }

    private int clampIpv6(ByteBuffer buffer, int ip, int available, int limit) {
        if (available < Ipv6Header.LENGTH) {
            return ClampResult.MALFORMED;
        }
        ipv6.wrap(buffer, ip);
        int payloadLength = ipv6.payloadLength();
        if (ipv6.version() != Ipv6Header.VERSION || payloadLength > available - Ipv6Header.LENGTH) {
            return ClampResult.MALFORMED;
        }
        int end = ip + Ipv6Header.LENGTH + payloadLength;
        int at = ip + Ipv6Header.LENGTH;
        int next = ipv6.nextHeader();
        for (int walked = 0; next != IpProtocol.TCP; walked++) {
            // Behind AH the TCP segment is covered by the ICV: a rewrite would make the receiver drop it.
            if (next == IpProtocol.AH || !Ipv6Header.isExtensionHeader(next)) {
                return ClampResult.NOT_TCP_SYN;
            }
            if (walked == MAX_EXTENSION_HEADERS || end - at < Ipv6Header.EXTENSION_MIN_LENGTH) {
                return ClampResult.MALFORMED;
            }
            if (next == IpProtocol.FRAGMENT && ipv6.fragmentOffset(at) != 0) {
                return ClampResult.NOT_TCP_SYN;
            }
            int length = ipv6.extensionLength(next, at);
            if (length > end - at) {
                return ClampResult.MALFORMED;
            }
            next = ipv6.extensionNextHeader(at);
            at += length;
        }
        return clampTcp(buffer, at, end, limit);
    }

    /** {@code end} is the absolute index just past the IP packet (Ethernet padding excluded). */
    private int clampTcp(ByteBuffer buffer, int at, int end, int limit) {
        if (end - at < TcpHeader.MIN_LENGTH) {
            return ClampResult.MALFORMED;
        }
        tcp.wrap(buffer, at);
        // SYN+RST is not a connection attempt; leave it to the endpoints to reject.
        if ((tcp.flags() & (TcpHeader.SYN | TcpHeader.RST)) != TcpHeader.SYN) {
            return ClampResult.NOT_TCP_SYN;
        }
        int headerLength = tcp.headerLength();
        if (headerLength < TcpHeader.MIN_LENGTH || headerLength > end - at) {
            return ClampResult.MALFORMED;
        }
        int optionsStart = at + TcpHeader.MIN_LENGTH;
        int optionsEnd = at + headerLength;
        // Validate the whole list before the first write, so a malformed segment stays untouched.
        int result = walkOptions(optionsStart, optionsEnd, limit, false);
        if (result == ClampResult.CLAMPED) {
            walkOptions(optionsStart, optionsEnd, limit, true);
        }
        return result;
    }

    /**
     * Walks the options in {@code [start, end)}, rewriting MSS options above {@code limit} when
     * {@code rewrite} is set, and returns what it found (or would do).
     */
    private int walkOptions(int start, int end, int limit, boolean rewrite) {
        int result = ClampResult.NO_MSS_OPTION;
        int at = start;
        while (at < end) {
            int kind = tcp.optionKind(at);
            if (kind == TcpHeader.OPTION_END) {
                break;
            }
            if (kind == TcpHeader.OPTION_NOP) {
                at++;
                continue;
            }
            if (end - at < 2) {
                return ClampResult.MALFORMED;
            }
            int length = tcp.optionLength(at);
            if (length < 2 || length > end - at) {
                return ClampResult.MALFORMED;
            }
            if (kind == TcpHeader.OPTION_MSS) {
                if (length != TcpHeader.OPTION_MSS_LENGTH) {
                    return ClampResult.MALFORMED;
                }
                int mss = tcp.optionU16(at);
                if (mss > limit) {
                    if (rewrite) {
                        rewriteMss(at, mss, limit);
                    }
                    result = ClampResult.CLAMPED;
                } else if (result == ClampResult.NO_MSS_OPTION) {
                    result = ClampResult.WITHIN_LIMIT;
                }
            }
            at += length;
        }
        return result;
    }

    private void rewriteMss(int option, int oldMss, int newMss) {
        int oldWord = oldMss;
        int newWord = newMss;
        // Options are byte-aligned: at an odd offset from the TCP header the value straddles two
        // checksum words, and the ones'-complement sum sees it byte-swapped.
        if (((option + TcpHeader.OPTION_DATA_OFFSET - tcp.index()) & 1) != 0) {
            oldWord = InternetChecksum.swap(oldMss);
            newWord = InternetChecksum.swap(newMss);
        }
        tcp.optionU16(option, newMss);
        tcp.checksum(InternetChecksum.update(tcp.checksum(), oldWord, newWord));
    }
}
