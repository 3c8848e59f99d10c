package org.tapbridge.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /**
     * From now on SIGHUP reloads {@code daemon}; false (logged) where the JVM keeps the signal (-Xrs) or the
     * process was started with SIGHUP ignored.
     */
    static boolean install(Daemon daemon) {
        // A process started under nohup (or by anything that ignores SIGHUP) inherits the signal ignored, and
        // the JVM then accepts our handler without ever calling it: say so rather than let kill -HUP do nothing.
        if (hangupIgnored(procStatus())) {
            LOG.log(System.Logger.Level.WARNING, "SIGHUP is ignored by this process (it was started with SIGHUP"
                    + " ignored, e.g. under nohup), so kill -HUP will not reload the configuration; use tapbridge"
                    + " reload, or start tapbridge without nohup");
            return false;
        }
        try {
            Signal.handle(new Signal("HUP"), signal -> reload(daemon));
            return true;
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "SIGHUP will not reload the configuration: " + e.getMessage()
                    + "; use tapbridge reload");
            return false;
        }
    }

    /** True when a /proc/PID/status text shows SIGHUP (signal 1) in the ignored set ({@code SigIgn:}, hex). */
    static boolean hangupIgnored(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("SigIgn:")) {
                String hex = line.substring("SigIgn:".length()).trim();
                return !hex.isEmpty() && (Character.digit(hex.charAt(hex.length() - 1), 16) & 1) != 0;
            }
        }
        return false;
    }

    private static String procStatus() {
        try {
            return Files.readString(Path.of("/proc/self/status"));
        } catch (IOException | RuntimeException e) {
            return "";
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
