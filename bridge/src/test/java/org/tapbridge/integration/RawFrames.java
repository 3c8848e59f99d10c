package org.tapbridge.integration;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Shell;

/**
 * Reads, builds and sends raw Ethernet frames for the MTU tests: finds the IP header behind VLAN tags,
 * tells IP fragments apart, reads a TCP segment's flags, MSS option and checksum, and the MTU an ICMP
 * "fragmentation needed" or ICMPv6 "packet too big" announces. Written apart from the daemon's own
 * parsers, so the tests hold the daemon against a second implementation. Test code only.
 *
 * <pre>
 *  Ethernet: destination (6) | source (6) | [0x8100 or 0x88a8 | TCI (2)]* | EtherType (2) | payload
 *  IPv4:     version/IHL | TOS | total length | id | flags/fragment offset | TTL | protocol | checksum | src | dst
 *  IPv6:     version/class/flow (4) | payload length (2) | next header | hop limit | src (16) | dst (16)
 *  TCP:      ports (4) | seq (4) | ack (4) | data offset/flags (2) | window | checksum | urgent | options
 * </pre>
 */
final class RawFrames {
    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_IPV6 = 0x86DD;
    static final int ETHERTYPE_VLAN = 0x8100;
    static final int ETHERTYPE_QINQ = 0x88A8;
    static final int PROTO_ICMP = 1;
    static final int PROTO_TCP = 6;
    static final int PROTO_UDP = 17;
    static final int PROTO_IPV6_FRAGMENT = 44;
    static final int PROTO_ICMPV6 = 58;
    static final int TCP_SYN = 0x02;
    static final int TCP_ACK = 0x10;
    private static final int MAC_LENGTH = 6;
    private static final int ETHERNET_HEADER_LENGTH = 14;
    private static final int TAG_LENGTH = 4;
    private static final int IPV4_HEADER_LENGTH = 20;
    private static final int IPV6_HEADER_LENGTH = 40;
    private static final int TCP_CHECKSUM_OFFSET = 16;
    private static final int TCP_OPTION_MSS = 2;
    private static final int TCP_OPTION_END = 0;
    private static final int TCP_OPTION_NOP = 1;

    private RawFrames() {
    }

    /** The IP packet inside a frame: where its header and payload are, and what it carries. */
    record Ip(int version, int headerOffset, int payloadOffset, int end, int protocol, boolean fragment,
              boolean dontFragment, byte[] source, byte[] destination) {
        String sourceText() {
            return text(source);
        }

        String destinationText() {
            return text(destination);
        }
    }

    /** A TCP segment's header fields that the MSS tests look at. */
    record Tcp(Ip ip, int l2HeaderLength, int sourcePort, int destinationPort, int flags, int mss, int mssOffset,
               boolean checksumValid) {
        boolean isSyn() {
            return (flags & TCP_SYN) != 0;
        }

        boolean isSynAck() {
            return isSyn() && (flags & TCP_ACK) != 0;
        }
    }

    /** Ethernet header plus its VLAN tags: 14, 18, 22... */
    static int l2HeaderLength(byte[] f) {
        int at = 2 * MAC_LENGTH;
        while (at + 2 <= f.length && (u16(f, at) == ETHERTYPE_VLAN || u16(f, at) == ETHERTYPE_QINQ)) {
            at += TAG_LENGTH;
        }
        return at + 2;
    }

    /** The EtherType behind the tags, or -1 for a truncated frame. */
    static int etherType(byte[] f) {
        int l2 = l2HeaderLength(f);
        return l2 <= f.length ? u16(f, l2 - 2) : -1;
    }

    /** The first tag's VLAN id, or -1 when the frame is untagged. */
    static int vlanId(byte[] f) {
        return f.length >= ETHERNET_HEADER_LENGTH + TAG_LENGTH && u16(f, 12) == ETHERTYPE_VLAN ? u16(f, 14) & 0x0FFF
                : -1;
    }

    /** The IP packet in the frame, or null (not IP, or its fixed header is cut off). */
    static Ip ip(byte[] f) {
        int type = etherType(f);
        int at = l2HeaderLength(f);
        if (type == ETHERTYPE_IPV4 && at + IPV4_HEADER_LENGTH <= f.length && (f[at] & 0xF0) == 0x40) {
            int headerLength = (f[at] & 0x0F) * 4;
            int flagsAndOffset = u16(f, at + 6);
            return new Ip(4, at, at + headerLength, Math.min(f.length, at + u16(f, at + 2)), f[at + 9] & 0xFF,
                    (flagsAndOffset & 0x3FFF) != 0, (flagsAndOffset & 0x4000) != 0,
                    Arrays.copyOfRange(f, at + 12, at + 16), Arrays.copyOfRange(f, at + 16, at + 20));
        }
        if (type == ETHERTYPE_IPV6 && at + IPV6_HEADER_LENGTH <= f.length && (f[at] & 0xF0) == 0x60) {
            int next = f[at + 6] & 0xFF;
            int payload = at + IPV6_HEADER_LENGTH;
            boolean fragment = next == PROTO_IPV6_FRAGMENT;
            if (fragment && payload + 8 <= f.length) {
                // The fragment header names what the fragments carry.
                next = f[payload] & 0xFF;
                payload += 8;
            }
            return new Ip(6, at, payload, Math.min(f.length, at + IPV6_HEADER_LENGTH + u16(f, at + 4)), next,
                    fragment, true, Arrays.copyOfRange(f, at + 8, at + 24), Arrays.copyOfRange(f, at + 24, at + 40));
        }
        return null;
    }

