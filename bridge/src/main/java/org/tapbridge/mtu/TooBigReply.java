package org.tapbridge.mtu;

import java.nio.ByteBuffer;
import org.tapbridge.ethernet.EtherType;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.ethernet.FrameStatus;
import org.tapbridge.ethernet.MacAddress;

/**
 * Decides what becomes of a frame longer than the tunnel and, for IPv4 with DF and for IPv6, builds the
 * ICMP "fragmentation needed" (type 3 code 4) or ICMPv6 "Packet Too Big" (type 2 code 0) reply a router
 * on the path would send, so that the sender's path-MTU discovery adapts. Owned by the data-path thread.
 *
 * <p>{@link #classify} gives one of four treatments:
 * <ul>
 *   <li>{@link #REPLY_IPV4}: a well-formed IPv4 packet with DF set, longer than the inner IP MTU, offset 0,
 *       from a unicast host to a unicast host, not itself an ICMP error (types 3, 4, 5, 11, 12), header
 *       checksum right, inner IP MTU at least 68 (RFC 791's minimum).</li>
 *   <li>{@link #REPLY_IPV6}: the same for IPv6 (no DF: routers never fragment IPv6), not an ICMPv6 error
 *       (type &lt; 128), inner IP MTU at least 1280 (RFC 8200's minimum). Non-first IPv6 fragments are
 *       answered too: RFC 4443 does not exempt them, and the sender's host does the fragmenting.</li>
 *   <li>{@link #FRAGMENT}: everything else that is well formed: IPv4 without DF, IPv4 non-first fragments
 *       (RFC 792: errors only about fragment zero), non-IP EtherTypes and 802.3 frames, ICMP and ICMPv6
 *       errors (never answer an error with an error), multicast, broadcast, reserved or loopback
 *       destinations (IPv4 224/4, 240/4, 0/8, 127/8; IPv6 ff00::/8, ::, ::1) or a group destination
 *       MAC, sources that name no single host (IPv4 0/8, 127/8, 224/4, 240/4 including 255.255.255.255;
 *       IPv6 ::, ::1, ff00::/8; a group source MAC), an MTU to announce below the family's minimum, and
 *       IP packets that fit although the frame does not (trailing bytes after the IP packet). A bridge
 *       passes these on; the tunnel splits them.</li>
 *   <li>{@link #DROP_MALFORMED}: an Ethernet header {@link EthernetFrame} rejects, or an IPv4/IPv6 header
 *       that is truncated, has the wrong version, an IHL below 5, a total/payload length beyond the frame
 *       or below the header, a wrong IPv4 header checksum, or an IPv6 extension-header chain running past
 *       the packet. The caller counts and drops these: a router would not forward them either.</li>
 * </ul>
 *
 * <p>The MTU announced is the inner IP MTU, {@code maxFrameLength} minus this frame's own L2 header length
 * (14, 18 or 22 bytes), so a tagged sender is told exactly what fits. The reply swaps the MAC addresses,
 * keeps the original's VLAN tag(s) byte for byte, and swaps the IP addresses, so it looks as if it came
 * from the original destination's side. IPv4: TOS 0xC0 (precedence 6, RFC 1812 4.3.2.5), DF clear, an ID
 * counter, TTL 64, and as much of the original packet as keeps the reply IP packet within 576 bytes
 * (RFC 1812 4.3.2.3). IPv6: traffic class and flow label 0, hop limit 64, and as much of the original as
 * keeps the reply within 1280 bytes (RFC 4443 2.4(c)). Replies are not rate-limited here; RFC 4443 2.4(f)
 * asks for that, and the caller owns the clock.
 *
 * <p>Never allocates and never throws on bad input: bad arguments and bad frames give 0 or
 * {@link #DROP_MALFORMED}. Buffers may be heap or direct, in any byte order; indexes are absolute.
 */
public final class TooBigReply {
    /** Split the frame into tunnel fragments ({@link Fragmenter}); no reply. */
    public static final int FRAGMENT = 0;
    /** Answer with ICMP "fragmentation needed" ({@link #build}); do not forward the frame. */
    public static final int REPLY_IPV4 = 1;
    /** Answer with ICMPv6 "Packet Too Big" ({@link #build}); do not forward the frame. */
    public static final int REPLY_IPV6 = 2;
    /** Bad Ethernet or IP header: drop and count; no reply. */
    public static final int DROP_MALFORMED = 3;
    /** Number of treatments, for counter arrays indexed by treatment. */
    public static final int TREATMENT_COUNT = 4;

