package org.tapbridge.integration;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts IP fragments on the WAN: a header-only tcpdump on site a's port of the WAN bridge (in the wan
 * namespace, so it sees everything gateway a sends and receives, before any other port drops it) that
 * keeps IPv4 fragments and IPv6 packets with a Fragment header, and nothing else. A ping that the kernel
 * must fragment, sent at the end, proves that the capture would have seen fragments. Test thread only.
 */
final class WanFragments implements AutoCloseable {
    /** IPv4 with MF set or a fragment offset; IPv6 whose first next header is Fragment (44). */
    static final String FILTER = "(ip and ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] == 44)";
    /** Ethernet, IP and a little more: enough to tell the protocol, and the files stay small. */
    private static final int SNAP_LENGTH = 64;

    private final Testbed bed;
    private final PcapCapture capture;

    private WanFragments(Testbed bed, PcapCapture capture) {
        this.bed = bed;
        this.capture = capture;
    }

    /** What was seen: fragments of tunnel traffic (UDP, TCP) and of the control ping (ICMP). */
    record Count(int tunnel, int control, List<String> tunnelFragments) {
    }

    static WanFragments start(Testbed bed, Path file, int seconds) throws IOException {
        return new WanFragments(bed, PcapCapture.start(bed.wan(), "w" + bed.site("a").name(), file, seconds, FILTER,
                SNAP_LENGTH));
    }

    /**
     * Pings gateway b's WAN address from gateway a with 2000 bytes and DF clear, which the kernel sends as
     * two IPv4 fragments: the capture must count them (the reply may not come back on a narrow path).
     */
    void sendControlPing() {
        bed.site("a").gateway().exec(10, "ping", "-n", "-c", "1", "-W", "2", "-M", "dont", "-s", "2000",
                bed.site("b").wanIp());
    }

    /** Stops the capture and sorts what it saw. */
    Count stop() throws IOException, InterruptedException {
        capture.stop();
        int tunnel = 0;
        int control = 0;
        List<String> seen = new ArrayList<>();
        for (byte[] f : capture.frames()) {
            RawFrames.Ip ip = RawFrames.ip(f);
            if (ip == null) {
                continue;
            }
            if (ip.protocol() == RawFrames.PROTO_ICMP) {
                control++;
            } else {
                tunnel++;
                if (seen.size() < 10) {
                    seen.add("IPv" + ip.version() + " protocol " + ip.protocol() + " " + ip.sourceText() + " > "
                            + ip.destinationText());
                }
            }
        }
        return new Count(tunnel, control, seen);
    }

    @Override
    public void close() {
        capture.close();
    }
}
