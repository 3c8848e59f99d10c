/**
 * The TAP device layer: {@link org.tapbridge.tap.TapDevice} and its Linux implementation over
 * /dev/net/tun through JNR-FFI, plus an in-memory fake for back-to-back tests.
 *
 * <p>Threads: the tap-reader thread owns {@code read}/{@code awaitReadable}, the egress thread owns
 * {@code write}, any thread may call {@code wakeup}; {@code open} and {@code close} belong to the thread that
 * starts and stops the daemon. All native calls go through {@code NativeLibC.LibC}; nothing else in the
 * daemon touches libc.
 */
package org.tapbridge.tap;