    /** RFC 791: every IPv4 link carries 68 bytes; a lower MTU is not announced. */
    public static final int IPV4_MIN_MTU = 68;
    /** RFC 8200: every IPv6 link carries 1280 bytes; a lower MTU is not announced. */
    public static final int IPV6_MIN_MTU = 1280;
    /** RFC 1812 4.3.2.3: an ICMPv4 error's IP packet is at most 576 bytes. */
    public static final int IPV4_MAX_REPLY_PACKET = 576;
    /** RFC 4443 2.4(c): an ICMPv6 error's IPv6 packet is at most the minimum MTU. */
    public static final int IPV6_MAX_REPLY_PACKET = IPV6_MIN_MTU;
    /** An {@code outCapacity} this large always holds the full reply: two VLAN tags plus the IPv6 cap. */
    public static final int MAX_REPLY_LENGTH = EthernetFrame.HEADER_LENGTH + 2 * EthernetFrame.TAG_LENGTH
            + IPV6_MAX_REPLY_PACKET;
    public static final int REPLY_HOP_LIMIT = 64;
    /** Precedence 6, internetwork control, as RFC 1812 4.3.2.5 asks of ICMP errors. */
    public static final int IPV4_REPLY_TOS = 0xC0;

    static final int IPV4_HEADER_LENGTH = 20;
    static final int IPV6_HEADER_LENGTH = 40;
    static final int ICMP_HEADER_LENGTH = 8;
    static final int PROTOCOL_ICMP = 1;
    static final int NEXT_HEADER_ICMPV6 = 58;
    static final int ICMP_DEST_UNREACHABLE = 3;
    static final int ICMP_CODE_FRAGMENTATION_NEEDED = 4;
    static final int ICMPV6_PACKET_TOO_BIG = 2;

    // IPv4 header fields, relative to the IP header.
    private static final int V4_TOTAL_LENGTH = 2;
    private static final int V4_ID = 4;
    private static final int V4_FLAGS_FRAGMENT = 6;
    private static final int V4_TTL = 8;
    private static final int V4_PROTOCOL = 9;
    private static final int V4_CHECKSUM = 10;
    private static final int V4_SOURCE = 12;
    private static final int V4_DESTINATION = 16;
    private static final int V4_DONT_FRAGMENT = 0x4000;
    private static final int V4_FRAGMENT_OFFSET_MASK = 0x1FFF;
    // IPv6 header fields, relative to the IP header.
    private static final int V6_PAYLOAD_LENGTH = 4;
    private static final int V6_NEXT_HEADER = 6;
    private static final int V6_HOP_LIMIT = 7;
    private static final int V6_SOURCE = 8;
    private static final int V6_DESTINATION = 24;
    private static final int V6_ADDRESS_LENGTH = 16;
    private static final int V6_FRAGMENT_OFFSET_MASK = 0xFFF8;
    // What the extension-header walk finds.
    private static final int MALFORMED_CHAIN = -1;
    private static final int ICMPV6_ERROR = -2;
    private static final int OTHER_UPPER_LAYER = 0;

    private final EthernetFrame ethernet = new EthernetFrame();
    private int ipv4Id;
    // What the last classify() learnt, for build(); valid only when it returned a REPLY_* treatment.
    private int l2Length;
    private int ipIndex;
    private int ipLength;
    private int innerMtu;

    /**
     * The treatment for the frame of {@code length} bytes at absolute index {@code offset}, which the
     * caller found longer than {@code maxFrameLength} (a frame that fits is never answered).
     *
     * @return {@link #FRAGMENT}, {@link #REPLY_IPV4}, {@link #REPLY_IPV6} or {@link #DROP_MALFORMED}
     */
    public int classify(ByteBuffer frame, int offset, int length, int maxFrameLength) {
        if (ethernet.wrap(frame, offset, length) != FrameStatus.OK) {
            return DROP_MALFORMED;
        }
        if (MacAddress.isMulticast(ethernet.destination()) || MacAddress.isMulticast(ethernet.source())) {
            return FRAGMENT;
        }
        l2Length = ethernet.headerLength();
        ipIndex = offset + l2Length;
        innerMtu = maxFrameLength - l2Length;
        int available = length - l2Length;
        switch (ethernet.etherType()) {
            case EtherType.IPV4:
                return classifyIpv4(frame, available);
            case EtherType.IPV6:
                return classifyIpv6(frame, available);
            default:
                return FRAGMENT;
        }
    }

