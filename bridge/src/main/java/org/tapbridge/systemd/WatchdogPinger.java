package org.tapbridge.systemd;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Sends WATCHDOG=1 at half of systemd's watchdog interval, while a health check holds.
 * Owns one daemon thread named {@code watchdog}; start and stop from the main thread.
 */
public final class WatchdogPinger implements AutoCloseable {
    private final SdNotify notify;
    private final BooleanSupplier healthy;
    private ScheduledExecutorService scheduler;

    /**
     * @param healthy asked before each ping; a daemon whose data path is stuck should answer false, so
     *                that systemd restarts it instead of a timer thread vouching for it for ever
     */
    public WatchdogPinger(SdNotify notify, BooleanSupplier healthy) {
        this.notify = notify;
        this.healthy = healthy;
    }

    public WatchdogPinger(SdNotify notify) {
        this(notify, () -> true);
    }

    /** Starts pinging; returns false (and starts nothing) when systemd wants no watchdog. */
    public synchronized boolean start() {
        long periodNs = notify.recommendedWatchdogPeriodNanos();
        if (!notify.enabled() || periodNs <= 0 || scheduler != null) {
            return scheduler != null;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "watchdog");
            t.setDaemon(true);
            return t;
        });
        // The first ping goes out at once: READY=1 was just sent and the interval runs from there.
        scheduler.scheduleAtFixedRate(this::pingIfHealthy, 0, periodNs, TimeUnit.NANOSECONDS);
        return true;
    }

    private void pingIfHealthy() {
        try {
            if (healthy.getAsBoolean()) {
                notify.watchdog();
            }
        } catch (RuntimeException e) {
            // A throwing check counts as unhealthy; rethrowing would cancel the schedule silently.
            System.getLogger(WatchdogPinger.class.getName())
                    .log(System.Logger.Level.WARNING, "watchdog health check failed: " + e);
        } catch (Error e) {
            // The executor would keep it in a future nobody reads, and the pings would just stop. Tell the
            // thread's uncaught-exception handler (the daemon's: it ends the process), then stop pinging.
            Thread self = Thread.currentThread();
            self.getUncaughtExceptionHandler().uncaughtException(self, e);
            throw e;
        }
    }

    public synchronized boolean running() {
        return scheduler != null;
    }

    /** Stops pinging and waits (bounded) for an in-flight ping to finish. */
    public synchronized void stop() {
        if (scheduler == null) {
            return;
        }
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scheduler = null;
    }

    @Override
    public void close() {
        stop();
    }
}
