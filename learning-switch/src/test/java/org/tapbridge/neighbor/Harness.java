package org.tapbridge.neighbor;

import java.nio.ByteBuffer;
import java.util.List;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.switching.SwitchSettings;

/** A suppressor with a recording logger, a fixed seed and a hand-driven clock. Test thread only. */
final class Harness {
    static final int LOCAL = 0;
    static final int PEER = 1;
    static final int OTHER_PEER = 2;

    final Recorder log = new Recorder();
    final NeighborSuppressor suppressor;
    final EthernetFrame frame = new EthernetFrame();
    long nowNs = 5_000_000_000L;

    Harness() {
        this(SwitchSettings.builder().arpSuppression(true).build());
    }

    Harness(SwitchSettings settings) {
        this.suppressor = new NeighborSuppressor(settings, log, 42);
    }

    int feed(int port, ByteBuffer frameBytes) {
        frame.wrap(frameBytes, 0, frameBytes.limit());
        return suppressor.inspect(port, frame, nowNs);
    }

    long count(int counter) {
        return suppressor.counters().value(counter);
    }

    byte[] reply() {
        return NeighborFrames.bytes(suppressor.reply(), suppressor.replyOffset(), suppressor.replyLength());
    }

    List<NeighborEntry> entries() {
        return suppressor.dump(nowNs);
    }

    NeighborEntry entry(String address) {
        for (NeighborEntry e : entries()) {
            if (e.addressText().equals(address)) {
                return e;
            }
        }
        return null;
    }

    void advanceSeconds(double seconds) {
        nowNs += (long) (seconds * 1e9);
    }
}
