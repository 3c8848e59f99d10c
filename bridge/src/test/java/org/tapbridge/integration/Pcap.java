package org.tapbridge.integration;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the IPv4 UDP and TCP packets of a classic pcap file written by {@code tcpdump -w} on an Ethernet
 * device, for tests that must look at the raw bytes on the wire. Not thread-safe; test code only.
 *
 * <pre>
 *  global header (24 bytes): magic u32 | version u16 u16 | thiszone i32 | sigfigs u32 | snaplen u32 | linktype u32
 *  record header (16 bytes): ts_sec u32 | ts_frac u32 | incl_len u32 | orig_len u32, then incl_len bytes
 *  record body: Ethernet (14, type 0x0800) | IPv4 (IHL*4) | UDP (8) or TCP (data offset*4) | payload
 * </pre>
 */
final class Pcap {
    static final int PROTO_TCP = 6;
    static final int PROTO_UDP = 17;
    private static final int GLOBAL_HEADER_LENGTH = 24;
    private static final int RECORD_HEADER_LENGTH = 16;
    private static final int LINKTYPE_ETHERNET = 1;
    private static final int ETHERNET_HEADER_LENGTH = 14;
    private static final int ETHERTYPE_IPV4 = 0x0800;

    /** One captured IPv4 packet carrying UDP or TCP; {@code payload} is what the transport carried. */
    record Packet(int protocol, String source, int sourcePort, String destination, int destinationPort,
            byte[] payload) {
        boolean isUdp() {
            return protocol == PROTO_UDP;
        }
    }

    private Pcap() {
    }

    /** How many complete records the file holds, of any protocol. */
    static int records(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(raw).order(byteOrder(file, raw));
        int count = 0;
        int at = GLOBAL_HEADER_LENGTH;
        while (at + RECORD_HEADER_LENGTH <= raw.length) {
            int included = buf.getInt(at + 8);
            if (included < 0 || at + RECORD_HEADER_LENGTH + included > raw.length) {
                break;
            }
            count++;
            at += RECORD_HEADER_LENGTH + included;
        }
        return count;
    }

    /** Every complete record's bytes as captured (whole frames, or cut at the snap length), in capture order. */
    static List<byte[]> frames(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(raw).order(byteOrder(file, raw));
        int linkType = buf.getInt(20);
        if (linkType != LINKTYPE_ETHERNET) {
            throw new IOException(file + ": link type " + linkType + ", only Ethernet (1) is read");
        }
        List<byte[]> frames = new ArrayList<>();
        int at = GLOBAL_HEADER_LENGTH;
        while (at + RECORD_HEADER_LENGTH <= raw.length) {
            int included = buf.getInt(at + 8);
            int body = at + RECORD_HEADER_LENGTH;
            if (included < 0 || body + included > raw.length) {
                break;
            }
            frames.add(Arrays.copyOfRange(raw, body, body + included));
            at = body + included;
        }
        return frames;
    }

    /** Every IPv4 UDP/TCP packet of the file, in capture order; other frames are skipped. */
    static List<Packet> read(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(raw).order(byteOrder(file, raw));
        int linkType = buf.getInt(20);
        if (linkType != LINKTYPE_ETHERNET) {
            throw new IOException(file + ": link type " + linkType + ", only Ethernet (1) is read");
        }
        List<Packet> packets = new ArrayList<>();
        int at = GLOBAL_HEADER_LENGTH;
        // A capture stopped by a signal may end inside a record: the complete records before it count.
        while (at + RECORD_HEADER_LENGTH <= raw.length) {
            int included = buf.getInt(at + 8);
            int body = at + RECORD_HEADER_LENGTH;
            if (included < 0 || body + included > raw.length) {
                break;
            }
            Packet p = parseEthernet(raw, body, included);
            if (p != null) {
                packets.add(p);
            }
            at = body + included;
        }
        return packets;
    }

    /** The byte order the file was written in, told by its magic (microsecond or nanosecond stamps). */
    private static ByteOrder byteOrder(Path file, byte[] raw) throws IOException {
        if (raw.length < GLOBAL_HEADER_LENGTH) {
            throw new IOException(file + ": " + raw.length + " bytes, shorter than a pcap header");
        }
        for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
            int magic = ByteBuffer.wrap(raw).order(order).getInt(0);
            if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
                return order;
            }
        }
        throw new IOException(file + ": not a pcap file");
    }

    private static Packet parseEthernet(byte[] raw, int offset, int length) {
        if (length < ETHERNET_HEADER_LENGTH + 20 || u16(raw, offset + 12) != ETHERTYPE_IPV4) {
            return null;
        }
        int ip = offset + ETHERNET_HEADER_LENGTH;
        int ipHeaderLength = (raw[ip] & 0x0f) * 4;
        int totalLength = u16(raw, ip + 2);
        int protocol = raw[ip + 9] & 0xff;
        boolean fragment = (u16(raw, ip + 6) & 0x3fff) != 0;
        int end = Math.min(ip + totalLength, offset + length);
        if ((raw[ip] >> 4 & 0x0f) != 4 || ipHeaderLength < 20 || fragment) {
            return null;
        }
        String source = address(raw, ip + 12);
        String destination = address(raw, ip + 16);
        int transport = ip + ipHeaderLength;
        if (protocol == PROTO_UDP && transport + 8 <= end) {
            return new Packet(protocol, source, u16(raw, transport), destination, u16(raw, transport + 2),
                    Arrays.copyOfRange(raw, transport + 8, end));
        }
        if (protocol == PROTO_TCP && transport + 20 <= end) {
            int tcpHeaderLength = (raw[transport + 12] >> 4 & 0x0f) * 4;
            return new Packet(protocol, source, u16(raw, transport), destination, u16(raw, transport + 2),
                    Arrays.copyOfRange(raw, Math.min(transport + tcpHeaderLength, end), end));
        }
        return null;
    }

    /** Whether {@code needle} occurs anywhere in {@code haystack}. */
    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static int u16(byte[] raw, int offset) {
        return (raw[offset] & 0xff) << 8 | (raw[offset + 1] & 0xff);
    }

    private static String address(byte[] raw, int offset) {
        return (raw[offset] & 0xff) + "." + (raw[offset + 1] & 0xff) + "." + (raw[offset + 2] & 0xff) + "."
                + (raw[offset + 3] & 0xff);
    }
}
