package org.tapbridge.daemon;

import java.io.IOException;
import java.net.InetSocketAddress;
import org.tapbridge.crypto.WireFormat;
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
    public TapDevice openTap(String name, int mtu, boolean offloads, int queues) throws IOException {
        TapOptions plain = new TapOptions(name, mtu, true).withQueues(queues);
        return LinuxTapDevice.open(offloads ? plain.withOffloads(TapOffloads.DEFAULT) : plain);
    }

    @Override
    public TapDevice attachTapQueue(TapDevice first) throws IOException {
        return ((LinuxTapDevice) first).attachQueue();
    }

    @Override
    public void enableTapQueue(TapDevice queue, boolean enabled) throws IOException {
        ((LinuxTapDevice) queue).setQueueEnabled(enabled);
    }

    @Override
    public DatagramPort bindUdpLane(InetSocketAddress listen, boolean segment, boolean coalesce, int lane, int lanes)
            throws IOException {
        UdpSocket socket;
        try {
            if (lane == 0) {
                // SO_REUSEPORT would let this site join a group another daemon of the same user holds on the
                // port (and its steering program replace ours): a plain bind first fails if anyone holds it.
                UdpSocket.open(listen, UdpOptions.defaults()).close();
            }
            socket = UdpSocket.open(listen, UdpOptions.defaults().withGro(coalesce).withReusePort(true));
        } catch (IOException e) {
            throw new IOException("cannot bind UDP " + listen + " for loop " + lane + " of " + lanes + ": "
                    + e.getMessage() + "; is another daemon using the port?", e);
        }
        if (lane == lanes - 1) {
            try {
                // One program serves the whole group; the sockets joined it in lane order, so index = lane.
                socket.steerToLaneByte(WireFormat.LANE_OFFSET, lanes);
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw new IOException("cannot steer UDP " + listen + " to " + lanes + " loops: " + e.getMessage()
                        + "; set [site] queues = 1", e);
            }
        }
        return new NativeDatagramPort(socket, segment);
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
