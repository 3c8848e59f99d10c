package org.tapbridge.os;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** recvmmsg/sendmmsg on loopback: contents, sources, partial batches, truncation, drops, per-message errors. */
class UdpSocketTest {
    private static final long WAIT_MS = 5_000;

    @Test
    void sendsAndReceivesSixtyFourDatagramsOfVariedSizesOverIpv4() throws Exception {
        roundTrip("127.0.0.1");
    }

    @Test
    void sendsAndReceivesSixtyFourDatagramsOfVariedSizesOverIpv6() throws Exception {
        roundTrip("::1");
    }

    private static void roundTrip(String loopback) throws Exception {
        try (UdpSocket sender = UdpSocket.open(new InetSocketAddress(loopback, 0), UdpOptions.defaults());
                UdpSocket receiver = UdpSocket.open(new InetSocketAddress(loopback, 0), UdpOptions.defaults())) {
            int family = loopback.contains(":") ? SockAddr.AF_INET6 : SockAddr.AF_INET;
            assertEquals(family, sender.family());
            Random random = new Random(64);
            DatagramBatch out = new DatagramBatch(64);
            Slab outSlab = new Slab(64, 1500).attach(out);
            EncodedEndpoint target = EncodedEndpoint.of(receiver.localAddress());
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                byte[] payload = Slab.payload(random, i == 0 ? 0 : 1 + random.nextInt(1472));
                outSlab.write(i, payload);
                out.setLength(i, payload.length);
                out.setTarget(i, target);
                sent.add(payload);
            }
            assertEquals(64, sender.send(out, 64));
            for (int i = 0; i < 64; i++) {
                assertEquals(0, out.status(i));
                assertEquals(sent.get(i).length, out.length(i), "msg_len after a send is the bytes sent");
            }

            DatagramBatch in = new DatagramBatch(32);
            Slab inSlab = new Slab(32, 1500).attach(in);
            EncodedEndpoint source = EncodedEndpoint.of(sender.localAddress());
            EncodedEndpoint stranger = EncodedEndpoint.of(new InetSocketAddress(loopback, sender.localAddress()
                    .getPort() == 9 ? 10 : 9));
            EndpointKey key = new EndpointKey();
            int received = 0;
            long deadline = System.currentTimeMillis() + WAIT_MS;
            while (received < 64 && System.currentTimeMillis() < deadline) {
                int n = receiver.receive(in, 32);
                for (int i = 0; i < n; i++) {
                    byte[] expected = sent.get(received + i);
                    assertEquals(expected.length, in.length(i), "datagram " + (received + i));
                    assertFalse(in.truncated(i));
                    assertArrayEquals(expected, inSlab.read(i, in.length(i)), "datagram " + (received + i));
                    assertTrue(in.sameSource(i, source));
                    assertFalse(in.sameSource(i, stranger));
                    assertTrue(in.source(i, key));
                    assertTrue(key.sameAs(source));
                    assertEquals(family, key.family());
                    assertEquals(sender.localAddress(), in.sourceAddress(i));
                    assertEquals(-1, in.rxQueueOverflow(i), "no drops yet, so no SO_RXQ_OVFL message");
                }
                received += n;
            }
            assertEquals(64, received);
            assertEquals(0, receiver.rxQueueDrops());
        }
    }

    @Test
    void receivesAtMostTheAskedNumberAndLeavesTheRestQueued() throws Exception {
        try (UdpSocket sender = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults());
                UdpSocket receiver = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults())) {
            sendNumbered(sender, receiver, 10, 100);
            DatagramBatch in = new DatagramBatch(8);
            Slab slab = new Slab(8, 200).attach(in);
            awaitReadable(receiver);
            assertEquals(4, receiver.receive(in, 4));
            assertEquals(0, slab.read(0, 1)[0]);
            assertEquals(3, slab.read(3, 1)[0]);
            assertEquals(4, receiver.receive(in, 4));
            assertEquals(4, slab.read(0, 1)[0]);
            assertEquals(2, receiver.receive(in, 8), "only two were left");
            assertEquals(8, slab.read(0, 1)[0]);
            assertEquals(9, slab.read(1, 1)[0]);
            assertEquals(0, receiver.receive(in, 8), "EAGAIN is 0, not an exception");
        }
    }

    @Test
    void returnsZeroWhenNothingIsQueued() throws Exception {
        try (UdpSocket receiver = UdpSocket.open(new InetSocketAddress("::1", 0), UdpOptions.defaults())) {
            DatagramBatch in = new DatagramBatch(4);
            new Slab(4, 100).attach(in);
            assertEquals(0, receiver.receive(in, 4));
            assertEquals(0, receiver.receive(in, 1));
        }
    }

    @Test
    void flagsDatagramsLongerThanTheirBufferAsTruncated() throws Exception {
        try (UdpSocket sender = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults());
                UdpSocket receiver = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults())) {
            DatagramBatch out = new DatagramBatch(2);
            Slab outSlab = new Slab(2, 1000).attach(out);
            byte[] big = Slab.payload(new Random(5), 500);
            outSlab.write(0, big);
            out.setLength(0, 500);
            out.setLength(1, 50);
            EncodedEndpoint target = EncodedEndpoint.of(receiver.localAddress());
            out.setTarget(0, target);
            out.setTarget(1, target);
            assertEquals(2, sender.send(out, 2));
            DatagramBatch in = new DatagramBatch(2);
            Slab inSlab = new Slab(2, 100).attach(in);
            awaitReadable(receiver);
            assertEquals(2, receiver.receive(in, 2));
            assertTrue(in.truncated(0));
            assertEquals(100, in.length(0), "msg_len counts what fits in the buffer");
            assertArrayEquals(java.util.Arrays.copyOf(big, 100), inSlab.read(0, 100));
            assertFalse(in.truncated(1));
            assertEquals(50, in.length(1));
        }
    }

    @Test
    void skipsAMessageTheKernelRefusesAndSendsTheOthers() throws Exception {
        try (UdpSocket sender = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults());
                UdpSocket receiver = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults())) {
            DatagramBatch out = new DatagramBatch(6);
            new Slab(6, 100).attach(out);
            EncodedEndpoint target = EncodedEndpoint.of(receiver.localAddress());
            EncodedEndpoint wrongFamily = EncodedEndpoint.of(new InetSocketAddress("::1", 9));
            for (int i = 0; i < 6; i++) {
                out.setLength(i, 10 + i);
                out.setTarget(i, i == 0 || i == 3 || i == 4 ? wrongFamily : target);
            }
            assertEquals(3, sender.send(out, 6));
            int[] expected = {Errno.EAFNOSUPPORT, 0, 0, Errno.EAFNOSUPPORT, Errno.EAFNOSUPPORT, 0};
            for (int i = 0; i < 6; i++) {
                assertEquals(expected[i], out.status(i), "message " + i);
            }
            DatagramBatch in = new DatagramBatch(6);
            new Slab(6, 100).attach(in);
            awaitReadable(receiver);
            int n = receiver.receive(in, 6);
            assertEquals(3, n);
            assertEquals(11, in.length(0));
            assertEquals(12, in.length(1));
            assertEquals(15, in.length(2));
        }
    }

    @Test
    void countsReceiveQueueDropsAsTheKernelDoes() throws Exception {
        UdpOptions tiny = UdpOptions.defaults().withReceiveBufferBytes(UdpOptions.MIN_BUFFER_BYTES);
        try (UdpSocket sender = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults());
                UdpSocket receiver = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), tiny)) {
            DatagramBatch out = new DatagramBatch(64);
            new Slab(64, 64).attach(out);
            EncodedEndpoint target = EncodedEndpoint.of(receiver.localAddress());
            for (int i = 0; i < 64; i++) {
                out.setLength(i, 32);
                out.setTarget(i, target);
            }
            // Flood without reading: a few datagrams fit, the rest overflow the queue. Bounded: 20 000 at most.
            int offered = 0;
            long deadline = System.currentTimeMillis() + WAIT_MS;
            while (offered < 20_000 && System.currentTimeMillis() < deadline) {
                sender.send(out, 64);
                offered += 64;
            }
            DatagramBatch in = new DatagramBatch(64);
            new Slab(64, 64).attach(in);
            int drained = drain(receiver, in);
            assertTrue(drained > 0 && drained < offered, "drained " + drained + " of " + offered);
            // The count rides on datagrams queued after the drops (the few queued here came before them):
            // one more after the flood carries the final value.
            sender.send(out, 1);
            awaitReadable(receiver);
            assertEquals(1, receiver.receive(in, 1));
            long kernelDrops = procNetUdpDrops(receiver.fd(), "/proc/net/udp");
            assertEquals(kernelDrops, in.rxQueueOverflow(0));
            assertEquals(kernelDrops, receiver.rxQueueDrops());
            assertTrue(kernelDrops > offered / 2, kernelDrops + " drops of " + offered + " offered");
            System.out.printf("SO_RXQ_OVFL: %d offered, %d queued, %d dropped (/proc/net/udp agrees); SO_RCVBUF %d%n",
                    offered, drained, kernelDrops, receiver.receiveBufferBytes());
        }
    }

    @Test
    void reportsTheBufferSizesTheKernelGranted() throws Exception {
        UdpOptions options = UdpOptions.defaults().withReceiveBufferBytes(3 << 20).withSendBufferBytes(1 << 20);
        try (UdpSocket socket = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), options)) {
            if (socket.buffersForced()) {
                assertEquals(2 * (3 << 20), socket.receiveBufferBytes(), "the kernel doubles for its overhead");
                assertEquals(2 * (1 << 20), socket.sendBufferBytes());
            } else {
                long rmemMax = Long.parseLong(Files.readString(Path.of("/proc/sys/net/core/rmem_max")).trim());
                assertEquals(2 * Math.min(rmemMax, 3 << 20), socket.receiveBufferBytes(), "capped at rmem_max");
            }
            assertTrue(socket.toString().contains("SO_RCVBUF " + socket.receiveBufferBytes()), socket.toString());
        }
        if ("root".equals(System.getProperty("user.name"))) {
            try (UdpSocket socket = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), options)) {
                assertTrue(socket.buffersForced(), "root has CAP_NET_ADMIN, so SO_RCVBUFFORCE works");
            }
        }
    }

    @Test
    void bindsTheFamilyOfItsAddressAndReportsTheKernelsPort() throws Exception {
        try (UdpSocket v4 = UdpSocket.open(new InetSocketAddress("0.0.0.0", 0), UdpOptions.defaults());
                UdpSocket v6 = UdpSocket.open(new InetSocketAddress("::", v4.localAddress().getPort()),
                        UdpOptions.defaults())) {
            assertEquals(SockAddr.AF_INET, v4.family());
            assertEquals(SockAddr.AF_INET6, v6.family());
            assertNotEquals(0, v4.localAddress().getPort());
            assertEquals(v4.localAddress().getPort(), v6.localAddress().getPort(),
                    "IPV6_V6ONLY: the IPv6 wildcard does not take the IPv4 port");
        }
    }

    @Test
    void namesTheAddressAndErrnoWhenBindFails() throws Exception {
        try (UdpSocket first = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults())) {
            int port = first.localAddress().getPort();
            // No SO_REUSEADDR on UDP: with it a second daemon would share the port and silently steal traffic.
            NativeIoException e = assertThrows(NativeIoException.class,
                    () -> UdpSocket.open(new InetSocketAddress("127.0.0.1", port), UdpOptions.defaults()));
            assertEquals(Errno.EADDRINUSE, e.errno());
            assertTrue(e.getMessage().startsWith("bind(127.0.0.1:" + port + "): EADDRINUSE Address already in use"),
                    e.getMessage());
            NativeIoException absent = assertThrows(NativeIoException.class,
                    () -> UdpSocket.open(new InetSocketAddress("192.0.2.1", 0), UdpOptions.defaults()));
            assertEquals(Errno.EADDRNOTAVAIL, absent.errno(), absent.getMessage());
        }
    }

    @Test
    void closeIsIdempotentAndLaterCallsFailClearly() throws Exception {
        UdpSocket socket = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults());
        DatagramBatch batch = new DatagramBatch(1);
        new Slab(1, 100).attach(batch);
        socket.close();
        socket.close();
        NativeIoException e = assertThrows(NativeIoException.class, () -> socket.receive(batch, 1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(NativeIoException.class, () -> socket.send(batch, 1));
    }

    @Test
    void validatesOptionsWithKeyAndLimit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UdpOptions.defaults().withReceiveBufferBytes(100));
        assertEquals("udp-receive-buffer-bytes=100 < 1024", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> UdpOptions.defaults().withSendBufferBytes(1 << 30));
        assertThrows(IllegalArgumentException.class, () -> new DatagramBatch(1025));
    }

    static void sendNumbered(UdpSocket sender, UdpSocket receiver, int count, int length) throws Exception {
        DatagramBatch out = new DatagramBatch(count);
        Slab slab = new Slab(count, length).attach(out);
        EncodedEndpoint target = EncodedEndpoint.of(receiver.localAddress());
        for (int i = 0; i < count; i++) {
            slab.buffer.put(i * length, (byte) i);
            out.setLength(i, length);
            out.setTarget(i, target);
        }
        assertEquals(count, sender.send(out, count));
    }

    static void awaitReadable(UdpSocket socket) throws Exception {
        Poller poller = new Poller(1);
        int handle = poller.add(socket.fd(), Poller.POLLIN);
        assertEquals(1, poller.poll((int) WAIT_MS), "readable within " + WAIT_MS + " ms");
        assertTrue((poller.revents(handle) & Poller.POLLIN) != 0);
    }

    private static int drain(UdpSocket socket, DatagramBatch in) throws Exception {
        int total = 0;
        for (int n; (n = socket.receive(in, in.capacity())) > 0;) {
            total += n;
        }
        return total;
    }

    /** The drops column of the socket's line in /proc/net/udp(6), found by its inode. */
    static long procNetUdpDrops(int fd, String table) throws IOException {
        String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString(); // socket:[12345]
        String inode = link.substring(link.indexOf('[') + 1, link.indexOf(']'));
        for (String line : Files.readAllLines(Path.of(table))) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 13 && f[9].equals(inode)) {
                return Long.parseLong(f[12]);
            }
        }
        throw new AssertionError("socket inode " + inode + " not in " + table);
    }
}
