package org.tapbridge.daemon;

import java.io.IOException;
import java.net.InetSocketAddress;
import org.tapbridge.dns.HostResolver;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.link.StreamNetwork;
import org.tapbridge.pipeline.LoopWaiter;
import org.tapbridge.pipeline.NanoClock;
import org.tapbridge.tap.TapDevice;

/** The operating-system facing parts of a daemon; tests swap in fakes to run two sites in one JVM. */
public interface Platform {
    /**
     * Opens the site's TAP; {@code mtu} 0 leaves the device's MTU as it is. With {@code offloads} the TAP
     * is asked for a vnet header and segmentation offloads where the platform has them; the device says
     * what it got ({@link TapDevice#vnetHeaderLength()}).
     */
    TapDevice openTap(String name, int mtu, boolean offloads) throws IOException;

    /**
     * Binds the UDP socket for peer links; {@code listen} null means an ephemeral port. With
     * {@code segment} a send may carry a train of datagrams (UDP GSO), and with {@code coalesce} the kernel
     * may join datagrams of one sender into one receive (UDP GRO), where the platform has them; with
     * coalescing every receive buffer must hold 64 KB.
     */
    DatagramPort bindUdp(InetSocketAddress listen, boolean segment, boolean coalesce) throws IOException;

    /**
     * Opens the site's TAP for {@code queues} data-path loops: with more than one, a multi-queue TAP whose
     * first queue is returned; {@link #attachTapQueue} adds the others.
     */
    default TapDevice openTap(String name, int mtu, boolean offloads, int queues) throws IOException {
        if (queues == 1) {
            return openTap(name, mtu, offloads);
        }
        throw new IOException("this platform has no multi-queue TAP; set [site] queues = 1");
    }

    /** One more queue of a TAP that {@link #openTap(String, int, boolean, int)} opened multi-queue. */
    default TapDevice attachTapQueue(TapDevice first) throws IOException {
        throw new IOException("this platform has no multi-queue TAP; set [site] queues = 1");
    }

    /** Lets the kernel steer frames to {@code queue}, or stops it; the first queue always takes them. */
    default void enableTapQueue(TapDevice queue, boolean enabled) throws IOException {
        throw new IOException("this platform has no multi-queue TAP");
    }

    /**
     * Binds the UDP socket of loop {@code lane} of {@code lanes}, all on {@code listen} (SO_REUSEPORT), bound
     * in lane order; binding the last steers every datagram to the socket its lane byte names.
     */
    default DatagramPort bindUdpLane(InetSocketAddress listen, boolean segment, boolean coalesce, int lane, int lanes)
            throws IOException {
        throw new IOException("this platform cannot share a UDP port between loops; set [site] queues = 1");
    }

    /** TCP listeners and connections for peers on the TCP transport. */
    StreamNetwork streams();

    /** Where the data-path loop waits for its descriptors. */
    LoopWaiter newWaiter() throws IOException;

    NanoClock clock();

    /** Looks up peers' host names (on the resolver thread, never the data path's). */
    default HostResolver resolver() {
        return HostResolver.SYSTEM;
    }
}
