/**
 * The TAP device layer: {@link org.tapbridge.tap.TapDevice} and its Linux implementation over
 * /dev/net/tun through JNR-FFI, plus an in-memory fake for back-to-back tests.
 *
 * <p>Threads: the data-path loop owns {@code read} and {@code write} and polls the descriptor itself;
 * {@code open} and {@code close} belong to the thread that starts and stops the daemon. All native calls go through {@code NativeLibC.LibC}; nothing else in the
 * daemon touches libc.
 */
package org.tapbridge.tap;
