package org.tapbridge.systemd;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jnr.unixsocket.UnixDatagramChannel;
import jnr.unixsocket.UnixSocketAddress;

/**
 * Tells systemd about the daemon's life cycle by sending sd_notify(3) datagrams to {@code $NOTIFY_SOCKET}.
 * Thread-safe: the main thread sends READY/STOPPING, the {@code watchdog} thread WATCHDOG.
 */
public final class SdNotify implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SdNotify.class.getName());

    /** sizeof(sockaddr_un.sun_path) on Linux, including the leading NUL of an abstract name. */
    static final int SUN_PATH_LENGTH = 108;
    /** STATUS= is for people reading systemctl status; a longer text is cut, not refused. */
    static final int STATUS_MAX_CHARS = 200;

    private final UnixSocketAddress target;
    private final String socketName;
    private final String disabledReason;
    private final long watchdogIntervalNs;
    private final String watchdogDisabledReason;
    private UnixDatagramChannel channel;
    private boolean failing;

    private SdNotify(UnixSocketAddress target, String socketName, String disabledReason,
                     long watchdogIntervalNs, String watchdogDisabledReason) {
        this.target = target;
        this.socketName = socketName;
        this.disabledReason = disabledReason;
        this.watchdogIntervalNs = watchdogIntervalNs;
        this.watchdogDisabledReason = watchdogDisabledReason;
    }

    /** From this process's environment; a no-op instance when not started by systemd with Type=notify. */
    public static SdNotify fromEnvironment() {
        return fromEnvironment(System.getenv(), ProcessHandle.current().pid());
    }

    /**
     * From the given variables ({@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC}, {@code WATCHDOG_PID}) as if
     * this process had {@code pid}. Never throws: what cannot be used is disabled, and the reason kept.
     */
    public static SdNotify fromEnvironment(Map<String, String> env, long pid) {
        String socket = env.get("NOTIFY_SOCKET");
        long watchdogNs = 0;
        String watchdogReason = null;
        String usec = env.get("WATCHDOG_USEC");
        String watchdogPid = env.get("WATCHDOG_PID");
        if (usec == null || usec.isEmpty()) {
            watchdogReason = "WATCHDOG_USEC is not set (no WatchdogSec= in the unit)";
        } else if (!usec.matches("[0-9]{1,18}") || Long.parseLong(usec) == 0) {
            watchdogReason = "WATCHDOG_USEC='" + usec + "' is not a positive number of microseconds";
        } else if (watchdogPid != null && !watchdogPid.isEmpty() && !watchdogPid.equals(Long.toString(pid))) {
            // systemd's rule: the variables may have been inherited from a parent meant to ping.
            watchdogReason = "WATCHDOG_PID=" + watchdogPid + " is not this process (" + pid + ")";
        } else {
            watchdogNs = TimeUnit.MICROSECONDS.toNanos(Long.parseLong(usec));
        }
        if (socket == null || socket.isEmpty()) {
            return new SdNotify(null, null, "NOTIFY_SOCKET is not set (not started by systemd with Type=notify)",
                    0, "NOTIFY_SOCKET is not set");
        }
        String reason = unusableReason(socket);
        if (reason != null) {
            return new SdNotify(null, socket, reason, 0, reason);
        }
        String path = socket.charAt(0) == '@' ? "\0" + socket.substring(1) : socket;
        return new SdNotify(new UnixSocketAddress(path), socket, null, watchdogNs, watchdogReason);
    }

    private static String unusableReason(String socket) {
        if (socket.charAt(0) != '/' && socket.charAt(0) != '@') {
            return "NOTIFY_SOCKET='" + socket + "' is neither a path nor an @abstract name (vsock is not supported)";
        }
        if (socket.getBytes(StandardCharsets.UTF_8).length > SUN_PATH_LENGTH - 1) {
            return "NOTIFY_SOCKET='" + socket + "' is longer than " + (SUN_PATH_LENGTH - 1) + " bytes";
        }
        if (socket.length() < 2) {
            return "NOTIFY_SOCKET='" + socket + "' names no socket";
        }
        return null;
    }

    public boolean enabled() {
        return target != null;
    }

    /** Why nothing is sent, or null when enabled. */
    public String disabledReason() {
        return disabledReason;
    }

    /** The interval systemd expects WATCHDOG=1 within (WatchdogSec=), or 0 when no watchdog is wanted. */
    public long watchdogIntervalNanos() {
        return watchdogIntervalNs;
    }

    /** Half the interval, as sd_watchdog_enabled(3) recommends, so that one late ping is not fatal. */
    public long recommendedWatchdogPeriodNanos() {
        return watchdogIntervalNs / 2;
    }

    /** Why the watchdog is off, or null when it is wanted. */
    public String watchdogDisabledReason() {
        return watchdogDisabledReason;
    }

    /** READY=1: call once the TAP is attached and every listener is bound, not before. */
    public boolean ready() {
        return send("READY=1");
    }

    /** READY=1 together with a first STATUS=, in one datagram so that systemctl never shows a stale text. */
    public boolean ready(String status) {
        return send("READY=1\nSTATUS=" + oneLine(status));
    }

    /** STATUS=text, shown by systemctl status; newlines become spaces so that text cannot add assignments. */
    public boolean status(String text) {
        return send("STATUS=" + oneLine(text));
    }

    public boolean watchdog() {
        return send("WATCHDOG=1");
    }

    /** STOPPING=1: call first thing on shutdown, so that systemd shows "deactivating" instead of a hang. */
    public boolean stopping() {
        return send("STOPPING=1");
    }

    static String oneLine(String text) {
        String flat = text.replaceAll("[\\r\\n\\x00]+", " ");
        return flat.length() > STATUS_MAX_CHARS ? flat.substring(0, STATUS_MAX_CHARS) : flat;
    }

    /**
     * Sends one raw sd_notify message. Returns false when disabled or when sending failed; a failure is
     * logged once until a send succeeds again, because systemd's own timeout is the real alarm.
     */
    public synchronized boolean send(String message) {
        if (target == null) {
            return false;
        }
        try {
            if (channel == null) {
                channel = UnixDatagramChannel.open();
            }
            ByteBuffer bytes = ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8));
            int sent = channel.send(bytes, target);
            if (sent != bytes.limit()) {
                throw new IOException("sent " + sent + " of " + bytes.limit() + " bytes");
            }
            failing = false;
            return true;
        } catch (IOException | RuntimeException e) {
            if (!failing) {
                LOG.log(Level.WARNING, "sd_notify to NOTIFY_SOCKET=" + socketName + " failed ("
                        + firstLine(message) + "): " + e.getMessage());
            }
            failing = true;
            return false;
        }
    }

    private static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    @Override
    public synchronized void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "closing the notify channel: " + e.getMessage());
            }
            channel = null;
        }
    }

    @Override
    public String toString() {
        return enabled() ? "SdNotify[" + socketName + ", watchdog " + watchdogIntervalNs / 1_000_000 + " ms]"
                : "SdNotify[disabled: " + disabledReason + "]";
    }
}