    private int classifyIpv4(ByteBuffer frame, int available) {
        int ip = ipIndex;
        if (available < IPV4_HEADER_LENGTH) {
            return DROP_MALFORMED;
        }
        int versionIhl = Bytes.u8(frame, ip);
        int headerLength = (versionIhl & 0x0F) * 4;
        if (versionIhl >>> 4 != 4 || headerLength < IPV4_HEADER_LENGTH || headerLength > available) {
            return DROP_MALFORMED;
        }
        int totalLength = Bytes.u16(frame, ip + V4_TOTAL_LENGTH);
        if (totalLength < headerLength || totalLength > available) {
            return DROP_MALFORMED;
        }
        if (Checksum.fold(Checksum.add(0, frame, ip, headerLength)) != 0xFFFF) {
            return DROP_MALFORMED;
        }
        int flagsFragment = Bytes.u16(frame, ip + V4_FLAGS_FRAGMENT);
        if (totalLength <= innerMtu || innerMtu < IPV4_MIN_MTU
                || (flagsFragment & V4_DONT_FRAGMENT) == 0 || (flagsFragment & V4_FRAGMENT_OFFSET_MASK) != 0
                || !isIpv4HostSource(Bytes.u8(frame, ip + V4_SOURCE))
                || !isIpv4UnicastDestination(Bytes.u8(frame, ip + V4_DESTINATION))) {
            return FRAGMENT;
        }
        if (Bytes.u8(frame, ip + V4_PROTOCOL) == PROTOCOL_ICMP) {
            if (totalLength < headerLength + 1) {
                return DROP_MALFORMED;
            }
            if (isIcmpError(Bytes.u8(frame, ip + headerLength))) {
                return FRAGMENT;
            }
        }
        ipLength = totalLength;
        return REPLY_IPV4;
    }

    /** 0/8 (this network), 127/8 (loopback), 224/4 (multicast) and 240/4 (reserved, broadcast) name no host. */
    private static boolean isIpv4HostSource(int firstOctet) {
        return firstOctet != 0 && firstOctet != 127 && firstOctet < 224;
    }

    private static boolean isIpv4UnicastDestination(int firstOctet) {
        return isIpv4HostSource(firstOctet);
    }

    /** Destination unreachable, source quench, redirect, time exceeded, parameter problem. */
    private static boolean isIcmpError(int type) {
        return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    }

    private int classifyIpv6(ByteBuffer frame, int available) {
        int ip = ipIndex;
        if (available < IPV6_HEADER_LENGTH) {
            return DROP_MALFORMED;
        }
        if (Bytes.u8(frame, ip) >>> 4 != 6) {
            return DROP_MALFORMED;
        }
        int packetLength = IPV6_HEADER_LENGTH + Bytes.u16(frame, ip + V6_PAYLOAD_LENGTH);
        if (packetLength > available) {
            return DROP_MALFORMED;
        }
        if (packetLength <= innerMtu || innerMtu < IPV6_MIN_MTU
                || !isIpv6HostAddress(frame, ip + V6_SOURCE) || !isIpv6HostAddress(frame, ip + V6_DESTINATION)) {
            return FRAGMENT;
        }
        int upper = upperLayer(frame, ip, packetLength);
        if (upper == MALFORMED_CHAIN) {
            return DROP_MALFORMED;
        }
        if (upper == ICMPV6_ERROR) {
            return FRAGMENT;
        }
        ipLength = packetLength;
        return REPLY_IPV6;
    }

    /** Neither multicast (ff00::/8), nor unspecified (::), nor loopback (::1). */
    private static boolean isIpv6HostAddress(ByteBuffer frame, int index) {
        if (Bytes.u8(frame, index) == 0xFF) {
            return false;
        }
        for (int i = 0; i < V6_ADDRESS_LENGTH - 1; i++) {
            if (frame.get(index + i) != 0) {
                return true;
            }
        }
        return Bytes.u8(frame, index + V6_ADDRESS_LENGTH - 1) > 1;
    }

