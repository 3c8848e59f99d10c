package org.tapbridge.mtu;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Test frames written byte by byte, and an Internet checksum of its own (folded at every step, unlike the
 * production code), so the tests check the production code against an independent computation.
 */
final class Packets {
    static final long HOST_A_MAC = 0x02_00_00_00_00_0AL;
    static final long ROUTER_MAC = 0x02_00_00_00_00_0BL;
    static final byte[] V4_A = {(byte) 192, 0, 2, 10};
    static final byte[] V4_B = {(byte) 198, 51, 100, 20};
    static final byte[] V6_A = v6("fe80000000000000000000000000000a");
    static final byte[] V6_B = v6("fe800000000000000000000000000014");

    private Packets() {
    }

    static byte[] v4(int a, int b, int c, int d) {
        return new byte[] {(byte) a, (byte) b, (byte) c, (byte) d};
    }

    static byte[] v6(String hex) {
        byte[] address = new byte[16];
        for (int i = 0; i < 16; i++) {
            address[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return address;
    }

    /** RFC 1071 sum of 16-bit big-endian words, carry folded after every addition; odd byte padded. */
    static int onesComplementSum(byte[] data, int from, int length) {
        int sum = 0;
        for (int i = 0; i < length; i += 2) {
            int word = (data[from + i] & 0xFF) << 8;
            if (i + 1 < length) {
                word |= data[from + i + 1] & 0xFF;
            }
            sum += word;
            if (sum > 0xFFFF) {
                sum = (sum & 0xFFFF) + 1;
            }
        }
        return sum;
    }

    static int checksum(byte[] data, int from, int length) {
        return ~onesComplementSum(data, from, length) & 0xFFFF;
    }

    static int u16(byte[] data, int index) {
        return (data[index] & 0xFF) << 8 | data[index + 1] & 0xFF;
    }

    static long u32(byte[] data, int index) {
        return (long) u16(data, index) << 16 | u16(data, index + 2);
    }

    static byte[] random(SplittableRandom random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /** An Ethernet header: MACs, then each tag as (TPID, TCI) pairs, then the EtherType. */
    static void ethernet(ByteArrayOutputStream out, long destination, long source, int[] tags, int etherType) {
        mac(out, destination);
        mac(out, source);
        for (int i = 0; i < tags.length; i += 2) {
            short16(out, tags[i]);
            short16(out, tags[i + 1]);
        }
        short16(out, etherType);
    }

    static void mac(ByteArrayOutputStream out, long mac) {
        for (int shift = 40; shift >= 0; shift -= 8) {
            out.write((int) (mac >>> shift));
        }
    }

    static void short16(ByteArrayOutputStream out, int value) {
        out.write(value >>> 8);
        out.write(value);
    }

    /** A UDP datagram with a correct-looking header (checksum 0 is allowed over IPv4) and {@code data}. */
    static byte[] udp(int sourcePort, int destinationPort, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        short16(out, sourcePort);
        short16(out, destinationPort);
        short16(out, 8 + data.length);
        short16(out, 0);
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** An ICMP or ICMPv6 message of {@code type}/{@code code} with a 4-byte rest and {@code data}; checksum 0. */
    static byte[] icmp(int type, int code, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(type);
        out.write(code);
        short16(out, 0);
        short16(out, 0x1234);
        short16(out, 1);
        out.writeBytes(data);
        byte[] bytes = out.toByteArray();
        int sum = checksum(bytes, 0, bytes.length);
        bytes[2] = (byte) (sum >>> 8);
        bytes[3] = (byte) sum;
        return bytes;
    }

    /** An IPv4 packet; {@link #build} gives the whole frame. */
    static final class V4 {
        long destinationMac = ROUTER_MAC;
        long sourceMac = HOST_A_MAC;
        int[] tags = {};
        int tos = 0x28;
        int id = 0xBEEF;
        boolean dontFragment = true;
        boolean moreFragments;
        int fragmentOffset;
        int ttl = 63;
        int protocol = 17;
        byte[] source = V4_A;
        byte[] destination = V4_B;
        byte[] options = {};
        byte[] payload = udp(40000, 5001, new byte[1472]);
        /** Bytes after the IP packet inside the frame. */
        byte[] trailer = {};
        boolean corruptChecksum;

        V4 payload(byte[] bytes) {
            payload = bytes;
            return this;
        }

        byte[] build() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ethernet(out, destinationMac, sourceMac, tags, 0x0800);
            int headerLength = 20 + options.length;
            ByteArrayOutputStream ip = new ByteArrayOutputStream();
            ip.write(0x40 | headerLength / 4);
            ip.write(tos);
            short16(ip, headerLength + payload.length);
            short16(ip, id);
            short16(ip, (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | fragmentOffset);
            ip.write(ttl);
            ip.write(protocol);
            short16(ip, 0);
            ip.writeBytes(source);
            ip.writeBytes(destination);
            ip.writeBytes(options);
            byte[] header = ip.toByteArray();
            int sum = checksum(header, 0, header.length) ^ (corruptChecksum ? 0x0100 : 0);
            header[10] = (byte) (sum >>> 8);
            header[11] = (byte) sum;
            out.writeBytes(header);
            out.writeBytes(payload);
            out.writeBytes(trailer);
            return out.toByteArray();
        }
    }

    /** An IPv6 packet; {@link #build} gives the whole frame. */
    static final class V6 {
        long destinationMac = ROUTER_MAC;
        long sourceMac = HOST_A_MAC;
        int[] tags = {};
        int trafficClass = 0x28;
        int flowLabel = 0x12345;
        int nextHeader = 17;
        int hopLimit = 63;
        byte[] source = V6_A;
        byte[] destination = V6_B;
        /** Extension headers, written verbatim; the first one's type is {@link #nextHeader}. */
        byte[] extensions = {};
        byte[] payload = udp(40000, 5001, new byte[1452]);
        /** Overrides the payload length field when not negative. */
        int payloadLengthField = -1;

        byte[] build() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ethernet(out, destinationMac, sourceMac, tags, 0x86DD);
            int word = 6 << 28 | trafficClass << 20 | flowLabel;
            short16(out, word >>> 16);
            short16(out, word & 0xFFFF);
            short16(out, payloadLengthField >= 0 ? payloadLengthField : extensions.length + payload.length);
            out.write(nextHeader);
            out.write(hopLimit);
            out.writeBytes(source);
            out.writeBytes(destination);
            out.writeBytes(extensions);
            out.writeBytes(payload);
            return out.toByteArray();
        }
    }

    /** An 8-byte options extension header (hop-by-hop or destination options) with PadN, then {@code next}. */
    static byte[] optionsHeader(int next) {
        return new byte[] {(byte) next, 0, 1, 4, 0, 0, 0, 0};
    }

    /** An IPv6 fragment header: {@code next}, offset in 8-byte units, M flag, identification. */
    static byte[] fragmentHeader(int next, int offsetUnits, boolean more) {
        int field = offsetUnits << 3 | (more ? 1 : 0);
        return new byte[] {(byte) next, 0, (byte) (field >>> 8), (byte) field, 0x0B, 0x0E, 0x0E, 0x0F};
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** The kinds of buffer the data path may use: heap or direct, either byte order. */
    enum Kind {
        HEAP_BIG_ENDIAN(false, ByteOrder.BIG_ENDIAN),
        HEAP_LITTLE_ENDIAN(false, ByteOrder.LITTLE_ENDIAN),
        DIRECT_BIG_ENDIAN(true, ByteOrder.BIG_ENDIAN),
        DIRECT_LITTLE_ENDIAN(true, ByteOrder.LITTLE_ENDIAN);

        final boolean direct;
        final ByteOrder order;

        Kind(boolean direct, ByteOrder order) {
            this.direct = direct;
            this.order = order;
        }

        ByteBuffer allocate(int capacity) {
            return (direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity)).order(order);
        }
    }

    /** {@code bytes} copied into a new buffer of {@code kind} at absolute index {@code at}, with room after. */
    static ByteBuffer place(Kind kind, byte[] bytes, int at, int extra) {
        ByteBuffer buffer = kind.allocate(at + bytes.length + extra);
        for (int i = 0; i < bytes.length; i++) {
            buffer.put(at + i, bytes[i]);
        }
        return buffer;
    }

    static byte[] read(ByteBuffer buffer, int at, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = buffer.get(at + i);
        }
        return bytes;
    }
}
