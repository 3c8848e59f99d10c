package org.tapbridge.daemon;

import java.net.InetSocketAddress;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.link.SlotDatagramNetwork;
import org.tapbridge.link.StreamNetwork;
import org.tapbridge.pipeline.LoopWaiter;
import org.tapbridge.pipeline.MemoryWaiter;
import org.tapbridge.pipeline.NanoClock;
import org.tapbridge.tap.ScriptedTapDevice;
import org.tapbridge.tap.TapDevice;

/**
 * One site's operating system in memory, allocating nothing per frame: a scripted TAP and a port on a slot
 * network, both waking the site's loop when something arrives; no TCP. The warm-up runs on it, and the
 * tests that count the data path's allocations.
 */
final class MemoryPlatform implements Platform {
    private final ScriptedTapDevice tap;
    private final SlotDatagramNetwork network;
    private MemoryWaiter waiter;

    MemoryPlatform(ScriptedTapDevice tap, SlotDatagramNetwork network) {
        this.tap = tap;
        this.network = network;
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
        SlotDatagramNetwork.Port port = network.bind(listen);
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
