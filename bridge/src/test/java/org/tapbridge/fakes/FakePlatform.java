package org.tapbridge.fakes;

import java.net.InetSocketAddress;
import org.tapbridge.daemon.Platform;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.pipeline.NanoClock;
import org.tapbridge.tap.InMemoryTapDevice;
import org.tapbridge.tap.TapDevice;

/** A platform for one in-JVM site: a fake TAP and a port on a shared in-memory network. */
public final class FakePlatform implements Platform {
    private final MemoryNetwork network;
    private final InMemoryTapDevice tap;

    public FakePlatform(MemoryNetwork network, InMemoryTapDevice tap) {
        this.network = network;
        this.tap = tap;
    }

    @Override
    public TapDevice openTap(String name, int mtu) {
        return tap;
    }

    @Override
    public DatagramPort bindUdp(InetSocketAddress listen) {
        return network.bind(listen);
    }

    @Override
    public NanoClock clock() {
        return NanoClock.SYSTEM;
    }
}
