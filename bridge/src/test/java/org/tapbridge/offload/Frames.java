package org.tapbridge.offload;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Builds TCP and UDP frames and super-frames byte by byte, as a LAN host or the kernel would hand them
 * over: Ethernet with optional 802.1Q/QinQ tags, IPv4 (with options) or IPv6 (with hop-by-hop and
 * destination options), TCP with options or UDP, and a transport checksum that is complete, or partial (the
 * pseudo-header sum the kernel leaves with NEEDS_CSUM), or zero.
 */
final class Frames {
    static final int VLAN = 0x8100;
    static final int QINQ = 0x88A8;
    static final byte[] IPV4_SOURCE = {(byte) 192, 0, 2, 10};
    static final byte[] IPV4_DESTINATION = {(byte) 198, 51, 100, 20};
    static final byte[] IPV6_SOURCE = linkLocal(0x10);
    static final byte[] IPV6_DESTINATION = linkLocal(0x20);

    enum Checksum { FULL, PARTIAL, ZERO }

    /** A built frame and where its parts start. */
    static final class Built {
        final byte[] bytes;
        final boolean ipv6;
        final int protocol;
        final int ipStart;
        final int transportStart;
        final int headerLength;
        final int packetEnd;

        Built(byte[] bytes, boolean ipv6, int protocol, int ipStart, int transportStart, int headerLength, int packetEnd) {
            this.bytes = bytes;
            this.ipv6 = ipv6;
            this.protocol = protocol;
            this.ipStart = ipStart;
            this.transportStart = transportStart;
            this.headerLength = headerLength;
            this.packetEnd = packetEnd;
        }

        int length() {
            return bytes.length;
        }

        int payloadLength() {
            return packetEnd - headerLength;
        }
    }

    private final boolean ipv6;
    private final List<int[]> tags = new ArrayList<>();
    private byte[] ipv4Options = {};
    private final List<byte[]> extensions = new ArrayList<>();
    private final List<Integer> extensionTypes = new ArrayList<>();
    private int protocol = Reference.TCP;
    private int tcpFlags = 0x10;
    private byte[] tcpOptions = {};
    private byte[] payload = {};
    private long sequence = 0x1000_0000L;
    private long acknowledgment = 0x2000_0000L;
    private int window = 501;
    private int identification = 0x1D1D;
    private boolean dontFragment = true;
    private int tos;
    private int ttl = 64;
    private int flowLabel = 0x12345;
    private int sourcePort = 49_152;
    private int destinationPort = 5201;
    private int sourceMacLast = 1;
    private Checksum checksum = Checksum.FULL;
    private int padding;

    private Frames(boolean ipv6) {
        this.ipv6 = ipv6;
    }

    static Frames ipv4() {
        return new Frames(false);
    }

    static Frames ipv6() {
        return new Frames(true);
    }

    static Frames of(boolean ipv6) {
        return new Frames(ipv6);
    }

    Frames tag(int tpid, int vlanId) {
        tags.add(new int[] {tpid, vlanId});
        return this;
    }

    Frames ipv4Options(byte[] options) {
        this.ipv4Options = options;
        return this;
    }

    /** An IPv6 extension header of {@code length} bytes (a multiple of 8) of the given type. */
    Frames extension(int type, int length) {
        byte[] header = new byte[length];
        header[1] = (byte) (length / 8 - 1);
        header[2] = 1; // PadN option filling the rest
        header[3] = (byte) (length - 4);
        extensions.add(header);
        extensionTypes.add(type);
        return this;
    }

    Frames udp() {
        this.protocol = Reference.UDP;
        return this;
    }

    Frames tcpFlags(int flags) {
        this.tcpFlags = flags;
        return this;
    }

    Frames tcpOptions(byte[] options) {
        this.tcpOptions = options;
        return this;
    }

    /** NOP, NOP, timestamps: what Linux puts on every data segment. */
    Frames timestamps(long value, long echo) {
        byte[] options = new byte[12];
        options[0] = 1;
        options[1] = 1;
        options[2] = 8;
        options[3] = 10;
        Reference.putU32(options, 4, value);
        Reference.putU32(options, 8, echo);
        return tcpOptions(options);
    }

    Frames payload(byte[] bytes) {
        this.payload = bytes;
        return this;
    }

    Frames randomPayload(int length, long seed) {
        byte[] bytes = new byte[length];
        new SplittableRandom(seed).nextBytes(bytes);
        return payload(bytes);
    }

    Frames sequence(long value) {
        this.sequence = value;
        return this;
    }

    Frames acknowledgment(long value) {
        this.acknowledgment = value;
        return this;
    }

    Frames window(int value) {
        this.window = value;
        return this;
    }

    Frames identification(int value) {
        this.identification = value;
        return this;
    }

    Frames dontFragment(boolean value) {
        this.dontFragment = value;
        return this;
    }

    Frames tos(int value) {
        this.tos = value;
        return this;
    }

