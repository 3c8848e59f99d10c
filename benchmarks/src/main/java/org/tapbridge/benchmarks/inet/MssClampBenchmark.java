package org.tapbridge.benchmarks.inet;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.tapbridge.ethernet.EtherType;
import org.tapbridge.inet.ClampResult;
import org.tapbridge.inet.InternetChecksum;
import org.tapbridge.inet.IpProtocol;
import org.tapbridge.inet.TcpHeader;
import org.tapbridge.inet.TcpMssClamp;

/**
 * The TCP MSS clamp on direct-buffer frames as the data path sees them: a UDP datagram, TCP data
 * segments (IPv4 untagged; IPv6 802.1Q-tagged), and an IPv4 SYN whose MSS 1460 is clamped to 1346.
 * The SYN case includes putting the original MSS and checksum back (two 16-bit writes) every time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MssClampBenchmark {
    private static final int MAX_FRAME = 1400;
    private static final int SYN_OPTIONS = 20; // MSS, SACK permitted, timestamps, NOP, window scale
    private static final int DATA_OPTIONS = 12; // NOP, NOP, timestamps

    private final TcpMssClamp clamp = new TcpMssClamp();
    private ByteBuffer udp;
    private ByteBuffer data;
    private ByteBuffer taggedIpv6Data;
    private ByteBuffer syn;
    private int udpLength;
    private int dataLength;
    private int taggedIpv6DataLength;
    private int synLength;
    private int synTcp;
    private short synMss;
    private short synChecksum;

    @Setup
    public void setUp() {
        udp = ByteBuffer.allocateDirect(2048);
        udpLength = ipv4(udp, IpProtocol.UDP, 0, 0, 512);
        data = ByteBuffer.allocateDirect(2048);
        dataLength = ipv4(data, IpProtocol.TCP, TcpHeader.ACK | TcpHeader.PSH, DATA_OPTIONS, MAX_FRAME - 14 - 20 - 32);
        taggedIpv6Data = ByteBuffer.allocateDirect(2048);
        taggedIpv6DataLength = taggedIpv6(taggedIpv6Data, MAX_FRAME - 18 - 40 - 32);
        syn = ByteBuffer.allocateDirect(2048);
        synLength = ipv4(syn, IpProtocol.TCP, TcpHeader.SYN, SYN_OPTIONS, 0);
        synTcp = 14 + 20;
        synMss = syn.getShort(synTcp + 22);
        synChecksum = syn.getShort(synTcp + 16);
        check(clamp.clamp(udp, 0, udpLength, MAX_FRAME), ClampResult.NOT_TCP_SYN);
        check(clamp.clamp(data, 0, dataLength, MAX_FRAME), ClampResult.NOT_TCP_SYN);
        check(clamp.clamp(taggedIpv6Data, 0, taggedIpv6DataLength, MAX_FRAME), ClampResult.NOT_TCP_SYN);
        check(clampSyn(), ClampResult.CLAMPED);
        check(clampSyn(), ClampResult.CLAMPED);
    }

    private static void check(int result, int expected) {
        if (result != expected) {
            throw new IllegalStateException(ClampResult.describe(result) + ", expected " + ClampResult.describe(expected));
        }
    }

    @Benchmark
    public int nonTcpFrame() {
        return clamp.clamp(udp, 0, udpLength, MAX_FRAME);
    }

    @Benchmark
    public int tcpDataSegment() {
        return clamp.clamp(data, 0, dataLength, MAX_FRAME);
    }

    @Benchmark
    public int tcpDataSegmentTaggedIpv6() {
        return clamp.clamp(taggedIpv6Data, 0, taggedIpv6DataLength, MAX_FRAME);
    }

    @Benchmark
    public int synClamped() {
        return clampSyn();
    }

    private int clampSyn() {
        syn.putShort(synTcp + 22, synMss);
        syn.putShort(synTcp + 16, synChecksum);
        return clamp.clamp(syn, 0, synLength, MAX_FRAME);
    }

    /** An untagged IPv4 frame; returns its length. */
    private static int ipv4(ByteBuffer frame, int protocol, int tcpFlags, int optionsLength, int payloadLength) {
        ethernet(frame, EtherType.IPV4);
        int ip = 14;
        int transportLength = (protocol == IpProtocol.TCP ? 20 + optionsLength : 8) + payloadLength;
        frame.put(ip, (byte) 0x45);
        frame.putShort(ip + 2, (short) (20 + transportLength));
        frame.putShort(ip + 6, (short) 0x4000);
        frame.put(ip + 8, (byte) 64);
        frame.put(ip + 9, (byte) protocol);
        frame.putInt(ip + 12, 0xC000_020A); // 192.0.2.10
        frame.putInt(ip + 16, 0xC633_6414); // 198.51.100.20
        frame.putShort(ip + 10, (short) InternetChecksum.checksum(frame, ip, 20));
        int transport = ip + 20;
        if (protocol == IpProtocol.TCP) {
            tcp(frame, transport, tcpFlags, optionsLength);
            int pseudo = InternetChecksum.sum(frame, ip + 12, 8, 0);
            pseudo = InternetChecksum.addWord(InternetChecksum.addWord(pseudo, IpProtocol.TCP), transportLength);
            frame.putShort(transport + 16,
                    (short) InternetChecksum.complement(InternetChecksum.sum(frame, transport, transportLength, pseudo)));
        } else {
            frame.putShort(transport + 4, (short) transportLength);
        }
        return ip + 20 + transportLength;
    }

    /** An 802.1Q-tagged IPv6 TCP data segment; returns its length. */
    private static int taggedIpv6(ByteBuffer frame, int payloadLength) {
        ethernet(frame, EtherType.VLAN);
        frame.putShort(14, (short) 100);
        frame.putShort(16, (short) EtherType.IPV6);
        int ip = 18;
        int transportLength = 20 + DATA_OPTIONS + payloadLength;
        frame.put(ip, (byte) 0x60);
        frame.putShort(ip + 4, (short) transportLength);
        frame.put(ip + 6, (byte) IpProtocol.TCP);
        frame.put(ip + 7, (byte) 64);
        frame.putShort(ip + 8, (short) 0xFE80); // fe80::10 -> fe80::20
        frame.put(ip + 23, (byte) 0x10);
        frame.putShort(ip + 24, (short) 0xFE80);
        frame.put(ip + 39, (byte) 0x20);
        tcp(frame, ip + 40, TcpHeader.ACK, DATA_OPTIONS);
        return ip + 40 + transportLength;
    }

    private static void ethernet(ByteBuffer frame, int etherType) {
        frame.putInt(0, 0x0200_5E00);
        frame.putShort(4, (short) 0x0002);
        frame.putInt(6, 0x0200_5E00);
        frame.putShort(10, (short) 0x0001);
        frame.putShort(12, (short) etherType);
    }

    private static void tcp(ByteBuffer frame, int at, int flags, int optionsLength) {
        frame.putShort(at, (short) 49_152);
        frame.putShort(at + 2, (short) 443);
        frame.putInt(at + 4, 0x1234_5678);
        frame.put(at + 12, (byte) ((20 + optionsLength) / 4 << 4));
        frame.put(at + 13, (byte) flags);
        frame.putShort(at + 14, (short) 64_240);
        int options = at + 20;
        if (optionsLength == SYN_OPTIONS) {
            frame.putInt(options, 0x0204_05B4); // MSS 1460
            frame.putShort(options + 4, (short) 0x0402); // SACK permitted
            frame.putShort(options + 6, (short) 0x080A); // timestamps
            frame.putInt(options + 8, 0x0A0B_0C0D);
            frame.putInt(options + 16, 0x0103_0307); // NOP, window scale 7
        } else if (optionsLength == DATA_OPTIONS) {
            frame.putInt(options, 0x0101_080A); // NOP, NOP, timestamps
            frame.putInt(options + 4, 0x0A0B_0C0D);
            frame.putInt(options + 8, 0x0102_0304);
        }
    }
}
