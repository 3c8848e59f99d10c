package org.tapbridge.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * Multi-queue TAPs for real: devices and namespaces named "mqt..." and removed after each test. Traffic
 * runs only in a namespace of the test's own, into which the TAP moves once all its queues are attached
 * (the descriptors keep working across the move; attaching looks the name up where /dev/net/tun was
 * opened). The kernel picks the queue of each frame it sends out of the TAP from the flow hash, so
 * UDP datagrams to many ports stand for many flows.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MultiQueueTapTest {
    private static final String PREFIX = "mqt";
    private static final String TAP_ADDRESS = "198.51.100.1";
    private static final String PEER_ADDRESS = "198.51.100.2";
    private static final String PEER_MAC = "02:00:00:00:00:02"; // locally administered
    private static final byte[] PEER_IP = {(byte) 198, 51, 100, 2};
    private static final int BASE_PORT = 40_000;
    // With 32 flows hashed over two queues, all on one queue has odds of 2 in 2^32.
    private static final int FLOWS = 32;

    private final List<LinuxTapDevice> queues = new ArrayList<>();
    private final List<String> devicesToDelete = new ArrayList<>();
    private Netns ns;

    @BeforeEach
    void requireRoot() {
        Privileges.requireNetworkAdmin();
    }

    @AfterEach
    void removeEverythingThisTestMade() {
        // Queues first: closing the last one removes a device we created, wherever it lives now.
        for (int i = queues.size() - 1; i >= 0; i--) {
            queues.get(i).close();
        }
        if (ns != null) {
            ns.close();
        }
        for (String device : devicesToDelete) {
            if (LinuxTapDeviceTest.exists(device)) {
                Shell.quiet("ip", "link", "del", device);
            }
        }
    }

    @Test
    void framesOfManyFlowsAreSpreadOverBothQueuesAndEachIsReadOnce() throws Exception {
        LinuxTapDevice[] q = twoQueuesInANamespace("s");
        assertNotEquals(q[0].fd(), q[1].fd());

        List<List<Integer>> read = sendAndCollect(q, 0);

        assertEachFlowReadOnce(read, 0);
        assertFalse(read.get(0).isEmpty(), "queue 0 got none of " + FLOWS + " flows: " + read);
        assertFalse(read.get(1).isEmpty(), "queue 1 got none of " + FLOWS + " flows: " + read);
    }

    @Test
    void aDetachedQueueReceivesNothingUntilItIsAttachedAgain() throws Exception {
        LinuxTapDevice[] q = twoQueuesInANamespace("d");
        q[1].setQueueEnabled(false);
        q[1].setQueueEnabled(false); // idempotent, although the kernel says EINVAL to a second detach
        assertFalse(q[1].queueEnabled());
        assertTrue(q[0].queueEnabled());

        List<List<Integer>> detached = sendAndCollect(q, 0);
        assertEachFlowReadOnce(detached, 0);
        assertEquals(List.of(), detached.get(1), "the detached queue must get no frame");
        assertEquals(FLOWS, detached.get(0).size());
        assertFalse(q[1].awaitReadable(50), "a detached queue is never readable; its wait times out");

        // Writes still go through a detached queue: the kernel keeps its device (6.18, pinned here).
        long before = rxPackets();
        ByteBuffer out = ByteBuffer.allocateDirect(64);
        out.put(0, experimentalBroadcast());
        assertTrue(q[1].write(out, 0, 60));
        assertEquals(before + 1, rxPackets(), "the frame written on the detached queue entered the stack");

        q[1].setQueueEnabled(true);
        q[1].setQueueEnabled(true);
        assertTrue(q[1].queueEnabled());
        List<List<Integer>> attached = sendAndCollect(q, FLOWS);
        assertEachFlowReadOnce(attached, FLOWS);
        assertFalse(attached.get(1).isEmpty(), "queue 1 attached again should get some of " + FLOWS + " flows: "
                + attached);
    }

    @Test
    void aPersistentSingleQueueTapAskedForTwoQueuesIsRefusedWithTheCommandsThatRecreateIt() {
        String name = persistentDevice("r");
        TapException e = assertThrows(TapException.class,
                () -> LinuxTapDevice.open(new TapOptions(name, 0, false).withQueues(2)));
        assertEquals(name, e.device());
        assertEquals("inspect /sys/class/net/" + name, e.call(), "refused before any attach");
        String m = e.getMessage();
        assertTrue(m.contains(name + " is a single-queue TAP, but [site] queues = 2 needs a multi-queue TAP"), m);
        assertTrue(m.contains("scripts/setup-bridge.sh ... --queues 2"), m);
        assertTrue(m.contains("ip tuntap del dev " + name + " mode tap"), m);
        assertTrue(m.contains("ip tuntap add dev " + name + " mode tap multi_queue user root vnet_hdr"), m);
        assertTrue(m.contains("or set queues = 1"), m);
        assertEquals(LinuxConstants.IFF_TAP | LinuxConstants.IFF_NO_PI | LinuxConstants.IFF_PERSIST,
                tunFlags(name), "the device is left as it was");
    }

    @Test
    void aPersistentMultiQueueTapAskedForOneQueueGivesOneQueueOfIt() throws Exception {
        String name = persistentDevice("o", "multi_queue");
        LinuxTapDevice tap = open(new TapOptions(name, 0, false));
        assertTrue(tap.multiQueue(), "attached with IFF_MULTI_QUEUE, as the kernel requires for this device");
        assertFalse(tap.createdByUs());
        assertTrue(tap.queueEnabled());
        assertEquals(0, tap.read(ByteBuffer.allocateDirect(2048), 0, 2048));
        tap.close();
        assertTrue(LinuxTapDeviceTest.exists(name), "a persistent TAP survives its queues");
        assertEquals(LinuxConstants.IFF_MULTI_QUEUE, tunFlags(name) & LinuxConstants.IFF_MULTI_QUEUE);
    }

    @Test
    void aSingleQueueDeviceHasNoQueuesToAttachOrDetach() throws Exception {
        String name = newDevice("n");
        LinuxTapDevice tap = open(new TapOptions(name, 0, false));
        assertFalse(tap.multiQueue());
        IllegalStateException attach = assertThrows(IllegalStateException.class, tap::attachQueue);
        assertTrue(attach.getMessage().contains(name + " was opened single-queue"), attach.getMessage());
        assertTrue(attach.getMessage().contains("withQueues"), attach.getMessage());
        assertThrows(IllegalStateException.class, () -> tap.setQueueEnabled(false));
        assertTrue(tap.queueEnabled());
    }

    @Test
    void anAttachedQueueSharesTheDeviceSettingsAndTheDeviceGoesWithItsLastQueue() throws Exception {
        String name = newDevice("a");
        LinuxTapDevice first = open(new TapOptions(name, 1400, false).withOffloads(TapOffloads.DEFAULT).withQueues(2));
        LinuxTapDevice second = first.attachQueue();
        queues.add(second);
        assertTrue(first.multiQueue());
        assertTrue(second.multiQueue());
        assertEquals(name, second.name());
        assertEquals(1400, second.mtu());
        assertEquals(first.vnetHeaderLength(), second.vnetHeaderLength());
        assertTrue(second.vnetHeaderLength() > 0);
        assertEquals(first.offloads(), second.offloads());
        assertEquals(first.minimumReadCapacity(), second.minimumReadCapacity());
        assertTrue(second.createdByUs());
        int flags = tunFlags(name);
        assertEquals(LinuxConstants.IFF_MULTI_QUEUE | LinuxConstants.IFF_VNET_HDR,
                flags & (LinuxConstants.IFF_MULTI_QUEUE | LinuxConstants.IFF_VNET_HDR), "tun_flags 0x"
                        + Integer.toHexString(flags) + ": the second attach kept the vnet header of the first");

        // Each queue has its own wake-up: waking one leaves the other's wait alone.
        second.wakeup();
        assertFalse(second.awaitReadable(30_000), "woken, not readable");
        long start = System.nanoTime();
        assertFalse(first.awaitReadable(50));
        assertTrue(System.nanoTime() - start >= 40_000_000L, "the first queue was woken by the second's wakeup");

        first.close();
        assertTrue(LinuxTapDeviceTest.exists(name), "the device stays while a queue is attached");
        assertEquals(0, second.read(ByteBuffer.allocateDirect(second.minimumReadCapacity()), 0,
                second.minimumReadCapacity()));
        second.close();
        assertFalse(LinuxTapDeviceTest.exists(name), "the kernel removes a device we created with its last queue");
    }

    @Test
    void aMultiQueueTapThatAnotherOpenerCreatedIsRefused() throws Exception {
        String name = newDevice("h");
        open(new TapOptions(name, 0, false).withQueues(2)); // not persistent: the device of this "process"
        TapException e = assertThrows(TapException.class, () -> LinuxTapDevice.open(new TapOptions(name, 0, false)));
        assertTrue(e.getMessage().contains(name + " is a multi-queue TAP created by another process"), e.getMessage());
    }

    /** Opens a new TAP with two queues, moves it into a fresh namespace, addresses it and brings it up. */
    private LinuxTapDevice[] twoQueuesInANamespace(String label) throws Exception {
        String name = newDevice(label);
        LinuxTapDevice first = open(new TapOptions(name, 1500, false).withQueues(2));
        LinuxTapDevice second = first.attachQueue();
        queues.add(second);
        ns = Netns.createWithPrefix(PREFIX, label);
        Shell.run("ip", "link", "set", "dev", name, "netns", ns.name());
        ns.run("sysctl", "-q", "-w", "net.ipv6.conf." + name + ".disable_ipv6=1");
        ns.run("ip", "addr", "add", TAP_ADDRESS + "/24", "dev", name);
        // A static neighbour: no ARP, whose frames all hash to one queue, before the datagrams.
        ns.run("ip", "neigh", "replace", PEER_ADDRESS, "lladdr", PEER_MAC, "dev", name);
        ns.run("ip", "link", "set", "dev", name, "up");
        return new LinuxTapDevice[] {first, second};
    }

    /** Sends flows {@code first}..{@code first + FLOWS - 1} and reads what each queue gets, by flow number. */
    private List<List<Integer>> sendAndCollect(LinuxTapDevice[] q, int first) throws Exception {
        ns.call(() -> {
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(TAP_ADDRESS), 0))) {
                for (int flow = first; flow < first + FLOWS; flow++) {
                    byte[] payload = ByteBuffer.allocate(4).putInt(flow).array();
                    socket.send(new DatagramPacket(payload, payload.length,
                            new InetSocketAddress(InetAddress.getByName(PEER_ADDRESS), BASE_PORT + flow)));
                }
            }
            return null;
        });
        List<List<Integer>> read = List.of(new ArrayList<>(), new ArrayList<>());
        ByteBuffer in = ByteBuffer.allocateDirect(2048);
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        // Past the last expected frame, keep reading briefly so that a duplicate would be seen.
        long settleNs = Long.MAX_VALUE;
        while (System.nanoTime() < Math.min(deadlineNs, settleNs)) {
            boolean any = false;
            for (int i = 0; i < q.length; i++) {
                int n;
                while ((n = q[i].read(in, 0, in.capacity())) > 0) {
                    any = true;
                    int flow = flowOf(in, n);
                    if (flow >= 0) {
                        read.get(i).add(flow);
                    }
                }
            }
            if (read.get(0).size() + read.get(1).size() >= FLOWS && settleNs == Long.MAX_VALUE) {
                settleNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            }
            if (!any) {
                q[0].awaitReadable(10);
            }
        }
        return read;
    }

    /** The flow number of one of our datagrams to the peer, or -1 for any other frame. */
    private static int flowOf(ByteBuffer f, int length) {
        if (length < 14 + 20 + 8 + 4 || (f.getShort(12) & 0xffff) != 0x0800 || f.get(23) != 17) {
            return -1;
        }
        for (int i = 0; i < 4; i++) {
            if (f.get(30 + i) != PEER_IP[i]) {
                return -1;
            }
        }
        int udp = 14 + (f.get(14) & 0x0f) * 4;
        int port = f.getShort(udp + 2) & 0xffff;
        return port >= BASE_PORT && port < BASE_PORT + 2 * FLOWS ? f.getInt(udp + 8) : -1;
    }

    private static void assertEachFlowReadOnce(List<List<Integer>> read, int first) {
        List<Integer> all = new ArrayList<>(read.get(0));
        all.addAll(read.get(1));
        all.sort(null);
        List<Integer> expected = new ArrayList<>();
        for (int flow = first; flow < first + FLOWS; flow++) {
            expected.add(flow);
        }
        assertEquals(expected, all, "every datagram read exactly once, on one queue or the other: " + read);
    }

    private LinuxTapDevice open(TapOptions options) throws TapException {
        LinuxTapDevice tap = LinuxTapDevice.open(options);
        queues.add(tap);
        return tap;
    }

    private String newDevice(String label) {
        String name = Netns.deviceName(PREFIX, label);
        devicesToDelete.add(name);
        return name;
    }

    private String persistentDevice(String label, String... extra) {
        String name = newDevice(label);
        List<String> cmd = new ArrayList<>(List.of("ip", "tuntap", "add", "dev", name, "mode", "tap"));
        cmd.addAll(List.of(extra));
        Shell.run(cmd.toArray(new String[0]));
        return name;
    }

    private long rxPackets() {
        return Long.parseLong(ns.run("cat", "/sys/class/net/" + queues.get(0).name() + "/statistics/rx_packets").trim());
    }

    private static byte[] experimentalBroadcast() {
        byte[] frame = new byte[60];
        for (int i = 0; i < 6; i++) {
            frame[i] = (byte) 0xff;
        }
        frame[6] = 0x02;
        frame[11] = 0x02;
        frame[12] = (byte) 0x88; // 0x88b5, local experimental EtherType
        frame[13] = (byte) 0xb5;
        return frame;
    }

    private static int tunFlags(String device) {
        try {
            return (int) NetDeviceFacts.parse(Files.readString(Path.of("/sys/class/net", device, "tun_flags")).trim(), -1);
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot read tun_flags of " + device, e);
        }
    }
}
