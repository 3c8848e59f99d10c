package org.tapbridge.os;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * DF, EMSGSIZE per message, path MTU and EAGAIN on a real link: two namespaces joined by a veth pair of
 * MTU 1400 (198.18.0.1/30 and 198.18.0.2/30, plus fe80::1/fe80::2), created and deleted by each test.
 */
class UdpPathMtuTest {
    private static final int LINK_MTU = 1400;
    private static final int WAIT_MS = 5_000;

    @Test
    void refusesIpv4DatagramsAboveTheLinkMtuOneByOneAndSendsTheRest() throws Exception {
        try (NatVeth veth = NatVeth.create(LINK_MTU)) {
            UdpSocket sender = veth.inA(() -> UdpSocket.open(new InetSocketAddress(NatVeth.ADDRESS_A, 0),
                    UdpOptions.defaults()));
            UdpSocket receiver = veth.inB(() -> UdpSocket.open(new InetSocketAddress(NatVeth.ADDRESS_B, 0),
                    UdpOptions.defaults()));
            try (sender; receiver) {
                mixedBatch(sender, receiver, EncodedEndpoint.of(sender.localAddress()));
            }
        }
    }

    @Test
    void refusesIpv6DatagramsAboveTheLinkMtuOnALinkLocalPath() throws Exception {
        try (NatVeth veth = NatVeth.create(LINK_MTU)) {
            veth.runIn(veth.nsA, "ip", "-6", "addr", "add", "fe80::1/64", "dev", veth.devA, "nodad");
            veth.runIn(veth.nsB, "ip", "-6", "addr", "add", "fe80::2/64", "dev", veth.devB, "nodad");
            int indexA = Integer.parseInt(veth.runIn(veth.nsA, "cat", "/sys/class/net/" + veth.devA + "/ifindex").trim());
            int indexB = Integer.parseInt(veth.runIn(veth.nsB, "cat", "/sys/class/net/" + veth.devB + "/ifindex").trim());
            InetSocketAddress a = linkLocal("fe80::1", indexA, 0);
            UdpSocket sender = veth.inA(() -> UdpSocket.open(a, UdpOptions.defaults()));
            UdpSocket receiver = veth.inB(() -> UdpSocket.open(linkLocal("fe80::2", indexB, 0), UdpOptions.defaults()));
            try (sender; receiver) {
                assertEquals(SockAddr.AF_INET6, sender.family());
                InetSocketAddress target = linkLocal("fe80::2", indexA, receiver.localAddress().getPort());
                assertEquals(LINK_MTU, veth.inA(() -> sender.pathMtu(target)), "IPV6_MTU of the link");
                // The source as the receiver sees it carries the receiver's own interface index.
                EncodedEndpoint expectedSource = EncodedEndpoint.of(linkLocal("fe80::1", indexB,
                        sender.localAddress().getPort()));
                mixedBatch(sender, receiver, EncodedEndpoint.of(target), expectedSource);
            }
        }
    }

    private static void mixedBatch(UdpSocket sender, UdpSocket receiver, EncodedEndpoint expectedSource)
            throws Exception {
        mixedBatch(sender, receiver, EncodedEndpoint.of(receiver.localAddress()), expectedSource);
    }

