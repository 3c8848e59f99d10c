package org.tapbridge.benchmarks.offload;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.tapbridge.inet.InternetChecksum;
import org.tapbridge.offload.VirtioNetHeader;

/**
 * A TCP super-frame as a TAP with TSO hands it over: virtio_net_hdr (NEEDS_CSUM, TCPV4, gso_size 1448),
 * untagged Ethernet, IPv4 with DF, TCP with timestamps, 65483 payload bytes (a 65535-byte IP packet), and
 * the pseudo-header sum in the checksum field.
 */
final class SuperFrames {
    static final int MSS = 1448;
    static final int MAX_FRAME = 1514;
    static final int IP = 14;
    static final int TCP = IP + 20;
    static final int HEADERS = TCP + 32;
    static final int PAYLOAD = 0xFFFF - 20 - 32;
    static final int LENGTH = HEADERS + PAYLOAD;

    private SuperFrames() {
    }

    /** Writes the header at {@code 0} and the frame at {@link VirtioNetHeader#LENGTH}. */
    static void write(ByteBuffer buffer) {
        int f = VirtioNetHeader.LENGTH;
        byte[] payload = new byte[PAYLOAD];
        new SplittableRandom(64).nextBytes(payload);
        buffer.put(f + HEADERS, payload);
        buffer.putInt(f, 0x0200_5E00).putShort(f + 4, (short) 0x0002);
        buffer.putInt(f + 6, 0x0200_5E00).putShort(f + 10, (short) 0x0001);
        buffer.putShort(f + 12, (short) 0x0800);
        int ip = f + IP;
        buffer.put(ip, (byte) 0x45);
        buffer.putShort(ip + 2, (short) 0xFFFF);
        buffer.putShort(ip + 4, (short) 0x1D1D);
        buffer.putShort(ip + 6, (short) 0x4000);
        buffer.put(ip + 8, (byte) 64);
        buffer.put(ip + 9, (byte) 6);
        buffer.putInt(ip + 12, 0xC000_020A); // 192.0.2.10
        buffer.putInt(ip + 16, 0xC633_6414); // 198.51.100.20
        buffer.putShort(ip + 10, (short) InternetChecksum.checksum(buffer, ip, 20));
        int tcp = f + TCP;
        buffer.putShort(tcp, (short) 49_152).putShort(tcp + 2, (short) 5201);
        buffer.putInt(tcp + 4, 0x1234_5678).putInt(tcp + 8, 0x2000_0000);
        buffer.put(tcp + 12, (byte) 0x80).put(tcp + 13, (byte) 0x18).putShort(tcp + 14, (short) 501);
        buffer.putInt(tcp + 20, 0x0101_080A).putInt(tcp + 24, 0x0A0B_0C0D).putInt(tcp + 28, 0x0102_0304);
        int pseudo = InternetChecksum.sum(buffer, ip + 12, 8, 0);
        pseudo = InternetChecksum.addWord(InternetChecksum.addWord(pseudo, 6), 32 + PAYLOAD);
        buffer.putShort(tcp + 16, (short) pseudo);
        new VirtioNetHeader(VirtioNetHeader.LENGTH).wrap(buffer, 0).clear()
                .flags(VirtioNetHeader.F_NEEDS_CSUM).gsoType(VirtioNetHeader.GSO_TCPV4)
                .hdrLen(HEADERS).gsoSize(MSS).csumStart(TCP).csumOffset(16);
    }

    static ByteBuffer allocate(boolean direct, int capacity) {
        return direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
    }
}
