package org.tapbridge.inet;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds Ethernet frames carrying IPv4 or IPv6 and TCP (or another protocol) byte by byte, with
 * correct IPv4 header and TCP checksums from {@link ReferenceChecksum}. Addresses are documentation
 * and link-local ones only.
 */
final class FrameBuilder {
    static final byte[] IPV4_SOURCE = {(byte) 192, 0, 2, 10};
    static final byte[] IPV4_DESTINATION = {(byte) 198, 51, 100, 20};
    static final byte[] IPV6_SOURCE = ipv6LinkLocal(0x10);
    static final byte[] IPV6_DESTINATION = ipv6LinkLocal(0x20);
    static final int VLAN = 0x8100;
    static final int QINQ = 0x88A8;

    private final boolean ipv6;
    private final List<int[]> tags = new ArrayList<>();
    private byte[] ipOptions = {};
    private int ipv4FlagsAndFragment = 0x4000; // DF, as TCP stacks doing PMTU discovery send
    private final List<byte[]> extensions = new ArrayList<>();
    private final List<Integer> extensionTypes = new ArrayList<>();
    private int protocol = IpProtocol.TCP;
    private int tcpFlags = TcpHeader.SYN;
    private byte[] tcpOptions = {};
    private byte[] payload = {};
    private int padding;
    private int ethernetType = -1;

    private FrameBuilder(boolean ipv6) {
        this.ipv6 = ipv6;
    }

    static FrameBuilder ipv4() {
        return new FrameBuilder(false);
    }

    static FrameBuilder ipv6() {
        return new FrameBuilder(true);
    }

    /** A SYN with the options Linux sends: MSS, SACK permitted, timestamps, NOP, window scale. */
    static FrameBuilder linuxSyn(boolean ipv6, int mss) {
        return new FrameBuilder(ipv6).tcpOptions(Options.linuxSyn(mss));
    }

    /** Adds a tag (outermost first). */
    FrameBuilder tag(int tpid, int vlanId) {
        tags.add(new int[] {tpid, vlanId});
        return this;
    }

    /** IPv4 options, padded by the caller to a multiple of 4 bytes. */
    FrameBuilder ipOptions(int... bytes) {
        ipOptions = Options.bytes(bytes);
        return this;
    }

    /** IPv4 fragment: offset in bytes (a multiple of 8) and the more-fragments flag. */
    FrameBuilder ipv4Fragment(int offsetBytes, boolean more) {
        ipv4FlagsAndFragment = (more ? 0x2000 : 0) | offsetBytes / 8;
        return this;
    }

    /**
     * An IPv6 extension header of {@code length} bytes (a multiple of 8, or of 4 for AH); options
     * headers are filled with one PadN option, others with zeros.
     */
    FrameBuilder extension(int type, int length) {
        byte[] header = new byte[length];
        if (type == IpProtocol.AH) {
            header[1] = (byte) (length / 4 - 2);
        } else if (type != IpProtocol.FRAGMENT) {
            header[1] = (byte) (length / 8 - 1);
        }
        if (type == IpProtocol.HOP_BY_HOP || type == IpProtocol.DESTINATION_OPTIONS) {
            header[2] = 1; // PadN
            header[3] = (byte) (length - 4);
        } else if (type == IpProtocol.ROUTING) {
            header[2] = (byte) 253; // RFC 4727 experimental type, segments left 0: destination unchanged
        }
        extensions.add(header);
        extensionTypes.add(type);
        return this;
    }

    /** An IPv6 fragment header: offset in bytes (a multiple of 8) and the more-fragments flag. */
    FrameBuilder ipv6Fragment(int offsetBytes, boolean more) {
        extension(IpProtocol.FRAGMENT, 8);
        byte[] header = extensions.get(extensions.size() - 1);
        TestFrame.putU16(header, 2, offsetBytes | (more ? 1 : 0));
        header[7] = 0x2A; // identification
        return this;
    }

    /** The protocol after IP; anything but TCP gets {@code payload} as its only content. */
    FrameBuilder protocol(int protocol) {
        this.protocol = protocol;
        return this;
    }

    FrameBuilder tcpFlags(int flags) {
        tcpFlags = flags;
        return this;
    }

    /** TCP options; padded here with End-of-List bytes to a multiple of 4. */
    FrameBuilder tcpOptions(byte[] options) {
        tcpOptions = options;
        return this;
    }

    FrameBuilder payload(byte[] bytes) {
        payload = bytes.clone();
        return this;
    }

    /** Zero bytes after the IP packet, as short Ethernet frames carry. */
    FrameBuilder padding(int bytes) {
        padding = bytes;
        return this;
    }

    /** Overrides the EtherType (after tags), e.g. for ARP; the IP packet follows regardless. */
    FrameBuilder etherType(int type) {
        ethernetType = type;
        return this;
    }

