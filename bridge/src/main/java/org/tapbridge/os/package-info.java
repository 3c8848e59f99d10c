/**
 * The one native boundary for sockets, poll and eventfd: JNR declarations, struct layouts, errno.
 *
 * <p>Everything here is non-blocking and meant for one run-to-completion loop thread that owns its
 * descriptors: {@link org.tapbridge.os.UdpSocket} (recvmmsg/sendmmsg over a preallocated
 * {@link org.tapbridge.os.DatagramBatch}), {@link org.tapbridge.os.TcpListener} and
 * {@link org.tapbridge.os.TcpSocket}, a {@link org.tapbridge.os.Poller} over poll(2), and an
 * {@link org.tapbridge.os.EventFd} whose {@code signal()} is the only method any other thread may call.
 * Buffers travel as raw native addresses; nothing on the per-datagram path allocates.
 *
 * <p>Every failed call becomes a {@link org.tapbridge.os.NativeIoException} naming the call, the errno and
 * the address involved. Per-datagram send errors are not failures of the socket: they are reported per
 * message in {@link org.tapbridge.os.DatagramBatch#status(int)}. All libc access goes through
 * {@code NativeSockets.LibC}; struct offsets and ABI numbers are pinned by unit tests for 64-bit Linux.
 */
package org.tapbridge.os;
