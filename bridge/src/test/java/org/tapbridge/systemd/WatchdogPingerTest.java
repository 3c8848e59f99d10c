package org.tapbridge.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The pinger against a real datagram listener. The interval check is about semantics (half of
 * WATCHDOG_USEC, not the full interval and not a busy loop), so its bounds are wide: 0.3x to 0.8x.
 */
class WatchdogPingerTest {
    private static final long PID = 4242;
    private static final long WATCHDOG_USEC = 400_000;

    private static SdNotify notifier(NotifyListener listener, String watchdogUsec) {
        return SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", listener.notifySocket(),
                "WATCHDOG_USEC", watchdogUsec, "WATCHDOG_PID", Long.toString(PID)), PID);
    }

    @Test
    void pingsAtHalfTheWatchdogInterval() throws Exception {
        try (NotifyListener listener = NotifyListener.onAbstractName();
             SdNotify notify = notifier(listener, Long.toString(WATCHDOG_USEC));
             WatchdogPinger pinger = new WatchdogPinger(notify)) {
            assertTrue(pinger.start());
            List<Long> arrivalsNs = new ArrayList<>();
            while (arrivalsNs.size() < 8) {
                NotifyListener.Message m = listener.receive(5_000);
                assertNotNull(m, "ping " + arrivalsNs.size() + " did not arrive within 5 s");
                assertEquals("WATCHDOG=1", m.text());
                arrivalsNs.add(m.arrivedNs());
            }
            double meanGapUs = (arrivalsNs.get(7) - arrivalsNs.get(0)) / 7.0 / 1_000;
            assertTrue(meanGapUs >= 0.3 * WATCHDOG_USEC && meanGapUs <= 0.8 * WATCHDOG_USEC,
                    "mean gap " + meanGapUs + " us for WATCHDOG_USEC=" + WATCHDOG_USEC);
        }
    }

    @Test
    void staysSilentWhileTheHealthCheckFails() throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(false);
        try (NotifyListener listener = NotifyListener.onPath();
             SdNotify notify = notifier(listener, "100000");
             WatchdogPinger pinger = new WatchdogPinger(notify, healthy::get)) {
            assertTrue(pinger.start());
            assertNull(listener.receive(300), "pinged although unhealthy");
            healthy.set(true);
            assertNotNull(listener.receive(2_000), "no ping once healthy again");
        }
    }

    @Test
    void anErrorInTheHealthCheckReachesTheUncaughtHandlerAndEndsThePings() throws Exception {
        AtomicReference<Throwable> reported = new AtomicReference<>();
        AtomicInteger checks = new AtomicInteger();
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> reported.set(e));
        try (NotifyListener listener = NotifyListener.onPath();
             SdNotify notify = notifier(listener, "100000");
             WatchdogPinger pinger = new WatchdogPinger(notify, () -> {
                 if (checks.incrementAndGet() == 3) {
                     throw new NoSuchMethodError("injected by the test");
                 }
                 return true;
             })) {
            assertTrue(pinger.start());
            assertNotNull(listener.receive(2_000));
            assertNotNull(listener.receive(2_000));
            long deadlineNs = System.nanoTime() + 2_000_000_000L;
            while (reported.get() == null && System.nanoTime() < deadlineNs) {
                Thread.sleep(10);
            }
            assertTrue(reported.get() instanceof NoSuchMethodError, "reported: " + reported.get());
            assertNull(listener.receive(500), "pinged after the Error");
            assertEquals(3, checks.get(), "health checked after the Error");
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
    }

    @Test
    void stopEndsThePings() throws Exception {
        try (NotifyListener listener = NotifyListener.onPath();
             SdNotify notify = notifier(listener, "100000");
             WatchdogPinger pinger = new WatchdogPinger(notify)) {
            assertTrue(pinger.start());
            assertNotNull(listener.receive(2_000));
            pinger.stop();
            assertFalse(pinger.running());
            while (listener.receive(0) != null) {
                // drain what was sent before stop()
            }
            assertNull(listener.receive(300), "pinged after stop()");
        }
    }

    @Test
    void startsNothingWhenSystemdWantsNoWatchdog() throws Exception {
        try (NotifyListener listener = NotifyListener.onPath();
             SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", listener.notifySocket()), PID);
             WatchdogPinger pinger = new WatchdogPinger(notify)) {
            assertFalse(pinger.start());
            assertFalse(pinger.running());
            assertNull(listener.receive(200));
        }
    }
}
