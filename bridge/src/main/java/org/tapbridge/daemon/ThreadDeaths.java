package org.tapbridge.daemon;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Keeps the first death of any thread by an uncaught exception or Error: every thread the daemon starts
 * fills a role nothing else fills (the data path, the control socket, the watchdog), so such a death is the
 * process's failure, and {@code tapbridge run} exits non-zero on it for systemd to restart the site.
 * Installed as the JVM's default handler; any thread.
 */
public final class ThreadDeaths implements Thread.UncaughtExceptionHandler {
    private static final System.Logger LOG = System.getLogger(ThreadDeaths.class.getName());
    /** Kept without building anything: reporting may fail for the same reason the thread died. */
    private static final String UNREPORTED = "a thread died of an uncaught exception that could not be reported";

    private final AtomicReference<String> first = new AtomicReference<>();
    private final Thread.UncaughtExceptionHandler previous;

    private ThreadDeaths(Thread.UncaughtExceptionHandler previous) {
        this.previous = previous;
    }

    /** Becomes the JVM's default uncaught-exception handler until {@link #uninstall()}. */
    public static ThreadDeaths install() {
        ThreadDeaths deaths = new ThreadDeaths(Thread.getDefaultUncaughtExceptionHandler());
        Thread.setDefaultUncaughtExceptionHandler(deaths);
        return deaths;
    }

    /** Puts the previous default handler back (for a daemon run inside a longer-lived JVM, as in tests). */
    public void uninstall() {
        if (Thread.getDefaultUncaughtExceptionHandler() == this) {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }

    @Override
    public void uncaughtException(Thread thread, Throwable e) {
        try {
            String what = "thread '" + thread.getName() + "' died: " + e;
            first.compareAndSet(null, what);
            LOG.log(System.Logger.Level.ERROR, what, e);
        } catch (Throwable again) {
            first.compareAndSet(null, UNREPORTED);
        }
    }

    /** The first thread death, or null while every thread lives. */
    public String failure() {
        return first.get();
    }
}
