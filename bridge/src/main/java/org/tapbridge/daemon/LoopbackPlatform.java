package org.tapbridge.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.link.StreamNetwork;
import org.tapbridge.os.MessagePair;
import org.tapbridge.os.UdpOptions;
import org.tapbridge.os.UdpSocket;
import org.tapbridge.pipeline.LoopWaiter;
import org.tapbridge.pipeline.NanoClock;
import org.tapbridge.tap.LinuxTapDevice;
import org.tapbridge.tap.TapDevice;

/**
 * One throwaway site of the warm-up on the production classes themselves: the real TAP code over one end
 * of a message socket pair (the warm-up plays the LAN host on the other end), a native UDP socket on
 * loopback, and poll(2). A warm-up on other classes would leave the JIT's code speculating on them, to be
 * thrown away at the first real frame. Nothing leaves the host: loopback only.
 */
final class LoopbackPlatform implements Platform, AutoCloseable {
    private static final int WARM_UP_SOCKET_BUFFER = 1 << 20;

    private final MessagePair tapPair;
    private final UdpSocket udp;
    private final LinuxTapDevice hostSide;

    private final boolean offloaded;

    private LoopbackPlatform(MessagePair tapPair, UdpSocket udp, LinuxTapDevice hostSide, boolean offloaded) {
        this.tapPair = tapPair;
        this.udp = udp;
        this.hostSide = hostSide;
        this.offloaded = offloaded;
    }

    /**
     * @param offloaded whether the site's TAP poses as one with a vnet header and offloads, and its UDP
     *                  socket coalesces: the paths the real site will run
     */
    static LoopbackPlatform open(boolean offloaded) throws IOException {
        MessagePair pair = MessagePair.open();
        LinuxTapDevice host = LinuxTapDevice.overMessageSocket("warm-host", 1500, pair.second(), offloaded);
        UdpSocket socket;
        try {
            socket = UdpSocket.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    UdpOptions.defaults().withReceiveBufferBytes(WARM_UP_SOCKET_BUFFER)
                            .withSendBufferBytes(WARM_UP_SOCKET_BUFFER).withGro(offloaded));
        } catch (IOException | RuntimeException e) {
            host.close();
            MessagePair.close(pair.first());
            throw e;
        }
        return new LoopbackPlatform(pair, socket, host, offloaded);
    }

    /** Where the site's UDP socket listens (loopback, an ephemeral port). */
    InetSocketAddress address() {
        return udp.localAddress();
    }

    /** The LAN host's end of the site's TAP: frames written here reach the site, frames it writes arrive here. */
    LinuxTapDevice hostSide() {
        return hostSide;
    }

    @Override
    public TapDevice openTap(String name, int mtu, boolean offloads) throws IOException {
        return LinuxTapDevice.overMessageSocket("warm0", 1500, tapPair.first(), offloaded && offloads);
    }

    @Override
    public DatagramPort bindUdp(InetSocketAddress listen, boolean segment, boolean coalesce) {
        return new NativeDatagramPort(udp, segment);
    }

    @Override
    public StreamNetwork streams() {
        return StreamNetwork.unavailable("no TCP in the warm-up");
    }

    @Override
    public LoopWaiter newWaiter() throws IOException {
        return PollWaiter.open();
    }

    @Override
    public NanoClock clock() {
        return NanoClock.SYSTEM;
    }

    /** Closes the host side; the site closes its own end and its socket. */
    @Override
    public void close() {
        hostSide.close();
    }
}
