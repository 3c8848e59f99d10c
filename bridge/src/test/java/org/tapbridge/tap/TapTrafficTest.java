package org.tapbridge.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * Frames through a real TAP: opened in the root namespace, then moved into a namespace of its own (the
 * descriptor keeps working across the move), so that every frame stays inside that namespace.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TapTrafficTest {
    private static final byte[] PEER_MAC = {0x02, 0, 0, 0, 0, 0x02}; // locally administered
    private static final byte[] TAP_IP = {(byte) 198, 51, 100, 1};
    private static final byte[] PEER_IP = {(byte) 198, 51, 100, 2};
    private static final int ETHERTYPE_ARP = 0x0806;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_LOCAL_EXPERIMENTAL = 0x88b5;

    private Netns ns;
    private LinuxTapDevice tap;
    private String name;
    private Process ping;

    @BeforeEach
    void tapInItsOwnNamespace() throws Exception {
        Privileges.requireNetworkAdmin();
        ns = Netns.create("tap");
        name = Netns.deviceName("f");
        tap = LinuxTapDevice.open(new TapOptions(name, 1500, false));
        Shell.run("ip", "link", "set", "dev", name, "netns", ns.name());
        ns.run("sysctl", "-q", "-w", "net.ipv6.conf." + name + ".disable_ipv6=1");
        ns.run("ip", "addr", "add", "198.51.100.1/24", "dev", name);
        ns.run("ip", "link", "set", "dev", name, "up");
    }

    @AfterEach
    void removeEverything() {
        if (ping != null) {
            ping.destroyForcibly();
        }
        if (tap != null) {
            tap.close(); // removes the device (we created it), wherever it now lives
        }
        if (ns != null) {
            ns.close();
        }
        if (name != null && LinuxTapDeviceTest.exists(name)) {
            Shell.quiet("ip", "link", "del", name);
        }
    }

    @Test
    void readsTheArpRequestAndAnswersPingThroughTheTap() throws Exception {
        ByteBuffer in = ByteBuffer.allocateDirect(2048);
        ByteBuffer out = ByteBuffer.allocateDirect(2048);
        ping = new ProcessBuilder(ns.inside("ping", "-n", "-c", "1", "-W", "5", "198.51.100.2"))
                .redirectErrorStream(true).start();
        boolean sawArpRequest = false;
        boolean sawEchoRequest = false;
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ping.isAlive() && System.nanoTime() < deadlineNs) {
            if (!tap.awaitReadable(100)) {
                continue;
            }
            int length = tap.read(in, 0, in.capacity());
            if (length == 0) {
                continue;
            }
            byte[] frame = new byte[length];
            in.get(0, frame);
            if (isArpRequestFor(frame, PEER_IP)) {
                assertBroadcast(frame);
                sawArpRequest = true;
                assertTrue(tap.write(out.put(0, arpReply(frame)), 0, 42));
            } else if (isEchoRequestTo(frame, PEER_IP)) {
                sawEchoRequest = true;
                byte[] reply = echoReply(frame);
                assertTrue(tap.write(out.put(0, reply), 0, reply.length));
            }
        }
        assertTrue(ping.waitFor(10, TimeUnit.SECONDS), "ping did not finish");
        String pingOutput = new String(ping.getInputStream().readAllBytes());
        assertTrue(sawArpRequest, "no ARP request for 198.51.100.2 was read from the TAP; ping said: " + pingOutput);
        assertTrue(sawEchoRequest, "no ICMP echo request was read from the TAP; ping said: " + pingOutput);
        assertEquals(0, ping.exitValue(), "ping should be answered through the TAP: " + pingOutput);
        long rxPackets = Long.parseLong(ns.run("cat", "/sys/class/net/" + name + "/statistics/rx_packets").trim());
        assertTrue(rxPackets >= 2, "the kernel should count our ARP and echo replies as received: " + rxPackets);
    }

    @Test
    void aWrittenFrameIsCountedAsReceivedByTheKernel() throws Exception {
        ByteBuffer out = ByteBuffer.allocateDirect(2048);
        long before = rxPackets();
        assertTrue(tap.write(out.put(0, experimentalBroadcast(60)), 0, 60));
        assertEquals(before + 1, rxPackets());
    }

    @Test
    void aReadThatFillsTheBufferIsCountedAsPossiblyTruncated() throws Exception {
        // A static neighbour lets the kernel send the 1042-byte echo request at once, without ARP.
        ns.run("ip", "neigh", "replace", "198.51.100.2", "lladdr", "02:00:00:00:00:02", "dev", name);
        ns.exec(5, "ping", "-n", "-c", "1", "-W", "1", "-s", "1000", "198.51.100.2");
        ByteBuffer in = ByteBuffer.allocateDirect(2048);
        assertTrue(tap.awaitReadable(5_000), "the echo request should be waiting");
        int length = tap.read(in, 0, 100);
        assertEquals(100, length, "the kernel cuts the frame to the buffer and says nothing");
        assertEquals(1, tap.possiblyTruncatedReads());
    }

    @Test
    void readAndWriteDoNotAllocateOnceWarm() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ByteBuffer in = ByteBuffer.allocateDirect(2048);
        ByteBuffer out = ByteBuffer.allocateDirect(2048);
        out.put(0, experimentalBroadcast(60));
        for (int i = 0; i < 30_000; i++) {
            readAndWrite(in, out);
        }
        long baseline = threads.getCurrentThreadAllocatedBytes();
        long measuring = threads.getCurrentThreadAllocatedBytes() - baseline; // the probe's own cost
        long before = threads.getCurrentThreadAllocatedBytes();
        int written = 0;
        for (int i = 0; i < 10_000; i++) {
            written += readAndWrite(in, out);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before - measuring;
        assertEquals(10_000, written, "every write should be accepted");
        assertEquals(0, allocated, "bytes allocated by 10000 rounds of wakeup+awaitReadable+read+write");
    }

    @Test
    void readAndWriteOnAlternatingRingSlicesDoNotAllocateEither() throws Exception {
        // Ring slots are slices of one region: each call sees another buffer object (the uncached path).
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ByteBuffer region = ByteBuffer.allocateDirect(4 * 2048);
        ByteBuffer[] slots = new ByteBuffer[4];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = region.slice(i * 2048, 2048);
            slots[i].put(0, experimentalBroadcast(60));
        }
        for (int i = 0; i < 30_000; i++) {
            readAndWrite(slots[i & 3], slots[(i + 1) & 3]);
        }
        long baseline = threads.getCurrentThreadAllocatedBytes();
        long measuring = threads.getCurrentThreadAllocatedBytes() - baseline;
        long before = threads.getCurrentThreadAllocatedBytes();
        int written = 0;
        for (int i = 0; i < 10_000; i++) {
            written += readAndWrite(slots[i & 3], slots[(i + 1) & 3]);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before - measuring;
        assertEquals(10_000, written, "every write should be accepted");
        assertEquals(0, allocated, "bytes allocated by 10000 read+write calls on alternating slices");
    }

    private int readAndWrite(ByteBuffer in, ByteBuffer out) throws Exception {
        tap.wakeup();
        tap.awaitReadable(0); // consumes the wake-up (or sees a frame): the whole data-path API per round
        tap.read(in, 0, 2048);
        return tap.write(out, 0, 60) ? 1 : 0;
    }

    private long rxPackets() {
        return Long.parseLong(ns.run("cat", "/sys/class/net/" + name + "/statistics/rx_packets").trim());
    }

    private static byte[] experimentalBroadcast(int length) {
        byte[] frame = new byte[length];
        for (int i = 0; i < 6; i++) {
            frame[i] = (byte) 0xff;
        }
        System.arraycopy(PEER_MAC, 0, frame, 6, 6);
        putShort(frame, 12, ETHERTYPE_LOCAL_EXPERIMENTAL);
        return frame;
    }

    private static boolean isArpRequestFor(byte[] f, byte[] ip) {
        return f.length >= 42 && getShort(f, 12) == ETHERTYPE_ARP && getShort(f, 20) == 1 && equal(f, 38, ip);
    }

    private static void assertBroadcast(byte[] f) {
        for (int i = 0; i < 6; i++) {
            assertEquals((byte) 0xff, f[i], "ARP request destination should be ff:ff:ff:ff:ff:ff");
        }
    }

    private static byte[] arpReply(byte[] request) {
        byte[] r = new byte[42];
        System.arraycopy(request, 6, r, 0, 6);
        System.arraycopy(PEER_MAC, 0, r, 6, 6);
        putShort(r, 12, ETHERTYPE_ARP);
        putShort(r, 14, 1); // Ethernet
        putShort(r, 16, ETHERTYPE_IPV4);
        r[18] = 6;
        r[19] = 4;
        putShort(r, 20, 2); // reply
        System.arraycopy(PEER_MAC, 0, r, 22, 6);
        System.arraycopy(PEER_IP, 0, r, 28, 4);
        System.arraycopy(request, 22, r, 32, 6);
        System.arraycopy(TAP_IP, 0, r, 38, 4);
        return r;
    }

    private static boolean isEchoRequestTo(byte[] f, byte[] ip) {
        if (f.length < 34 || getShort(f, 12) != ETHERTYPE_IPV4 || f[23] != 1 || !equal(f, 30, ip)) {
            return false;
        }
        int icmp = 14 + (f[14] & 0x0f) * 4;
        return f.length > icmp && f[icmp] == 8;
    }

    private static byte[] echoReply(byte[] request) {
        int ipLength = getShort(request, 16);
        byte[] r = new byte[14 + ipLength];
        System.arraycopy(request, 0, r, 0, r.length);
        System.arraycopy(request, 6, r, 0, 6);
        System.arraycopy(PEER_MAC, 0, r, 6, 6);
        System.arraycopy(request, 30, r, 26, 4); // swapping addresses keeps the IP checksum valid
        System.arraycopy(request, 26, r, 30, 4);
        int icmp = 14 + (request[14] & 0x0f) * 4;
        r[icmp] = 0; // echo reply
        putShort(r, icmp + 2, 0);
        putShort(r, icmp + 2, checksum(r, icmp, r.length - icmp));
        return r;
    }

    private static int checksum(byte[] b, int offset, int length) {
        long sum = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += getShort(b, offset + i);
        }
        if ((length & 1) != 0) {
            sum += (b[offset + length - 1] & 0xff) << 8;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }

    private static int getShort(byte[] b, int offset) {
        return ((b[offset] & 0xff) << 8) | (b[offset + 1] & 0xff);
    }

    private static void putShort(byte[] b, int offset, int value) {
        b[offset] = (byte) (value >> 8);
        b[offset + 1] = (byte) value;
    }

    private static boolean equal(byte[] b, int offset, byte[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (b[offset + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }
}