    Frames ttl(int value) {
        this.ttl = value;
        return this;
    }

    Frames flowLabel(int value) {
        this.flowLabel = value;
        return this;
    }

    Frames ports(int source, int destination) {
        this.sourcePort = source;
        this.destinationPort = destination;
        return this;
    }

    Frames sourceMac(int last) {
        this.sourceMacLast = last;
        return this;
    }

    Frames checksum(Checksum mode) {
        this.checksum = mode;
        return this;
    }

    Frames padding(int bytes) {
        this.padding = bytes;
        return this;
    }

    Built build() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, 0x02, 0x00, 0x5E, 0x00, 0x00, 0x02);
        write(out, 0x02, 0x00, 0x5E, 0x00, 0x00, sourceMacLast);
        for (int[] tag : tags) {
            write16(out, tag[0]);
            write16(out, tag[1]);
        }
        write16(out, ipv6 ? 0x86DD : 0x0800);
        int ipStart = out.size();
        byte[] transport = protocol == Reference.TCP ? tcp() : udpHeaderAndPayload();
        byte[] ip = ipv6 ? ipv6Header(transport.length) : ipv4Header(transport.length);
        out.writeBytes(ip);
        int transportStart = out.size();
        out.writeBytes(transport);
        int packetEnd = out.size();
        out.writeBytes(new byte[padding]);
        byte[] bytes = out.toByteArray();
        int transportLength = packetEnd - transportStart;
        int checksumAt = transportStart + (protocol == Reference.TCP ? 16 : 6);
        int pseudo = Reference.pseudoSum(bytes, ipStart, ipv6, protocol, transportLength);
        switch (checksum) {
            case FULL:
                int full = ~Reference.sum(bytes, transportStart, packetEnd, pseudo) & 0xFFFF;
                Reference.putU16(bytes, checksumAt, protocol == Reference.UDP && full == 0 ? 0xFFFF : full);
                break;
            case PARTIAL:
                Reference.putU16(bytes, checksumAt, pseudo);
                break;
            default:
                break;
        }
        int headerLength = transportStart + (protocol == Reference.TCP ? 20 + padded(tcpOptions.length) : 8);
        return new Built(bytes, ipv6, protocol, ipStart, transportStart, headerLength, packetEnd);
    }

    private static int padded(int length) {
        return (length + 3) / 4 * 4;
    }

    private byte[] tcp() {
        int optionsLength = padded(tcpOptions.length);
        byte[] tcp = new byte[20 + optionsLength + payload.length];
        Reference.putU16(tcp, 0, sourcePort);
        Reference.putU16(tcp, 2, destinationPort);
        Reference.putU32(tcp, 4, sequence);
        Reference.putU32(tcp, 8, acknowledgment);
        tcp[12] = (byte) ((20 + optionsLength) / 4 << 4);
        tcp[13] = (byte) tcpFlags;
        Reference.putU16(tcp, 14, window);
        System.arraycopy(tcpOptions, 0, tcp, 20, tcpOptions.length);
        System.arraycopy(payload, 0, tcp, 20 + optionsLength, payload.length);
        return tcp;
    }

    private byte[] udpHeaderAndPayload() {
        byte[] udp = new byte[8 + payload.length];
        Reference.putU16(udp, 0, sourcePort);
        Reference.putU16(udp, 2, destinationPort);
        Reference.putU16(udp, 4, udp.length);
        System.arraycopy(payload, 0, udp, 8, payload.length);
        return udp;
    }

    private byte[] ipv4Header(int transportLength) {
        int headerLength = 20 + ipv4Options.length;
        byte[] header = new byte[headerLength];
        header[0] = (byte) (0x40 | headerLength / 4);
        header[1] = (byte) tos;
        Reference.putU16(header, 2, headerLength + transportLength);
        Reference.putU16(header, 4, identification);
        Reference.putU16(header, 6, dontFragment ? 0x4000 : 0);
        header[8] = (byte) ttl;
        header[9] = (byte) protocol;
        System.arraycopy(IPV4_SOURCE, 0, header, 12, 4);
        System.arraycopy(IPV4_DESTINATION, 0, header, 16, 4);
        System.arraycopy(ipv4Options, 0, header, 20, ipv4Options.length);
        Reference.putU16(header, 10, ~Reference.sum(header, 0, headerLength, 0) & 0xFFFF);
        return header;
    }

    private byte[] ipv6Header(int transportLength) {
        int extensionsLength = extensions.stream().mapToInt(e -> e.length).sum();
        byte[] header = new byte[40 + extensionsLength];
        Reference.putU32(header, 0, 0x6000_0000L | (long) tos << 20 | flowLabel);
        Reference.putU16(header, 4, extensionsLength + transportLength);
        header[6] = (byte) (extensions.isEmpty() ? protocol : extensionTypes.get(0));
        header[7] = (byte) ttl;
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

    private static byte[] linkLocal(int last) {
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
}