    /** The TCP segment in an unfragmented IP packet, or null; its checksum is verified from scratch. */
    static Tcp tcp(byte[] f) {
        Ip ip = ip(f);
        if (ip == null || ip.protocol() != PROTO_TCP || ip.fragment() || ip.payloadOffset() + 20 > ip.end()) {
            return null;
        }
        int at = ip.payloadOffset();
        int dataOffset = (f[at + 12] >> 4 & 0x0F) * 4;
        int mss = -1;
        int mssOffset = -1;
        int option = at + 20;
        while (option < at + dataOffset && option < ip.end()) {
            int kind = f[option] & 0xFF;
            if (kind == TCP_OPTION_END) {
                break;
            }
            if (kind == TCP_OPTION_NOP) {
                option++;
                continue;
            }
            int length = option + 1 < ip.end() ? f[option + 1] & 0xFF : 0;
            if (length < 2) {
                break;
            }
            if (kind == TCP_OPTION_MSS && length == 4) {
                mss = u16(f, option + 2);
                mssOffset = option + 2;
            }
            option += length;
        }
        return new Tcp(ip, l2HeaderLength(f), u16(f, at), u16(f, at + 2), f[at + 13] & 0x3F, mss, mssOffset,
                transportChecksum(f, ip) == 0xFFFF);
    }

    /**
     * The MTU announced by an ICMP "fragmentation needed" (type 3 code 4) or ICMPv6 "packet too big"
     * (type 2) in the frame, or -1 when it is neither.
     */
    static int tooBigMtu(byte[] f) {
        Ip ip = ip(f);
        if (ip == null || ip.fragment() || ip.payloadOffset() + 8 > ip.end()) {
            return -1;
        }
        int at = ip.payloadOffset();
        if (ip.version() == 4 && ip.protocol() == PROTO_ICMP && f[at] == 3 && f[at + 1] == 4) {
            return u16(f, at + 6);
        }
        if (ip.version() == 6 && ip.protocol() == PROTO_ICMPV6 && f[at] == 2 && f[at + 1] == 0) {
            return (int) u32(f, at + 4);
        }
        return -1;
    }

    /** Whether the ICMP or ICMPv6 message in the frame has a valid checksum. */
    static boolean icmpChecksumValid(byte[] f) {
        Ip ip = ip(f);
        if (ip == null) {
            return false;
        }
        if (ip.version() == 4) {
            return checksum(f, ip.payloadOffset(), ip.end() - ip.payloadOffset(), 0) == 0xFFFF;
        }
        return transportChecksum(f, ip) == 0xFFFF;
    }

    /**
     * A TCP SYN with one option, MSS, in an IPv4 (DF set) or IPv6 packet behind an 802.1Q tag, with correct
     * IPv4 header and TCP checksums.
     */
    static byte[] taggedSyn(byte[] destinationMac, byte[] sourceMac, int vlanId, InetAddress source,
            InetAddress destination, int sourcePort, int destinationPort, int mss) {
        byte[] tcp = new byte[24];
        put16(tcp, 0, sourcePort);
        put16(tcp, 2, destinationPort);
        put16(tcp, 4, 0x1F2E);
        put16(tcp, 6, 0x3D4C);
        tcp[12] = (byte) ((tcp.length / 4) << 4);
        tcp[13] = TCP_SYN;
        put16(tcp, 14, 64240);
        tcp[20] = TCP_OPTION_MSS;
        tcp[21] = 4;
        put16(tcp, 22, mss);
        return ipFrame(destinationMac, sourceMac, vlanId, source, destination, PROTO_TCP, tcp, TCP_CHECKSUM_OFFSET,
                true);
    }

    /**
     * A UDP datagram carrying {@code payload} in an IPv4 packet (DF as asked) or an IPv6 packet, behind an
     * 802.1Q tag unless {@code vlanId} is negative, with correct checksums.
     */
    static byte[] udp(byte[] destinationMac, byte[] sourceMac, int vlanId, InetAddress source,
            InetAddress destination, int sourcePort, int destinationPort, byte[] payload, boolean dontFragment) {
        byte[] udp = new byte[8 + payload.length];
        put16(udp, 0, sourcePort);
        put16(udp, 2, destinationPort);
        put16(udp, 4, udp.length);
        System.arraycopy(payload, 0, udp, 8, payload.length);
        return ipFrame(destinationMac, sourceMac, vlanId, source, destination, PROTO_UDP, udp, 6, dontFragment);
    }

