package org.tapbridge.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.tapbridge.drops.DropReason;

/** PeerCounters have one writer; a second one is a bug that must not stay silent. */
class PeerCountersTest {
    @Test
    void theTestsRunWithAssertionsOn() {
        assertTrue(PeerCounters.class.desiredAssertionStatus(), "the single-writer check needs -ea");
    }

    @Test
    void oneWriterCountsEveryIncrement() {
        PeerCounters c = new PeerCounters();
        for (int i = 0; i < 1000; i++) {
            c.received(100);
            c.sent(60);
            c.dropped(DropReason.NO_SESSION);
        }
        assertEquals(1000, c.rxFrames());
        assertEquals(100_000, c.rxBytes());
        assertEquals(1000, c.txFrames());
        assertEquals(60_000, c.txBytes());
        assertEquals(1000, c.drops(DropReason.NO_SESSION));
    }

    @Test
    void aSecondWriterThreadIsCaught() throws InterruptedException {
        PeerCounters c = new PeerCounters();
        c.sent(60);
        AtomicReference<Throwable> caught = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                c.received(100);
            } catch (Throwable t) {
                caught.set(t);
            }
        }, "tbctl-second-writer");
        other.start();
        other.join();
        assertTrue(caught.get() instanceof AssertionError, String.valueOf(caught.get()));
        assertTrue(caught.get().getMessage().contains("tbctl-second-writer"), caught.get().getMessage());
        assertThrows(AssertionError.class, () -> {
            Thread t = new Thread(() -> c.dropped(DropReason.PEER_DOWN));
            AtomicReference<Throwable> e = new AtomicReference<>();
            t.setUncaughtExceptionHandler((th, x) -> e.set(x));
            t.start();
            t.join();
            if (e.get() != null) {
                throw e.get();
            }
        });
    }
}
