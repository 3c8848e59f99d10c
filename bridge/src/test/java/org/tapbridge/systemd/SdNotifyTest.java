package org.tapbridge.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SdNotifyTest {
    private static final long PID = 4242;

    private static SdNotify notifierFor(NotifyListener listener) {
        return SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", listener.notifySocket()), PID);
    }

    private static String next(NotifyListener listener) throws Exception {
        NotifyListener.Message m = listener.receive(5_000);
        assertNotNull(m, "no datagram arrived on " + listener.notifySocket() + " within 5 s");
        return m.text();
    }

    @Test
    void deliversEachLifeCycleMessageToASocketPath() throws Exception {
        try (NotifyListener listener = NotifyListener.onPath(); SdNotify notify = notifierFor(listener)) {
            assertTrue(notify.enabled(), notify.toString());
            assertTrue(notify.ready());
            assertEquals("READY=1", next(listener));
            assertTrue(notify.status("peers up 1/3"));
            assertEquals("STATUS=peers up 1/3", next(listener));
            assertTrue(notify.watchdog());
            assertEquals("WATCHDOG=1", next(listener));
            assertTrue(notify.stopping());
            assertEquals("STOPPING=1", next(listener));
        }
    }

    @Test
    void deliversToAnAbstractSocketNameStartingWithAt() throws Exception {
        try (NotifyListener listener = NotifyListener.onAbstractName(); SdNotify notify = notifierFor(listener)) {
            assertTrue(listener.notifySocket().startsWith("@"));
            assertTrue(notify.ready("peers up 0/2"));
            assertEquals("READY=1\nSTATUS=peers up 0/2", next(listener));
        }
    }

    @Test
    void statusTextCannotSmuggleInAnotherAssignment() throws Exception {
        try (NotifyListener listener = NotifyListener.onPath(); SdNotify notify = notifierFor(listener)) {
            notify.status("peer x\nREADY=1\r\nMAINPID=1");
            assertEquals("STATUS=peer x READY=1 MAINPID=1", next(listener));
            notify.status("y".repeat(SdNotify.STATUS_MAX_CHARS + 50));
            assertEquals("STATUS=" + "y".repeat(SdNotify.STATUS_MAX_CHARS), next(listener));
        }
    }

    @Test
    void isANoOpWhenNotifySocketIsUnset() {
        try (SdNotify notify = SdNotify.fromEnvironment(Map.of("WATCHDOG_USEC", "1000000"), PID)) {
            assertFalse(notify.enabled());
            assertTrue(notify.disabledReason().contains("NOTIFY_SOCKET is not set"), notify.disabledReason());
            assertFalse(notify.ready());
            assertFalse(notify.watchdog());
            assertEquals(0, notify.watchdogIntervalNanos());
        }
    }

    @Test
    void refusesNotifySocketsItCannotAddressAndSaysWhy() {
        SdNotify vsock = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "vsock:2:1234"), PID);
        assertFalse(vsock.enabled());
        assertTrue(vsock.disabledReason().contains("vsock:2:1234"), vsock.disabledReason());
        SdNotify tooLong = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "/" + "a".repeat(107)), PID);
        assertFalse(tooLong.enabled());
        assertTrue(tooLong.disabledReason().contains("longer than 107 bytes"), tooLong.disabledReason());
        assertFalse(SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "@"), PID).enabled());
    }

    @Test
    void reportsFailureWhenNobodyListensInsteadOfThrowing() {
        try (SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "/nonexistent/tapbridge-notify"), PID)) {
            assertTrue(notify.enabled());
            assertFalse(notify.ready());
            assertFalse(notify.watchdog());
        }
    }

    @Test
    void readsTheWatchdogIntervalAndRecommendsHalfOfIt() {
        Map<String, String> env = new HashMap<>(Map.of("NOTIFY_SOCKET", "@x", "WATCHDOG_USEC", "20000000",
                "WATCHDOG_PID", Long.toString(PID)));
        SdNotify notify = SdNotify.fromEnvironment(env, PID);
        assertEquals(20_000_000_000L, notify.watchdogIntervalNanos());
        assertEquals(10_000_000_000L, notify.recommendedWatchdogPeriodNanos());
        assertNull(notify.watchdogDisabledReason());

        env.remove("WATCHDOG_PID");
        assertEquals(20_000_000_000L, SdNotify.fromEnvironment(env, PID).watchdogIntervalNanos(),
                "without WATCHDOG_PID the watchdog is for whoever reads the variable");
    }

    @Test
    void ignoresAWatchdogMeantForAnotherProcessOrMalformed() {
        SdNotify other = SdNotify.fromEnvironment(
                Map.of("NOTIFY_SOCKET", "@x", "WATCHDOG_USEC", "20000000", "WATCHDOG_PID", "1"), PID);
        assertEquals(0, other.watchdogIntervalNanos());
        assertTrue(other.watchdogDisabledReason().contains("WATCHDOG_PID=1"), other.watchdogDisabledReason());
        for (String bad : new String[] {"", "0", "-5", "12s", "99999999999999999999"}) {
            SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "@x", "WATCHDOG_USEC", bad), PID);
            assertEquals(0, notify.watchdogIntervalNanos(), "WATCHDOG_USEC='" + bad + "'");
            assertNotNull(notify.watchdogDisabledReason());
        }
    }
}