    /**
     * Walks the extension headers to say whether the packet is an ICMPv6 error. Each step advances at least
     * eight bytes, so the walk ends within the packet.
     */
    private static int upperLayer(ByteBuffer frame, int ip, int packetLength) {
        int end = ip + packetLength;
        int next = Bytes.u8(frame, ip + V6_NEXT_HEADER);
        int at = ip + IPV6_HEADER_LENGTH;
        while (true) {
            switch (next) {
                case 0: // hop-by-hop options
                case 43: // routing
                case 60: // destination options
                case 135: // mobility
                case 139: // host identity protocol
                case 140: // shim6
                    if (at + 2 > end) {
                        return MALFORMED_CHAIN;
                    }
                    next = Bytes.u8(frame, at);
                    at += (Bytes.u8(frame, at + 1) + 1) * 8;
                    break;
                case 51: // authentication header counts in 4-byte units, minus 2
                    if (at + 2 > end) {
                        return MALFORMED_CHAIN;
                    }
                    next = Bytes.u8(frame, at);
                    at += (Bytes.u8(frame, at + 1) + 2) * 4;
                    break;
                case 44: // fragment
                    if (at + 8 > end) {
                        return MALFORMED_CHAIN;
                    }
                    if ((Bytes.u16(frame, at + 2) & V6_FRAGMENT_OFFSET_MASK) != 0) {
                        return OTHER_UPPER_LAYER; // a later fragment: the upper layer is not in it
                    }
                    next = Bytes.u8(frame, at);
                    at += 8;
                    break;
                case NEXT_HEADER_ICMPV6:
                    if (at + 1 > end) {
                        return MALFORMED_CHAIN;
                    }
                    return Bytes.u8(frame, at) < 128 ? ICMPV6_ERROR : OTHER_UPPER_LAYER;
                default:
                    return OTHER_UPPER_LAYER;
            }
            if (at > end) {
                return MALFORMED_CHAIN;
            }
        }
    }

    /**
     * Builds the reply to the frame at {@code [offset, offset + length)} into {@code out} at
     * {@code [outOffset, outOffset + outCapacity)}, which must not overlap the frame. Nothing is written
     * outside that range, nor anything at all when 0 is returned.
     *
     * @param maxFrameLength the longest frame one tunnel message carries to this peer; the MTU announced is
     *     this minus the frame's L2 header length
     * @return the length of the reply Ethernet frame, or 0 when no reply must be sent: the frame is not
     *     {@link #REPLY_IPV4}/{@link #REPLY_IPV6} by {@link #classify}, {@code out} is missing, read-only,
     *     overlapping the frame or out of bounds, or {@code outCapacity} cannot hold the reply with at least
     *     the original IP header and 8 bytes (IPv4) or 48 bytes (IPv6) quoted; {@link #MAX_REPLY_LENGTH}
     *     always suffices
     */
    public int build(ByteBuffer frame, int offset, int length, int maxFrameLength,
                     ByteBuffer out, int outOffset, int outCapacity) {
        if (!Bytes.inBounds(out, outOffset, outCapacity) || out.isReadOnly()
                || Bytes.overlap(frame, offset, length, out, outOffset, outCapacity)) {
            return 0;
        }
        int treatment = classify(frame, offset, length, maxFrameLength);
        if (treatment == REPLY_IPV4) {
            return buildIpv4(frame, offset, out, outOffset, outCapacity);
        }
        if (treatment == REPLY_IPV6) {
            return buildIpv6(frame, offset, out, outOffset, outCapacity);
        }
        return 0;
    }

    private int buildIpv4(ByteBuffer frame, int offset, ByteBuffer out, int outOffset, int outCapacity) {
        int ip = ipIndex;
        int originalHeaderLength = (Bytes.u8(frame, ip) & 0x0F) * 4;
        int room = outCapacity - l2Length - IPV4_HEADER_LENGTH - ICMP_HEADER_LENGTH;
        int quote = Math.min(Math.min(ipLength, IPV4_MAX_REPLY_PACKET - IPV4_HEADER_LENGTH - ICMP_HEADER_LENGTH), room);
        if (quote < originalHeaderLength + 8) {
            return 0;
        }
        writeL2(frame, offset, out, outOffset);
        int rip = outOffset + l2Length;
        int totalLength = IPV4_HEADER_LENGTH + ICMP_HEADER_LENGTH + quote;
        Bytes.put8(out, rip, 0x45);
        Bytes.put8(out, rip + 1, IPV4_REPLY_TOS);
        Bytes.put16(out, rip + V4_TOTAL_LENGTH, totalLength);
        Bytes.put16(out, rip + V4_ID, ipv4Id);
        ipv4Id = (ipv4Id + 1) & 0xFFFF;
        Bytes.put16(out, rip + V4_FLAGS_FRAGMENT, 0);
        Bytes.put8(out, rip + V4_TTL, REPLY_HOP_LIMIT);
        Bytes.put8(out, rip + V4_PROTOCOL, PROTOCOL_ICMP);
        Bytes.put16(out, rip + V4_CHECKSUM, 0);
        Bytes.put32(out, rip + V4_SOURCE, Bytes.u32(frame, ip + V4_DESTINATION));
        Bytes.put32(out, rip + V4_DESTINATION, Bytes.u32(frame, ip + V4_SOURCE));
        Bytes.put16(out, rip + V4_CHECKSUM, Checksum.finish(Checksum.add(0, out, rip, IPV4_HEADER_LENGTH)));

        int icmp = rip + IPV4_HEADER_LENGTH;
        Bytes.put8(out, icmp, ICMP_DEST_UNREACHABLE);
        Bytes.put8(out, icmp + 1, ICMP_CODE_FRAGMENTATION_NEEDED);
        Bytes.put16(out, icmp + 2, 0);
        Bytes.put16(out, icmp + 4, 0);
        Bytes.put16(out, icmp + 6, Math.min(innerMtu, 0xFFFF));
        out.put(icmp + ICMP_HEADER_LENGTH, frame, ip, quote);
        Bytes.put16(out, icmp + 2, Checksum.finish(Checksum.add(0, out, icmp, ICMP_HEADER_LENGTH + quote)));
        return l2Length + totalLength;
    }

