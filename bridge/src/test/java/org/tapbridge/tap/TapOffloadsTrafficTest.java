package org.tapbridge.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * Super-frames through real TAPs opened with offloads, in namespaces whose names start with "off".
 *
 * <p>Reading and writing, end to end: a LAN host sends TCP through a bridge into TAP a, the way a
 * gateway's LAN reaches the daemon; a relay ({@link TapRelay}) writes what it reads to TAP b, behind which
 * a server hashes what arrives.
 * <pre>
 *  host: eth0 198.51.100.2 ── veth ── gw: lan0 [br0] tap-a ══ relay ══ tap-b 198.51.100.1 :srv (python3)
 * </pre>
 * Checksums of written super-frames: frames written to a TAP with offloads are forwarded by the kernel out
 * of a TAP without any, so that it must cut them and finish every checksum, which the test then checks.
 * <pre>
 *  fwd: tap-w 198.51.100.1 (written) → ip_forward → tap-r 203.0.113.1 (read, plain) → 203.0.113.2 (static)
 * </pre>
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TapOffloadsTrafficTest {
    private static final int PORT = 5001;
    private static final int TRANSFER_BYTES = 8 << 20;
    private static final long PROCESS_SECONDS = 90;

    /** Prints "listening", then the byte count and SHA-256 of everything one connection sent. */
    private static final String SERVER = "import hashlib, socket, sys\n"
            + "family = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET\n"
            + "s = socket.socket(family, socket.SOCK_STREAM)\n"
            + "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + "s.bind((sys.argv[1], int(sys.argv[2])))\n"
            + "s.listen(1)\n"
            + "s.settimeout(60)\n"
            + "print('listening', flush=True)\n"
            + "c, _ = s.accept()\n"
            + "c.settimeout(60)\n"
            + "h = hashlib.sha256()\n"
            + "n = 0\n"
            + "while True:\n"
            + "    d = c.recv(1 << 20)\n"
            + "    if not d:\n"
            + "        break\n"
            + "    h.update(d)\n"
            + "    n += len(d)\n"
            + "print(n, h.hexdigest(), flush=True)\n";

    /** Sends argv[3] seeded random bytes to argv[1] port argv[2]; prints their SHA-256. */
    private static final String CLIENT = "import hashlib, random, socket, sys\n"
            + "data = random.Random(int(sys.argv[4])).randbytes(int(sys.argv[3]))\n"
            + "c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=60)\n"
            + "c.sendall(data)\n"
            + "c.shutdown(socket.SHUT_WR)\n"
            + "c.recv(1)\n"
            + "c.close()\n"
            + "print(hashlib.sha256(data).hexdigest(), flush=True)\n";

    private static final byte[] SENDER_MAC = {0x02, 0, 0, 0, 0, 0x11};
    private static final byte[] NEXT_HOP_MAC = {0x02, 0, 0, 0, 0, 0x22};

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void requireRootAndPython() {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("python3", "python3");
    }

    @AfterEach
    void removeEverything() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        // Reverse order: the relay stops, then the TAPs close (removing them), then the namespaces go.
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            try {
                cleanup.get(i).close();
            } catch (Exception ignored) {
                // Keep removing the rest.
            }
        }
    }

    // ---- reading super-frames, writing them on ----

    @Test
    void readsTcpv4SuperFramesThatALanHostSendsThroughABridgeAndWritesThemOnIntact() throws Exception {
        Lan lan = lan(false, TapOffloads.DEFAULT);
        TapRelay relay = register(new TapRelay(lan.tapA, lan.tapB, TapRelay.Mode.COPY));
        String[] outcome = transfer(lan, "198.51.100.1", "198.51.100.1", 41);
        relay.check();
        List<TapRelay.SuperFrame> supers = List.copyOf(relay.forward.superFrames);
        System.out.printf("tcpv4: %d frames read from tap a, %d super-frames, largest read %d bytes%n",
                relay.forward.frames, supers.size(), relay.forward.largestFrame);
        assertEquals(outcome[0], outcome[1], "server bytes and hash vs client hash");
        assertFalse(supers.isEmpty(), "no read from tap a was a super-frame");
        for (TapRelay.SuperFrame f : supers) {
            String what = f.toString();
            assertEquals(VnetHeader.GSO_TCPV4, f.gsoType(), what);
            assertEquals(VnetHeader.F_NEEDS_CSUM, f.flags() & VnetHeader.F_NEEDS_CSUM, what);
            assertEquals(0x0800, f.etherType(), what);
            assertEquals(14 + 20, f.csumStart(), what);
            assertEquals(16, f.csumOffset(), "TCP checksum field " + what);
            assertTrue(f.gsoSize() > 0 && f.gsoSize() <= 1448, "gso_size within the MSS: " + what);
            assertTrue(f.l4PayloadLength() > f.gsoSize(), "more than one segment: " + what);
            assertTrue(f.length() > 1514, "longer than an Ethernet frame: " + what);
            assertTrue(f.hdrLen() >= 54 && f.hdrLen() <= f.length(), what);
        }
        assertTrue(supers.stream().anyMatch(f -> f.gsoSize() == 1448), "full-sized segments of MSS 1448");
        assertEquals(0, relay.forward.writeDrops + relay.backward.writeDrops);
    }

    @Test
    void readsTcpv6SuperFramesOverLinkLocalAddressesAndWritesThemOnIntact() throws Exception {
        Lan lan = lan(true, TapOffloads.DEFAULT);
        TapRelay relay = register(new TapRelay(lan.tapA, lan.tapB, TapRelay.Mode.COPY));
        String[] outcome = transfer(lan, "::", "fe80::1%eth0", 43);
        relay.check();
        List<TapRelay.SuperFrame> supers = List.copyOf(relay.forward.superFrames);
        System.out.printf("tcpv6: %d frames read from tap a, %d super-frames, largest read %d bytes%n",
                relay.forward.frames, supers.size(), relay.forward.largestFrame);
        assertEquals(outcome[0], outcome[1], "server bytes and hash vs client hash");
        assertFalse(supers.isEmpty(), "no read from tap a was a super-frame");
        for (TapRelay.SuperFrame f : supers) {
            String what = f.toString();
            assertEquals(VnetHeader.GSO_TCPV6, f.gsoType(), what);
            assertEquals(VnetHeader.F_NEEDS_CSUM, f.flags() & VnetHeader.F_NEEDS_CSUM, what);
            assertEquals(0x86dd, f.etherType(), what);
            assertEquals(14 + 40, f.csumStart(), what);
            assertEquals(16, f.csumOffset(), what);
            assertTrue(f.gsoSize() > 0 && f.gsoSize() <= 1428, "gso_size within the MSS: " + what);
            assertTrue(f.l4PayloadLength() > f.gsoSize(), what);
            assertTrue(f.length() > 1514, what);
        }
    }

    @Test
    void superFramesMergedByHandFromThreeSegmentsReachTheServerIntact() throws Exception {
        // Checksum offload only on tap a: the kernel cuts the host's super-frames before handing them over,
        // and the relay joins runs of consecutive segments again, as the pure-Java coalescer will.
        Lan lan = lan(false, TapOffloads.CSUM);
        TapRelay relay = register(new TapRelay(lan.tapA, lan.tapB, TapRelay.Mode.MERGE));
        String[] outcome = transfer(lan, "198.51.100.1", "198.51.100.1", 47);
        relay.check();
        System.out.printf("merged: %d frames read from tap a (largest %d), %d super-frames written of %d segments%n",
                relay.forward.frames, relay.forward.largestFrame, relay.forward.mergedFrames,
                relay.forward.mergedSegments);
        assertEquals(outcome[0], outcome[1], "server bytes and hash vs client hash");
        assertTrue(relay.forward.superFrames.isEmpty(), "without TSO the kernel hands over no super-frame");
        assertTrue(relay.forward.largestFrame <= 12 + 1514, "largest read " + relay.forward.largestFrame);
        assertTrue(relay.forward.mergedFrames > 100, "merged super-frames written: " + relay.forward.mergedFrames);
    }

    // ---- checksums and segmentation of written super-frames ----

    @Test
    void aWrittenTcpSuperFrameLeavesAsSegmentsWithCorrectChecksums() throws Exception {
        Forwarder fwd = forwarder();
        byte[] payload = payload(3000, 3);
        int length = fwd.tcpSuperFrame(payload, 1000, 1_000_000);
        assertTrue(fwd.tapW.write(fwd.out, 0, length));
        List<ByteBuffer> frames = fwd.read(3);
        assertEquals(3, frames.size());
        for (int k = 0; k < 3; k++) {
            ByteBuffer f = frames.get(k);
            assertEquals(14 + 20 + 20 + 1000, f.limit(), "segment " + k);
            assertNextHop(f);
            assertEquals(20 + 20 + 1000, f.getShort(14 + 2) & 0xffff);
            assertEquals(63, f.get(14 + 8) & 0xff, "TTL decremented once");
            assertTrue(InetChecksum.ipv4HeaderValid(f, 14), "IPv4 header checksum of segment " + k);
            assertEquals(1_000_000 + 1000 * k, f.getInt(34 + 4), "sequence number of segment " + k);
            assertEquals(k == 2 ? 0x18 : 0x10, f.get(34 + 13) & 0xff, "PSH on the last segment only");
            assertTrue(InetChecksum.l4Ipv4Valid(f, 14, 34, InetChecksum.TCP, 1020), "TCP checksum of segment " + k);
            assertEquals(ByteBuffer.wrap(payload, 1000 * k, 1000), f.slice(54, 1000), "payload of segment " + k);
        }
    }

    @Test
    void aWrittenUdpSuperFrameLeavesAsDatagramsWithCorrectChecksums() throws Exception {
        Forwarder fwd = forwarder();
        byte[] payload = payload(2400, 5);
        int length = fwd.udpFrame(payload, 800);
        assertTrue(fwd.tapW.write(fwd.out, 0, length));
        List<ByteBuffer> frames = fwd.read(3);
        assertEquals(3, frames.size());
        for (int k = 0; k < 3; k++) {
            ByteBuffer f = frames.get(k);
            assertEquals(14 + 20 + 8 + 800, f.limit(), "datagram " + k);
            assertNextHop(f);
            assertTrue(InetChecksum.ipv4HeaderValid(f, 14), "IPv4 header checksum of datagram " + k);
            assertEquals(808, f.getShort(34 + 4) & 0xffff, "UDP length of datagram " + k);
            assertTrue(f.getShort(34 + 6) != 0, "a UDP checksum is present");
            assertTrue(InetChecksum.l4Ipv4Valid(f, 14, 34, InetChecksum.UDP, 808), "UDP checksum of datagram " + k);
            assertEquals(ByteBuffer.wrap(payload, 800 * k, 800), f.slice(42, 800), "payload of datagram " + k);
        }
    }

    @Test
    void aWrittenFrameWithAPartialChecksumLeavesWithTheChecksumFinished() throws Exception {
        Forwarder fwd = forwarder();
        byte[] payload = payload(500, 7);
        int length = fwd.udpFrame(payload, 0);
        assertTrue(fwd.tapW.write(fwd.out, 0, length));
        List<ByteBuffer> frames = fwd.read(1);
        assertEquals(1, frames.size());
        ByteBuffer f = frames.get(0);
        assertEquals(14 + 20 + 8 + 500, f.limit());
        assertTrue(InetChecksum.l4Ipv4Valid(f, 14, 34, InetChecksum.UDP, 508), "UDP checksum finished by the kernel");
        assertEquals(ByteBuffer.wrap(payload), f.slice(42, 500));
    }

    @Test
    void aWriteWhoseChecksumPositionLiesPastTheFrameIsRefusedWithTheReason() throws Exception {
        Forwarder fwd = forwarder();
        int length = fwd.udpFrame(payload(100, 9), 0);
        VnetHeader.write(fwd.out, 0, 12, VnetHeader.F_NEEDS_CSUM, VnetHeader.GSO_NONE, 0, 0, 2000, 6);
        TapException e = assertThrows(TapException.class, () -> fwd.tapW.write(fwd.out, 0, length));
        assertEquals(LinuxConstants.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("a vnet header it cannot apply"), e.getMessage());
    }

    // ---- topology ----

    private record Lan(Netns host, Netns gw, Netns srv, LinuxTapDevice tapA, LinuxTapDevice tapB) {
    }

    private Lan lan(boolean ipv6, int offloadsA) throws Exception {
        Netns host = register(Netns.createWithPrefix("off", "host"));
        Netns gw = register(Netns.createWithPrefix("off", "gw"));
        Netns srv = register(Netns.createWithPrefix("off", "srv"));
        for (Netns ns : List.of(host, gw, srv)) {
            quietIpv6(ns, ipv6);
        }
        Shell.run("ip", "link", "add", "eth0", "netns", host.name(), "type", "veth", "peer", "name", "lan0",
                "netns", gw.name());
        host.run("ip", "link", "set", "eth0", "up");
        gw.run("ip", "link", "add", "br0", "type", "bridge");
        gw.run("ip", "link", "set", "lan0", "master", "br0");
        gw.run("ip", "link", "set", "lan0", "up");
        gw.run("ip", "link", "set", "br0", "up");
        String a = Netns.deviceName("off", "a");
        String b = Netns.deviceName("off", "b");
        LinuxTapDevice tapA = register(LinuxTapDevice.open(new TapOptions(a, 1500, false).withOffloads(offloadsA)));
        LinuxTapDevice tapB = register(LinuxTapDevice.open(new TapOptions(b, 1500, false)
                .withOffloads(TapOffloads.DEFAULT)));
        Shell.run("ip", "link", "set", a, "netns", gw.name());
        Shell.run("ip", "link", "set", b, "netns", srv.name());
        gw.run("ip", "link", "set", a, "master", "br0");
        gw.run("ip", "link", "set", a, "up");
        if (ipv6) {
            host.run("ip", "addr", "add", "fe80::2/64", "dev", "eth0", "nodad");
            srv.run("ip", "addr", "add", "fe80::1/64", "dev", b, "nodad");
        } else {
            host.run("ip", "addr", "add", "198.51.100.2/24", "dev", "eth0");
            srv.run("ip", "addr", "add", "198.51.100.1/24", "dev", b);
        }
        srv.run("ip", "link", "set", b, "up");
        return new Lan(host, gw, srv, tapA, tapB);
    }

    /** IPv6 off, or on without addresses of its own (and so without router solicitations and DAD). */
    private static void quietIpv6(Netns ns, boolean ipv6) {
        String disable = ipv6 ? "0" : "1";
        ns.run("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=" + disable);
        ns.run("sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=" + disable);
        if (ipv6) {
            ns.run("sysctl", "-q", "-w", "net.ipv6.conf.default.addr_gen_mode=1");
        }
    }

    /**
     * {@link #TRANSFER_BYTES} from the host to the server over one TCP connection; returns {server's
     * "bytes sha256", the client's "bytes sha256"}.
     */
    private String[] transfer(Lan lan, String bindAddress, String target, int seed) throws Exception {
        Process server = start(lan.srv.inside("python3", "-u", "-c", SERVER, bindAddress, Integer.toString(PORT)));
        String ready = readLine(server.getInputStream(), 20);
        assertEquals("listening", ready, "server did not start");
        Process client = start(lan.host.inside("python3", "-c", CLIENT, target, Integer.toString(PORT),
                Integer.toString(TRANSFER_BYTES), Integer.toString(seed)));
        assertTrue(client.waitFor(PROCESS_SECONDS, TimeUnit.SECONDS), "client still running");
        assertTrue(server.waitFor(PROCESS_SECONDS, TimeUnit.SECONDS), "server still running");
        String clientOut = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String serverOut = new String(server.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, client.exitValue(), "client: " + clientOut);
        assertEquals(0, server.exitValue(), "server: " + serverOut);
        return new String[] {serverOut, TRANSFER_BYTES + " " + clientOut};
    }

    private final class Forwarder {
        final LinuxTapDevice tapW;
        final LinuxTapDevice tapR;
        final byte[] macW;
        final ByteBuffer out = ByteBuffer.allocateDirect(12 + 14 + 65535);
        final ByteBuffer in = ByteBuffer.allocateDirect(2048);

        Forwarder(LinuxTapDevice tapW, LinuxTapDevice tapR, byte[] macW) {
            this.tapW = tapW;
            this.tapR = tapR;
            this.macW = macW;
        }

        /** Ethernet + IPv4 198.51.100.2 → 203.0.113.2 after the vnet header; returns the L4 offset. */
        int ipv4(int protocol, int l4Length) {
            out.put(12, macW).put(18, SENDER_MAC).putShort(24, (short) 0x0800);
            int ip = 26;
            out.put(ip, (byte) 0x45).put(ip + 1, (byte) 0).putShort(ip + 2, (short) (20 + l4Length))
                    .putShort(ip + 4, (short) 0x1234).putShort(ip + 6, (short) 0x4000).put(ip + 8, (byte) 64)
                    .put(ip + 9, (byte) protocol)
                    .put(ip + 12, new byte[] {(byte) 198, 51, 100, 2}).put(ip + 16, new byte[] {(byte) 203, 0, 113, 2});
            InetChecksum.fillIpv4Header(out, ip);
            return ip + 20;
        }

        /** A TCP super-frame (ACK|PSH, no options) cut every {@code gsoSize} bytes; returns the write length. */
        int tcpSuperFrame(byte[] payload, int gsoSize, int seq) {
            int tcpLength = 20 + payload.length;
            int tcp = ipv4(InetChecksum.TCP, tcpLength);
            out.putShort(tcp, (short) 40000).putShort(tcp + 2, (short) 5001).putInt(tcp + 4, seq).putInt(tcp + 8, 1)
                    .put(tcp + 12, (byte) 0x50).put(tcp + 13, (byte) 0x18).putShort(tcp + 14, (short) 65535)
                    .putShort(tcp + 18, (short) 0).put(tcp + 20, payload);
            out.putShort(tcp + 16, (short) InetChecksum.pseudoIpv4(out, 26, InetChecksum.TCP, tcpLength));
            VnetHeader.write(out, 0, 12, VnetHeader.F_NEEDS_CSUM, VnetHeader.GSO_TCPV4, 14 + 20 + 20, gsoSize,
                    14 + 20, 16);
            return tcp + tcpLength;
        }

        /** A UDP frame with a partial checksum; a super-frame cut every {@code gsoSize} bytes unless 0. */
        int udpFrame(byte[] payload, int gsoSize) {
            int udpLength = 8 + payload.length;
            int udp = ipv4(InetChecksum.UDP, udpLength);
            out.putShort(udp, (short) 40001).putShort(udp + 2, (short) 5002).putShort(udp + 4, (short) udpLength)
                    .put(udp + 8, payload);
            out.putShort(udp + 6, (short) InetChecksum.pseudoIpv4(out, 26, InetChecksum.UDP, udpLength));
            VnetHeader.write(out, 0, 12, VnetHeader.F_NEEDS_CSUM,
                    gsoSize == 0 ? VnetHeader.GSO_NONE : VnetHeader.GSO_UDP_L4, 14 + 20 + 8, gsoSize, 14 + 20, 6);
            return udp + udpLength;
        }

        /** Frames read from tap r until {@code expected} arrived and 300 ms passed without another. */
        List<ByteBuffer> read(int expected) throws Exception {
            List<ByteBuffer> frames = new ArrayList<>();
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            long quietUntilNs = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadlineNs, quietUntilNs)) {
                if (!tapR.awaitReadable(50)) {
                    continue;
                }
                int n;
                while ((n = tapR.read(in, 0, in.capacity())) > 0) {
                    byte[] copy = new byte[n];
                    in.get(0, copy);
                    frames.add(ByteBuffer.wrap(copy));
                }
                if (frames.size() >= expected) {
                    quietUntilNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
                }
            }
            return frames;
        }
    }

    private Forwarder forwarder() throws Exception {
        Netns fwd = register(Netns.createWithPrefix("off", "fwd"));
        quietIpv6(fwd, false);
        String w = Netns.deviceName("off", "w");
        String r = Netns.deviceName("off", "r");
        LinuxTapDevice tapW = register(LinuxTapDevice.open(new TapOptions(w, 1500, false)
                .withOffloads(TapOffloads.DEFAULT)));
        LinuxTapDevice tapR = register(LinuxTapDevice.open(new TapOptions(r, 1500, false)));
        Shell.run("ip", "link", "set", w, "netns", fwd.name());
        Shell.run("ip", "link", "set", r, "netns", fwd.name());
        fwd.run("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        fwd.run("ip", "addr", "add", "198.51.100.1/24", "dev", w);
        fwd.run("ip", "addr", "add", "203.0.113.1/24", "dev", r);
        fwd.run("ip", "link", "set", w, "up");
        fwd.run("ip", "link", "set", r, "up");
        fwd.run("ip", "neigh", "replace", "203.0.113.2", "lladdr", "02:00:00:00:00:22", "dev", r, "nud", "permanent");
        String mac = fwd.run("cat", "/sys/class/net/" + w + "/address").trim();
        byte[] macW = new byte[6];
        String[] parts = mac.split(":");
        for (int i = 0; i < 6; i++) {
            macW[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return new Forwarder(tapW, tapR, macW);
    }

    private static void assertNextHop(ByteBuffer frame) {
        byte[] dst = new byte[6];
        frame.get(0, dst);
        assertEquals(Arrays.toString(NEXT_HOP_MAC), Arrays.toString(dst), "Ethernet destination");
    }

    private static byte[] payload(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private Process start(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    /** The first line of {@code in}, waiting at most {@code seconds}; null when the stream ended first. */
    private static String readLine(InputStream in, int seconds) throws IOException, InterruptedException {
        StringBuilder line = new StringBuilder();
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadlineNs) {
            if (in.available() == 0) {
                Thread.sleep(10);
                continue;
            }
            int c = in.read();
            if (c < 0) {
                return line.length() == 0 ? null : line.toString();
            }
            if (c == '\n') {
                return line.toString();
            }
            line.append((char) c);
        }
        return line.toString();
    }

    private <T extends AutoCloseable> T register(T resource) {
        cleanup.add(resource);
        return resource;
    }
}
