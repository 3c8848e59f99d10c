package org.tapbridge.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The poll set and the eventfd: wake-ups from other threads, UDP and TCP readiness, stable handles. */
class PollerTest {
    @Test
    void wakesOnAnEventFdSignalledFromAnotherThread() throws Exception {
        try (EventFd wake = EventFd.open()) {
            Poller poller = new Poller(2);
            int handle = poller.add(wake.fd(), Poller.POLLIN);
            assertEquals(0, poller.poll(0), "nothing signalled yet");
            Thread signaller = new Thread(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                wake.signal();
            });
            long startNs = System.nanoTime();
            signaller.start();
            assertEquals(1, poller.poll(10_000));
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
            signaller.join();
            assertTrue(waitedMs >= 50 && waitedMs < 5_000, "woke after " + waitedMs + " ms");
            assertEquals(Poller.POLLIN, poller.revents(handle));
            assertTrue(wake.drain());
            assertFalse(wake.drain(), "drained: nothing left");
            assertEquals(0, poller.poll(0), "a drained eventfd no longer wakes the poller");
        }
    }

    @Test
    void timesOutWithZeroReadyWhenNothingHappens() throws Exception {
        try (EventFd wake = EventFd.open()) {
            Poller poller = new Poller(1);
            int handle = poller.add(wake.fd(), Poller.POLLIN);
            long startNs = System.nanoTime();
            assertEquals(0, poller.poll(50));
            assertTrue(System.nanoTime() - startNs >= TimeUnit.MILLISECONDS.toNanos(45));
            assertEquals(0, poller.revents(handle));
        }
    }

    @Test
    void wakesWhenAUdpSocketBecomesReadable() throws Exception {
        try (UdpSocket sender = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults());
                UdpSocket receiver = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults());
                EventFd wake = EventFd.open()) {
            Poller poller = new Poller(2);
            int wakeHandle = poller.add(wake.fd(), Poller.POLLIN);
            int udpHandle = poller.add(receiver.fd(), Poller.POLLIN);
            assertEquals(0, poller.poll(0));
            UdpSocketTest.sendNumbered(sender, receiver, 1, 20);
            assertEquals(1, poller.poll(5_000));
            assertEquals(Poller.POLLIN, poller.revents(udpHandle));
            assertEquals(0, poller.revents(wakeHandle));
        }
    }

    @Test
    void reportsTcpWritableWhileConnectingAndReadableWhenBytesArrive() throws Exception {
        try (TcpListener listener = TcpListener.open(new InetSocketAddress("127.0.0.1", 0), 4);
                TcpSocket client = TcpSocket.connect(listener.localAddress())) {
            Poller poller = new Poller(4);
            int listenHandle = poller.add(listener.fd(), Poller.POLLIN);
            int clientHandle = poller.add(client.fd(), Poller.POLLOUT);
            long deadline = System.currentTimeMillis() + 5_000;
            TcpSocket server = null;
            boolean connected = false;
            while ((server == null || !connected) && System.currentTimeMillis() < deadline) {
                poller.poll(1_000);
                if ((poller.revents(clientHandle) & Poller.POLLOUT) != 0 && client.finishConnect()) {
                    connected = true;
                    poller.setEvents(clientHandle, Poller.POLLIN); // no send queue: stop asking for POLLOUT
                }
                if ((poller.revents(listenHandle) & Poller.POLLIN) != 0) {
                    server = listener.accept();
                }
            }
            assertTrue(connected);
            try (TcpSocket accepted = server) {
                assertTrue(accepted != null, "accepted within 5 s");
                int serverHandle = poller.add(accepted.fd(), Poller.POLLIN);
                assertEquals(0, poller.poll(0), "idle connection: nothing ready");
                TcpSocketTest.Memory memory = new TcpSocketTest.Memory(64);
                assertEquals(10, accepted.write(memory.address, 10));
                assertEquals(1, poller.poll(5_000));
                assertEquals(Poller.POLLIN, poller.revents(clientHandle));
                assertEquals(0, poller.revents(serverHandle));
                assertEquals(Poller.POLLIN, poller.events(clientHandle));
                poller.setEvents(serverHandle, (short) (Poller.POLLIN | Poller.POLLOUT));
                assertEquals(2, poller.poll(0), "the server side is writable, the client readable");
                assertEquals(Poller.POLLOUT, poller.revents(serverHandle));
            }
        }
    }

    @Test
    void keepsHandlesValidWhileOthersAreRemovedAndGrowsBeyondItsCapacity() throws Exception {
        List<EventFd> fds = new ArrayList<>();
        try {
            Poller poller = new Poller(2);
            int[] handles = new int[20];
            for (int i = 0; i < handles.length; i++) {
                EventFd e = EventFd.open();
                fds.add(e);
                handles[i] = poller.add(e.fd(), Poller.POLLIN);
            }
            assertEquals(20, poller.size());
            for (int i = 0; i < handles.length; i += 3) {
                poller.remove(handles[i]);
            }
            assertEquals(13, poller.size());
            fds.get(19).signal();
            fds.get(7).signal();
            assertEquals(2, poller.poll(1_000));
            for (int i = 0; i < handles.length; i++) {
                if (i % 3 == 0) {
                    int handle = handles[i];
                    assertThrows(IllegalArgumentException.class, () -> poller.revents(handle));
                    continue;
                }
                assertEquals(fds.get(i).fd(), poller.fd(handles[i]), "handle " + handles[i]);
                assertEquals(i == 19 || i == 7 ? Poller.POLLIN : 0, poller.revents(handles[i]), "fd " + i);
            }
            // Removing after a poll moves the last entry with its revents: still right through the handle.
            poller.remove(handles[8]);
            assertEquals(Poller.POLLIN, poller.revents(handles[19]));
            assertEquals(Poller.POLLIN, poller.revents(handles[7]));
            int reused = poller.add(fds.get(0).fd(), Poller.POLLIN);
            assertEquals(handles[8], reused, "the last freed handle is reused first");
            assertNotEquals(handles[19], reused);
            assertThrows(IllegalArgumentException.class, () -> poller.revents(99));
        } finally {
            fds.forEach(EventFd::close);
        }
    }

    @Test
    void signalIsSafeWhileAnotherThreadCloses() throws Exception {
        for (int round = 0; round < 50; round++) {
            EventFd wake = EventFd.open();
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread signaller = new Thread(() -> {
                started.countDown();
                try {
                    for (int i = 0; i < 2_000; i++) {
                        wake.signal();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            signaller.start();
            started.await();
            wake.close();
            wake.close();
            signaller.join(5_000);
            assertEquals(null, failure.get());
        }
    }
}
