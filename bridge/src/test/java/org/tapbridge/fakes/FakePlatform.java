package org.tapbridge.fakes;

import java.net.InetSocketAddress;
import org.tapbridge.daemon.Platform;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.link.StreamNetwork;
import org.tapbridge.pipeline.LoopWaiter;
import org.tapbridge.pipeline.MemoryWaiter;
import org.tapbridge.pipeline.NanoClock;
import org.tapbridge.tap.InMemoryTapDevice;
import org.tapbridge.tap.TapDevice;

/**
 * A platform for one in-JVM site: a fake TAP and a port on a shared in-memory network, both waking the
 * site's loop when something arrives. No TCP: the TCP transport is tested against real sockets.
 */
public final class FakePlatform implements Platform {
    private final MemoryNetwork network;
    private final InMemoryTapDevice tap;
    private MemoryWaiter waiter;

    public FakePlatform(MemoryNetwork network, InMemoryTapDevice tap) {
        this.network = network;
        this.tap = tap;
    }

    @Override
    public TapDevice openTap(String name, int mtu, boolean offloads) {
        return tap;
    }

    @Override
    public LoopWaiter newWaiter() {
        waiter = new MemoryWaiter();
        tap.onArrival(waiter::wakeup);
        waiter.watch(tap::hasPending);
        return waiter;
    }

    @Override
    public DatagramPort bindUdp(InetSocketAddress listen, boolean segment, boolean coalesce) {
        MemoryNetwork.Port port = network.bind(listen);
        port.onArrival(waiter::wakeup);
        waiter.watch(port::hasPending);
        return port;
    }

    @Override
    public StreamNetwork streams() {
        return StreamNetwork.unavailable("the in-memory platform has no TCP");
    }

    @Override
    public NanoClock clock() {
        return NanoClock.SYSTEM;
    }
}
