package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** Issue 11, defect 3: any thread that dies is the process's failure, the first one named. */
class ThreadDeathsTest {
    private static void dieIn(String name, Throwable cause) throws InterruptedException {
        Thread t = new Thread(() -> {
            if (cause instanceof Error e) {
                throw e;
            }
            throw (RuntimeException) cause;
        }, name);
        t.start();
        t.join(5_000);
    }

    @Test
    void keepsTheFirstThreadThatDiedAndPutsThePreviousHandlerBack() throws Exception {
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        ThreadDeaths deaths = ThreadDeaths.install();
        try {
            assertNull(deaths.failure());
            dieIn("tbrb-control", new StackOverflowError("injected"));
            dieIn("tbrb-other", new IllegalStateException("later"));
            assertEquals("thread 'tbrb-control' died: java.lang.StackOverflowError: injected", deaths.failure());
        } finally {
            deaths.uninstall();
        }
        assertSame(before, Thread.getDefaultUncaughtExceptionHandler());
    }

    @Test
    void aRuntimeExceptionThatEndsAThreadCountsToo() throws Exception {
        ThreadDeaths deaths = ThreadDeaths.install();
        try {
            dieIn("tbrb-resolver", new IllegalArgumentException("injected"));
            assertEquals("thread 'tbrb-resolver' died: java.lang.IllegalArgumentException: injected",
                    deaths.failure());
        } finally {
            deaths.uninstall();
        }
    }
}
