package org.tapbridge.daemon;

import java.nio.ByteBuffer;

/**
 * The frames the warm-up sends: a mix shaped like a LAN's, so that every branch real traffic takes on
 * the hot path has run before the JIT compiles it. A branch the compiled code never saw costs a
 * deoptimisation and a recompilation at the first real frame that takes it (a ping's ICMP, an ARP
 * broadcast, an IPv6 neighbour solicitation), paid while traffic waits.
 */
final class WarmUpFrames {
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86dd;
    private static final int ETHERTYPE_ARP = 0x0806;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    /** An IPv6 solicited-node multicast MAC: flooded, like neighbour discovery. */
    private static final long IPV6_MULTICAST = 0x3333_FF00_0001L;

    private WarmUpFrames() {
    }

    /**
     * The mix from {@code source} towards {@code destination}: 128 frames, mostly unicast, with one
     * broadcast and one multicast: over the warm-up's 30,000 frames that is about 470 floods, within the
     * default storm control's burst of 1,000 however fast the warm-up runs.
     */
    static byte[][] mix(long source, long destination) {
        byte[][] unicast = {
            ipv4Tcp(destination, source, 1400, 0x10, 0, false),
            ipv4Tcp(destination, source, 64, 0x02, 1460, false),
            ipv4(destination, source, 98, 1, false),
            ipv4Tcp(destination, source, 1514, 0x18, 0, false),
            ipv4(destination, source, 600, 17, false),
            ipv6(destination, source, 1400, 6, 0x10),
            ipv4Tcp(destination, source, 64, 0x12, 9000, false),
            ipv4Tcp(destination, source, 1400, 0x10, 0, true),
            arp(destination, source),
            ipv6(destination, source, 118, 58, 0),
            ipv6(destination, source, 600, 17, 0),
            ipv6(destination, source, 90, 6, 0x02),
            experimental(destination, source, 1514),
            ipv4Tcp(destination, source, 1400, 0x10, 0, false),
            ipv4(destination, source, 1400, 17, false),
        };
        byte[][] mix = new byte[128][];
        for (int i = 0; i < mix.length; i++) {
            mix[i] = unicast[i % unicast.length];
        }
        mix[7] = arp(BROADCAST, source);
        mix[71] = ipv6(IPV6_MULTICAST, source, 86, 58, 0);
        return mix;
    }

    private static ByteBuffer ethernet(long destination, long source, int length, int etherType, boolean tagged) {
        ByteBuffer f = ByteBuffer.allocate(length);
        for (int b = 5; b >= 0; b--) {
            f.put(5 - b, (byte) (destination >>> (8 * b)));
            f.put(11 - b, (byte) (source >>> (8 * b)));
        }
        if (tagged) {
            f.putShort(12, (short) ETHERTYPE_VLAN);
            f.putShort(14, (short) 100);
            f.putShort(16, (short) etherType);
        } else {
            f.putShort(12, (short) etherType);
        }
        return f;
    }

    private static byte[] ipv4(long destination, long source, int length, int protocol, boolean tagged) {
        ByteBuffer f = ethernet(destination, source, length, ETHERTYPE_IPV4, tagged);
        int ip = tagged ? 18 : 14;
        f.put(ip, (byte) 0x45);
        f.putShort(ip + 2, (short) (length - ip));
        f.put(ip + 6, (byte) 0x40);
        f.put(ip + 8, (byte) 64);
        f.put(ip + 9, (byte) protocol);
        f.putInt(ip + 12, 0xC000_020A);
        f.putInt(ip + 16, 0xC000_020B);
        return f.array();
    }

    private static byte[] ipv4Tcp(long destination, long source, int length, int flags, int mss, boolean tagged) {
        byte[] frame = ipv4(destination, source, length, 6, tagged);
        ByteBuffer f = ByteBuffer.wrap(frame);
        int tcp = (tagged ? 18 : 14) + 20;
        f.putShort(tcp, (short) 40000);
        f.putShort(tcp + 2, (short) 5201);
        f.put(tcp + 12, (byte) (mss > 0 ? 0x60 : 0x50));
        f.put(tcp + 13, (byte) flags);
        if (mss > 0) {
            f.put(tcp + 20, (byte) 2);
            f.put(tcp + 21, (byte) 4);
            f.putShort(tcp + 22, (short) mss);
        }
        return frame;
    }

    private static byte[] ipv6(long destination, long source, int length, int nextHeader, int tcpFlags) {
        ByteBuffer f = ethernet(destination, source, length, ETHERTYPE_IPV6, false);
        f.put(14, (byte) 0x60);
        f.putShort(18, (short) (length - 54));
        f.put(20, (byte) nextHeader);
        f.put(21, (byte) 64);
        f.putLong(22, 0xfe80_0000_0000_0000L);
        f.putLong(30, 0x0000_0000_0000_000aL);
        f.putLong(38, 0xfe80_0000_0000_0000L);
        f.putLong(46, 0x0000_0000_0000_000bL);
        if (nextHeader == 6) {
            f.put(54 + 12, (byte) 0x50);
            f.put(54 + 13, (byte) tcpFlags);
        }
        return f.array();
    }

    private static byte[] arp(long destination, long source) {
        ByteBuffer f = ethernet(destination, source, 60, ETHERTYPE_ARP, false);
        f.putShort(14, (short) 1);
        f.putShort(16, (short) ETHERTYPE_IPV4);
        f.put(18, (byte) 6);
        f.put(19, (byte) 4);
        f.putShort(20, (short) (destination == BROADCAST ? 1 : 2));
        return f.array();
    }

    private static byte[] experimental(long destination, long source, int length) {
        return ethernet(destination, source, length, 0x88b5, false).array();
    }
}