    /** A frame of any EtherType, behind an 802.1Q tag unless {@code vlanId} is negative. */
    static byte[] frame(byte[] destinationMac, byte[] sourceMac, int vlanId, int etherType, byte[] payload) {
        int l2 = ETHERNET_HEADER_LENGTH + (vlanId >= 0 ? TAG_LENGTH : 0);
        byte[] f = new byte[l2 + payload.length];
        System.arraycopy(destinationMac, 0, f, 0, MAC_LENGTH);
        System.arraycopy(sourceMac, 0, f, MAC_LENGTH, MAC_LENGTH);
        if (vlanId >= 0) {
            put16(f, 12, ETHERTYPE_VLAN);
            put16(f, 14, vlanId);
        }
        put16(f, l2 - 2, etherType);
        System.arraycopy(payload, 0, f, l2, payload.length);
        return f;
    }

    private static byte[] ipFrame(byte[] destinationMac, byte[] sourceMac, int vlanId, InetAddress source,
            InetAddress destination, int protocol, byte[] transport, int checksumOffset, boolean dontFragment) {
        boolean v4 = source.getAddress().length == 4;
        int ipHeader = v4 ? IPV4_HEADER_LENGTH : IPV6_HEADER_LENGTH;
        byte[] packet = new byte[ipHeader + transport.length];
        if (v4) {
            packet[0] = 0x45;
            put16(packet, 2, packet.length);
            put16(packet, 4, 0x1234);
            put16(packet, 6, dontFragment ? 0x4000 : 0);
            packet[8] = 64;
            packet[9] = (byte) protocol;
            System.arraycopy(source.getAddress(), 0, packet, 12, 4);
            System.arraycopy(destination.getAddress(), 0, packet, 16, 4);
            put16(packet, 10, ~checksum(packet, 0, IPV4_HEADER_LENGTH, 0) & 0xFFFF);
        } else {
            packet[0] = 0x60;
            put16(packet, 4, transport.length);
            packet[6] = (byte) protocol;
            packet[7] = 64;
            System.arraycopy(source.getAddress(), 0, packet, 8, 16);
            System.arraycopy(destination.getAddress(), 0, packet, 24, 16);
        }
        System.arraycopy(transport, 0, packet, ipHeader, transport.length);
        byte[] f = frame(destinationMac, sourceMac, vlanId, v4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6, packet);
        Ip ip = ip(f);
        int sum = ~transportChecksum(f, ip) & 0xFFFF;
        // A UDP checksum of 0 means "none": its ones' complement twin says the same sum.
        put16(f, ip.payloadOffset() + checksumOffset, sum == 0 && protocol == PROTO_UDP ? 0xFFFF : sum);
        return f;
    }

    /** Sends each file's bytes as one frame, as they are, out of {@code device} in {@code host} (AF_PACKET). */
    static void send(Netns host, String device, Path... frames) {
        List<String> cmd = new ArrayList<>(List.of("python3", "-c", "import socket, sys\n"
                + "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n"
                + "s.bind((sys.argv[1], 0))\n"
                + "for name in sys.argv[2:]:\n"
                + "    with open(name, 'rb') as f:\n"
                + "        s.send(f.read())\n", device));
        for (Path p : frames) {
            cmd.add(p.toString());
        }
        Shell.Result r = host.exec(20, cmd.toArray(new String[0]));
        if (!r.ok()) {
            throw new AssertionError("sending raw frames in " + host.name() + ": " + r.stderr());
        }
    }

    /** The ones' complement sum over the pseudo-header and the transport segment: 0xFFFF when valid. */
    private static int transportChecksum(byte[] f, Ip ip) {
        int length = ip.end() - ip.payloadOffset();
        long pseudo = 0;
        byte[] addresses = concat(ip.source(), ip.destination());
        for (int i = 0; i < addresses.length; i += 2) {
            pseudo += u16(addresses, i);
        }
        pseudo += ip.protocol() + length;
        return checksum(f, ip.payloadOffset(), length, pseudo);
    }

    /** RFC 1071 ones' complement sum of {@code f[offset, +length)} plus {@code initial}, folded to 16 bits. */
    static int checksum(byte[] f, int offset, int length, long initial) {
        long sum = initial;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += u16(f, offset + i);
        }
        if ((length & 1) != 0) {
            sum += (f[offset + length - 1] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** A MAC in the {@code aa:bb:cc:dd:ee:ff} form ip(8) prints. */
    static byte[] mac(String text) {
        String[] parts = text.split(":");
        byte[] mac = new byte[MAC_LENGTH];
        for (int i = 0; i < MAC_LENGTH; i++) {
            mac[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return mac;
    }

    static int u16(byte[] f, int at) {
        return (f[at] & 0xFF) << 8 | (f[at + 1] & 0xFF);
    }

    private static long u32(byte[] f, int at) {
        return (long) u16(f, at) << 16 | u16(f, at + 2);
    }

    private static void put16(byte[] f, int at, int value) {
        f[at] = (byte) (value >>> 8);
        f[at + 1] = (byte) value;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static String text(byte[] address) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