    TestFrame build() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, 0x02, 0x00, 0x5E, 0x00, 0x00, 0x02); // destination
        write(out, 0x02, 0x00, 0x5E, 0x00, 0x00, 0x01); // source
        for (int[] tag : tags) {
            write16(out, tag[0]);
            write16(out, tag[1]);
        }
        write16(out, ethernetType >= 0 ? ethernetType : ipv6 ? 0x86DD : 0x0800);
        int l2Length = out.size();

        byte[] transport = protocol == IpProtocol.TCP ? tcpWithoutChecksum() : payload.clone();
        byte[] ipHeader = ipv6 ? ipv6Header(transport.length) : ipv4Header(transport.length);
        out.writeBytes(ipHeader);
        int tcpStart = protocol == IpProtocol.TCP ? out.size() : -1;
        out.writeBytes(transport);
        int packetEnd = out.size();
        out.writeBytes(new byte[padding]);
        byte[] bytes = out.toByteArray();
        TestFrame frame = new TestFrame(bytes, ipv6, l2Length, l2Length, tcpStart, packetEnd);
        if (tcpStart >= 0) {
            TestFrame.putU16(bytes, tcpStart + 16, ~frame.tcpSum(bytes) & 0xFFFF);
        }
        return frame;
    }

    private byte[] tcpWithoutChecksum() {
        int optionsLength = (tcpOptions.length + 3) / 4 * 4;
        byte[] tcp = new byte[20 + optionsLength + payload.length];
        TestFrame.putU16(tcp, 0, 49_152); // source port
        TestFrame.putU16(tcp, 2, 443);
        tcp[4] = 0x12; // sequence number
        tcp[7] = 0x34;
        if ((tcpFlags & TcpHeader.ACK) != 0) {
            tcp[8] = 0x56;
            tcp[11] = 0x78;
        }
        tcp[12] = (byte) ((20 + optionsLength) / 4 << 4);
        tcp[13] = (byte) tcpFlags;
        TestFrame.putU16(tcp, 14, 64_240); // window
        System.arraycopy(tcpOptions, 0, tcp, 20, tcpOptions.length);
        System.arraycopy(payload, 0, tcp, 20 + optionsLength, payload.length);
        return tcp;
    }

    private byte[] ipv4Header(int transportLength) {
        int headerLength = 20 + ipOptions.length;
        byte[] header = new byte[headerLength];
        header[0] = (byte) (0x40 | headerLength / 4);
        TestFrame.putU16(header, 2, headerLength + transportLength);
        TestFrame.putU16(header, 4, 0x1D1D); // identification
        TestFrame.putU16(header, 6, ipv4FlagsAndFragment);
        header[8] = 64;
        header[9] = (byte) protocol;
        System.arraycopy(IPV4_SOURCE, 0, header, 12, 4);
        System.arraycopy(IPV4_DESTINATION, 0, header, 16, 4);
        System.arraycopy(ipOptions, 0, header, 20, ipOptions.length);
        TestFrame.putU16(header, 10, ~ReferenceChecksum.sum(header) & 0xFFFF);
        return header;
    }

    private byte[] ipv6Header(int transportLength) {
        int extensionsLength = extensions.stream().mapToInt(e -> e.length).sum();
        byte[] header = new byte[40 + extensionsLength];
        header[0] = 0x60;
        TestFrame.putU16(header, 4, extensionsLength + transportLength);
        header[6] = (byte) (extensions.isEmpty() ? protocol : extensionTypes.get(0));
        header[7] = 64;
        System.arraycopy(IPV6_SOURCE, 0, header, 8, 16);
        System.arraycopy(IPV6_DESTINATION, 0, header, 24, 16);
        int at = 40;
        for (int i = 0; i < extensions.size(); i++) {
            byte[] extension = extensions.get(i);
            System.arraycopy(extension, 0, header, at, extension.length);
            header[at] = (byte) (i + 1 < extensions.size() ? extensionTypes.get(i + 1) : protocol);
            at += extension.length;
        }
        return header;
    }

    private static byte[] ipv6LinkLocal(int last) {
        byte[] address = new byte[16];
        address[0] = (byte) 0xFE;
        address[1] = (byte) 0x80;
        address[15] = (byte) last;
        return address;
    }

    private static void write(ByteArrayOutputStream out, int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
    }

    private static void write16(ByteArrayOutputStream out, int value) {
        out.write(value >>> 8);
        out.write(value);
    }

    /** TCP option byte strings. */
    static final class Options {
        private Options() {
        }

        static byte[] bytes(int... values) {
            byte[] bytes = new byte[values.length];
            for (int i = 0; i < values.length; i++) {
                bytes[i] = (byte) values[i];
            }
            return bytes;
        }

        static byte[] concat(byte[]... parts) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] part : parts) {
                out.writeBytes(part);
            }
            return out.toByteArray();
        }

        static byte[] mss(int value) {
            return bytes(2, 4, value >>> 8, value & 0xFF);
        }

        static byte[] nop() {
            return bytes(1);
        }

        static byte[] sackPermitted() {
            return bytes(4, 2);
        }

        static byte[] timestamps(int value, int echo) {
            return bytes(8, 10, value >>> 24, value >>> 16 & 0xFF, value >>> 8 & 0xFF, value & 0xFF,
                    echo >>> 24, echo >>> 16 & 0xFF, echo >>> 8 & 0xFF, echo & 0xFF);
        }

        static byte[] windowScale(int shift) {
            return bytes(3, 3, shift);
        }

        /** MSS, SACK permitted, timestamps, NOP, window scale: 20 bytes, MSS first. */
        static byte[] linuxSyn(int mss) {
            return concat(mss(mss), sackPermitted(), timestamps(0x0A0B0C0D, 0), nop(), windowScale(7));
        }
    }
}
