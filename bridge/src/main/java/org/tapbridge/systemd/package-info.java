/**
 * The daemon's side of systemd: {@link org.tapbridge.systemd.SdNotify} (READY/STATUS/WATCHDOG/STOPPING
 * datagrams to {@code $NOTIFY_SOCKET}) and {@link org.tapbridge.systemd.WatchdogPinger} (the
 * {@code watchdog} thread). The main thread creates both once, before any other thread starts.
 */
package org.tapbridge.systemd;