    private int buildIpv6(ByteBuffer frame, int offset, ByteBuffer out, int outOffset, int outCapacity) {
        int ip = ipIndex;
        int room = outCapacity - l2Length - IPV6_HEADER_LENGTH - ICMP_HEADER_LENGTH;
        int quote = Math.min(Math.min(ipLength, IPV6_MAX_REPLY_PACKET - IPV6_HEADER_LENGTH - ICMP_HEADER_LENGTH), room);
        if (quote < IPV6_HEADER_LENGTH + 8) {
            return 0;
        }
        writeL2(frame, offset, out, outOffset);
        int rip = outOffset + l2Length;
        int icmpLength = ICMP_HEADER_LENGTH + quote;
        Bytes.put32(out, rip, 0x6000_0000);
        Bytes.put16(out, rip + V6_PAYLOAD_LENGTH, icmpLength);
        Bytes.put8(out, rip + V6_NEXT_HEADER, NEXT_HEADER_ICMPV6);
        Bytes.put8(out, rip + V6_HOP_LIMIT, REPLY_HOP_LIMIT);
        out.put(rip + V6_SOURCE, frame, ip + V6_DESTINATION, V6_ADDRESS_LENGTH);
        out.put(rip + V6_DESTINATION, frame, ip + V6_SOURCE, V6_ADDRESS_LENGTH);

        int icmp = rip + IPV6_HEADER_LENGTH;
        Bytes.put8(out, icmp, ICMPV6_PACKET_TOO_BIG);
        Bytes.put8(out, icmp + 1, 0);
        Bytes.put16(out, icmp + 2, 0);
        Bytes.put32(out, icmp + 4, innerMtu);
        out.put(icmp + ICMP_HEADER_LENGTH, frame, ip, quote);
        // Pseudo-header: both addresses, the upper-layer length and the next header.
        long sum = Checksum.add(0, out, rip + V6_SOURCE, 2 * V6_ADDRESS_LENGTH);
        sum += icmpLength + NEXT_HEADER_ICMPV6;
        sum = Checksum.add(sum, out, icmp, icmpLength);
        Bytes.put16(out, icmp + 2, Checksum.finish(sum));
        return l2Length + IPV6_HEADER_LENGTH + icmpLength;
    }

    /** Addresses swapped; tags and EtherType copied byte for byte, so VLAN, priority and QinQ stay. */
    private void writeL2(ByteBuffer frame, int offset, ByteBuffer out, int outOffset) {
        out.put(outOffset + EthernetFrame.DESTINATION_OFFSET, frame, offset + EthernetFrame.SOURCE_OFFSET, 6);
        out.put(outOffset + EthernetFrame.SOURCE_OFFSET, frame, offset + EthernetFrame.DESTINATION_OFFSET, 6);
        out.put(outOffset + EthernetFrame.TYPE_OFFSET, frame, offset + EthernetFrame.TYPE_OFFSET,
                l2Length - EthernetFrame.TYPE_OFFSET);
    }

    /** A human word for a treatment; unknown values are described, not rejected. */
    public static String describe(int treatment) {
        switch (treatment) {
            case FRAGMENT:
                return "fragment";
            case REPLY_IPV4:
                return "icmp-frag-needed";
            case REPLY_IPV6:
                return "icmpv6-packet-too-big";
            case DROP_MALFORMED:
                return "malformed";
            default:
                return "unknown treatment " + treatment;
        }
    }
}
