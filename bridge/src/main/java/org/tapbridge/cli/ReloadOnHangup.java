package org.tapbridge.cli;

import org.tapbridge.daemon.Daemon;
import sun.misc.Signal;

/**
 * SIGHUP makes the daemon re-read the file it started from and apply it, as operators expect of a daemon
 * ({@code kill -HUP}); without this, the JVM's own handler would stop the process.
 *
 * <p>{@code sun.misc.Signal} (module jdk.unsupported, exported and supported in practice on every JDK
 * since 9) is how Java daemons take a signal: the JVM runs the handler on a thread of its own. The other
 * way, a signalfd over JNR, needs SIGHUP blocked in every thread of the process, which the JVM, starting
 * threads of its own at any time, does not allow us to ensure.
 */
final class ReloadOnHangup {
    private static final System.Logger LOG = System.getLogger(ReloadOnHangup.class.getName());

    private ReloadOnHangup() {
    }

    /** From now on SIGHUP reloads {@code daemon}; false (logged) where the JVM keeps the signal (-Xrs). */
    static boolean install(Daemon daemon) {
        try {
            Signal.handle(new Signal("HUP"), signal -> reload(daemon));
            return true;
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "SIGHUP will not reload the configuration: " + e.getMessage()
                    + "; use tapbridge reload");
            return false;
        }
    }

    /** On the JVM's signal thread: one reload; the daemon logs its outcome, applied or refused. */
    private static void reload(Daemon daemon) {
        LOG.log(System.Logger.Level.INFO, "SIGHUP: reloading " + daemon.startFile());
        try {
            daemon.reload(daemon.startFile());
        } catch (Exception e) {
            // The daemon logged why, with the file and the key.
        }
    }
}
