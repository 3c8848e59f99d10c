package org.tapbridge.daemon;

import java.io.IOException;
import java.net.InetSocketAddress;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.link.UdpSocket;
import org.tapbridge.pipeline.NanoClock;
import org.tapbridge.tap.LinuxTapDevice;
import org.tapbridge.tap.TapDevice;
import org.tapbridge.tap.TapOptions;

/** The real platform: a Linux TAP through /dev/net/tun and a kernel UDP socket. */
public final class LinuxPlatform implements Platform {
    @Override
    public TapDevice openTap(String name, int mtu) throws IOException {
        return LinuxTapDevice.open(new TapOptions(name, mtu, true));
    }

    @Override
    public DatagramPort bindUdp(InetSocketAddress listen) throws IOException {
        return UdpSocket.bind(listen);
    }

    @Override
    public NanoClock clock() {
        return NanoClock.SYSTEM;
    }
}