    /** Ten datagrams alternating 1300 bytes (fits) and 1500 (does not): five EMSGSIZE, five delivered intact. */
    private static void mixedBatch(UdpSocket sender, UdpSocket receiver, EncodedEndpoint target,
            EncodedEndpoint expectedSource) throws Exception {
        DatagramBatch out = new DatagramBatch(10);
        Slab outSlab = new Slab(10, 1500).attach(out);
        Random random = new Random(1400);
        List<byte[]> fitting = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            byte[] payload = Slab.payload(random, i % 2 == 0 ? 1300 : 1500);
            outSlab.write(i, payload);
            out.setLength(i, payload.length);
            out.setTarget(i, target);
            if (payload.length == 1300) {
                fitting.add(payload);
            }
        }
        assertEquals(5, sender.send(out, 10));
        for (int i = 0; i < 10; i++) {
            assertEquals(i % 2 == 0 ? 0 : Errno.EMSGSIZE, out.status(i), "message " + i);
        }
        DatagramBatch in = new DatagramBatch(10);
        Slab inSlab = new Slab(10, 1600).attach(in);
        List<byte[]> arrived = new ArrayList<>();
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (arrived.size() < 5 && System.currentTimeMillis() < deadline) {
            int n = receiver.receive(in, 10);
            if (n == 0) {
                TcpSocketTest.awaitEvents(receiver.fd(), Poller.POLLIN);
                continue;
            }
            for (int i = 0; i < n; i++) {
                assertTrue(in.sameSource(i, expectedSource), "source " + in.sourceAddress(i));
                arrived.add(inSlab.read(i, in.length(i)));
            }
        }
        assertEquals(5, arrived.size(), "the datagrams that fit arrive");
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(fitting.get(i), arrived.get(i), "datagram " + i);
        }
    }

    @Test
    void pathMtuFollowsTheLinkThenALockedRouteMtuWhichDoHonoursAndProbeIgnores() throws Exception {
        try (NatVeth veth = NatVeth.create(LINK_MTU)) {
            UdpSocket doSocket = veth.inA(() -> UdpSocket.open(new InetSocketAddress(NatVeth.ADDRESS_A, 0),
                    UdpOptions.defaults()));
            UdpSocket probeSocket = veth.inA(() -> UdpSocket.open(new InetSocketAddress(NatVeth.ADDRESS_A, 0),
                    UdpOptions.defaults().withPmtuMode(UdpOptions.PmtuMode.PROBE)));
            UdpSocket receiver = veth.inB(() -> UdpSocket.open(new InetSocketAddress(NatVeth.ADDRESS_B, 0),
                    UdpOptions.defaults()));
            try (doSocket; probeSocket; receiver) {
                InetSocketAddress peer = receiver.localAddress();
                assertEquals(LINK_MTU, (int) veth.inA(() -> doSocket.pathMtu(peer)));
                veth.runIn(veth.nsA, "ip", "route", "replace", NatVeth.ADDRESS_B + "/32", "dev", veth.devA, "mtu", "lock",
                        "1300");
                assertEquals(1300, (int) veth.inA(() -> doSocket.pathMtu(peer)), "the route's locked MTU");

                // A 1350-byte payload is a 1378-byte packet: above the route MTU, below the device MTU.
                DatagramBatch out = new DatagramBatch(1);
                new Slab(1, 1400).attach(out);
                out.setLength(0, 1350);
                out.setTarget(0, EncodedEndpoint.of(peer));
                assertEquals(0, doSocket.send(out, 1));
                assertEquals(Errno.EMSGSIZE, out.status(0), "DO honours the route MTU");
                assertEquals(1, probeSocket.send(out, 1), "PROBE is limited by the device MTU only");
                assertEquals(0, out.status(0));
                UdpSocketTest.awaitReadable(receiver);
                DatagramBatch in = new DatagramBatch(1);
                new Slab(1, 1500).attach(in);
                assertEquals(1, receiver.receive(in, 1));
                assertEquals(1350, in.length(0));
            }
        }
    }

    @Test
    void stopsAtEagainWhenTheSendBufferIsFullAndMarksEveryMessageNotAttempted() throws Exception {
        try (NatVeth veth = NatVeth.create(LINK_MTU)) {
            // A slow qdisc holds sent datagrams, and with them the sender's buffer memory, for a while.
            veth.runIn(veth.nsA, "tc", "qdisc", "add", "dev", veth.devA, "root", "tbf", "rate", "1mbit", "burst", "4kb",
                    "latency", "2s");
            UdpOptions smallSendBuffer = UdpOptions.defaults().withSendBufferBytes(UdpOptions.MIN_BUFFER_BYTES);
            UdpSocket sender = veth.inA(() -> UdpSocket.open(new InetSocketAddress(NatVeth.ADDRESS_A, 0),
                    smallSendBuffer));
            UdpSocket receiver = veth.inB(() -> UdpSocket.open(new InetSocketAddress(NatVeth.ADDRESS_B, 0),
                    UdpOptions.defaults()));
            try (sender; receiver) {
                DatagramBatch out = new DatagramBatch(64);
                new Slab(64, 1000).attach(out);
                EncodedEndpoint target = EncodedEndpoint.of(receiver.localAddress());
                for (int i = 0; i < 64; i++) {
                    out.setLength(i, 1000);
                    out.setTarget(i, target);
                }
                int sent = sender.send(out, 64);
                assertTrue(sent >= 1 && sent < 64, "sent " + sent + " of 64 with SO_SNDBUF " + sender.sendBufferBytes());
                for (int i = 0; i < 64; i++) {
                    assertEquals(i < sent ? 0 : Errno.EAGAIN, out.status(i), "message " + i);
                }
                System.out.printf("EAGAIN after %d of 64 datagrams (SO_SNDBUF %d)%n", sent, sender.sendBufferBytes());
            }
        }
    }

    private static InetSocketAddress linkLocal(String address, int scopeId, int port) throws Exception {
        return new InetSocketAddress(Inet6Address.getByAddress(null, InetAddress.getByName(address).getAddress(),
                scopeId), port);
    }
}
