package org.tapbridge.daemon;

import java.io.IOException;
import java.net.InetSocketAddress;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.link.StreamNetwork;
import org.tapbridge.os.UdpOptions;
import org.tapbridge.os.UdpSocket;
import org.tapbridge.pipeline.LoopWaiter;
import org.tapbridge.pipeline.NanoClock;
import org.tapbridge.tap.LinuxTapDevice;
import org.tapbridge.tap.TapDevice;
import org.tapbridge.tap.TapOffloads;
import org.tapbridge.tap.TapOptions;

/** The real platform: a Linux TAP through /dev/net/tun, native non-blocking sockets, and poll(2). */
public final class LinuxPlatform implements Platform {
    @Override
    public TapDevice openTap(String name, int mtu, boolean offloads) throws IOException {
        TapOptions plain = new TapOptions(name, mtu, true);
        return LinuxTapDevice.open(offloads ? plain.withOffloads(TapOffloads.DEFAULT) : plain);
    }

    @Override
    public DatagramPort bindUdp(InetSocketAddress listen, boolean segment, boolean coalesce) throws IOException {
        InetSocketAddress bind = listen == null ? new InetSocketAddress(0) : listen;
        try {
            return new NativeDatagramPort(UdpSocket.open(bind, UdpOptions.defaults().withGro(coalesce)), segment);
        } catch (IOException e) {
            throw new IOException("cannot bind UDP " + (listen == null ? "(any port)" : listen) + ": "
                    + e.getMessage() + (listen == null ? "" : "; is another daemon using it, or is the address not "
                    + "configured on this host?"), e);
        }
    }

    @Override
    public StreamNetwork streams() {
        return new NativeStreamNetwork();
    }

    @Override
    public LoopWaiter newWaiter() throws IOException {
        return PollWaiter.open();
    }

    @Override
    public NanoClock clock() {
        return NanoClock.SYSTEM;
    }
}
