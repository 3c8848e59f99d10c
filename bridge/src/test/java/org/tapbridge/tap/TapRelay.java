package org.tapbridge.tap;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Test harness: two TAPs opened with the same vnet header length joined into one wire by two threads,
 * each reading one TAP and writing what it read, header included, to the other. Records what the kernel
 * handed over; in {@link Mode#MERGE} the first direction joins runs of up to three consecutive TCP
 * segments of a flow into one super-frame by hand before writing, as a coalescer would.
 */
final class TapRelay implements AutoCloseable {
    enum Mode { COPY, MERGE }

    /** One super-frame read, its vnet header and where its headers end. */
    record SuperFrame(int length, int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset,
            int etherType, int l4Offset, int l4PayloadLength) {
    }

    private static final int MAX_RECORDED = 20_000;
    private static final int MAX_MERGED_SEGMENTS = 3;
    private static final int TCP_ACK = 0x10;
    private static final int TCP_PSH = 0x08;

    final Pump forward;
    final Pump backward;

    TapRelay(LinuxTapDevice a, LinuxTapDevice b, Mode mode) {
        if (a.vnetHeaderLength() != b.vnetHeaderLength() || a.vnetHeaderLength() == 0) {
            throw new IllegalArgumentException("both TAPs need the same vnet header: " + a + ", " + b);
        }
        this.forward = new Pump(a, b, mode == Mode.MERGE, "relay-a-b");
        this.backward = new Pump(b, a, false, "relay-b-a");
        forward.thread.start();
        backward.thread.start();
    }

    @Override
    public void close() throws InterruptedException {
        forward.stop();
        backward.stop();
    }

    /** Fails the caller with the first exception a pump thread died of. */
    void check() {
        for (Pump p : List.of(forward, backward)) {
            if (p.failure != null) {
                throw new AssertionError(p.thread.getName() + " failed", p.failure);
            }
        }
    }

    static final class Pump implements Runnable {
        private final LinuxTapDevice from;
        private final LinuxTapDevice to;
        private final boolean merge;
        private final int vnet;
        private final ByteBuffer in;
        private final ByteBuffer pending = ByteBuffer.allocateDirect(VnetHeader.LENGTH_V1 + VnetHeader.MAX_SUPER_FRAME_BYTES);
        final Thread thread;
        private volatile boolean stopped;
        volatile Throwable failure;

        volatile long frames;
        volatile long largestFrame;
        volatile long writeDrops;
        volatile long mergedFrames;
        volatile long mergedSegments;
        final List<SuperFrame> superFrames = Collections.synchronizedList(new ArrayList<>());

        // The super-frame being merged: segments so far, segment size, next sequence number, flow, PSH seen.
        private int pendingLength;
        private int pendingSegments;
        private int pendingGso;
        private int pendingNextSeq;
        private int pendingTcpHeader;
        private long pendingAddresses;
        private int pendingPorts;
        private boolean pendingPsh;

        Pump(LinuxTapDevice from, LinuxTapDevice to, boolean merge, String name) {
            this.from = from;
            this.to = to;
            this.merge = merge;
            this.vnet = from.vnetHeaderLength();
            this.in = ByteBuffer.allocateDirect(from.minimumReadCapacity());
            this.thread = new Thread(this, name);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            try {
                while (!stopped) {
                    if (!from.awaitReadable(50)) {
                        continue;
                    }
                    int n;
                    while (!stopped && (n = from.read(in, 0, in.capacity())) > 0) {
                        record(n);
                        if (merge) {
                            offer(n);
                        } else {
                            write(in, n);
                        }
                    }
                    if (merge) {
                        flush(); // the burst is over: nothing more to join now
                    }
                }
            } catch (Throwable t) {
                if (!stopped) {
                    failure = t;
                }
            }
        }

        void stop() throws InterruptedException {
            stopped = true;
            from.wakeup();
            thread.join(10_000);
        }

        private void record(int n) {
            frames++;
            largestFrame = Math.max(largestFrame, n);
            if (!VnetHeader.isSuperFrame(in, 0) || superFrames.size() >= MAX_RECORDED) {
                return;
            }
            int eth = vnet;
            int etherType = in.getShort(eth + 12) & 0xffff;
            int l4;
            int l4End;
            if (etherType == 0x0800) {
                int ip = eth + 14;
                l4 = ip + (in.get(ip) & 0x0f) * 4;
                l4End = ip + (in.getShort(ip + 2) & 0xffff);
            } else {
                int ip = eth + 14;
                l4 = ip + 40;
                l4End = l4 + (in.getShort(ip + 4) & 0xffff);
            }
            int protocol = etherType == 0x0800 ? in.get(eth + 14 + 9) : in.get(eth + 14 + 6);
            int l4Header = protocol == InetChecksum.TCP ? ((in.get(l4 + 12) & 0xf0) >>> 4) * 4 : 8;
            superFrames.add(new SuperFrame(n - vnet, VnetHeader.flags(in, 0), VnetHeader.gsoType(in, 0),
                    VnetHeader.hdrLen(in, 0), VnetHeader.gsoSize(in, 0), VnetHeader.csumStart(in, 0),
                    VnetHeader.csumOffset(in, 0), etherType, l4 - eth, l4End - l4 - l4Header));
        }

        private void write(ByteBuffer buffer, int length) throws TapException {
            for (int attempt = 0; attempt < 10_000; attempt++) {
                if (to.write(buffer, 0, length)) {
                    return;
                }
                Thread.onSpinWait();
            }
            writeDrops++;
        }

        /** Joins a TCP data segment to the pending super-frame, or writes what cannot be joined. */
        private void offer(int n) throws TapException {
            int ip = vnet + 14;
            int tcp = ip + 20;
            boolean candidate = (in.getShort(vnet + 12) & 0xffff) == 0x0800 && in.get(ip) == 0x45
                    && in.get(ip + 9) == InetChecksum.TCP && (in.getShort(ip + 6) & 0x3fff) == 0
                    && !VnetHeader.isSuperFrame(in, 0);
            int flags = candidate ? in.get(tcp + 13) & 0xff : 0;
            int tcpHeader = candidate ? ((in.get(tcp + 12) & 0xf0) >>> 4) * 4 : 0;
            int payload = candidate ? (in.getShort(ip + 2) & 0xffff) - 20 - tcpHeader : 0;
            if (!candidate || (flags != TCP_ACK && flags != (TCP_ACK | TCP_PSH)) || payload <= 0) {
                flush();
                write(in, n);
                return;
            }
            long addresses = in.getLong(ip + 12);
            int ports = in.getInt(tcp);
            int seq = in.getInt(tcp + 4);
            boolean joins = pendingSegments > 0 && addresses == pendingAddresses && ports == pendingPorts
                    && seq == pendingNextSeq && tcpHeader == pendingTcpHeader && payload <= pendingGso
                    && !pendingPsh && pendingSegments < MAX_MERGED_SEGMENTS;
            if (joins) {
                pending.put(pendingLength, in, tcp + tcpHeader, payload);
                pendingLength += payload;
                int pendingTcp = vnet + 14 + 20;
                pending.putInt(pendingTcp + 8, in.getInt(tcp + 8)); // ack
                pending.put(pendingTcp + 13, in.get(tcp + 13)); // flags
                pending.putShort(pendingTcp + 14, in.getShort(tcp + 14)); // window
                pendingSegments++;
            } else {
                flush();
                int length = vnet + 14 + 20 + tcpHeader + payload;
                pending.put(0, in, 0, length);
                pendingLength = length;
                pendingSegments = 1;
                pendingGso = payload;
                pendingTcpHeader = tcpHeader;
                pendingAddresses = addresses;
                pendingPorts = ports;
            }
            pendingNextSeq = seq + payload;
            pendingPsh = (flags & TCP_PSH) != 0;
            if (pendingPsh || payload < pendingGso || pendingSegments == MAX_MERGED_SEGMENTS) {
                flush();
            }
        }

        /** Writes the pending frame: as read when it is one segment, else as a super-frame built by hand. */
        private void flush() throws TapException {
            if (pendingSegments == 0) {
                return;
            }
            if (pendingSegments > 1) {
                int ip = vnet + 14;
                int ipLength = pendingLength - ip;
                pending.putShort(ip + 2, (short) ipLength);
                InetChecksum.fillIpv4Header(pending, ip);
                // NEEDS_CSUM: the checksum field holds the pseudo-header sum with the whole segment's length.
                pending.putShort(ip + 20 + 16, (short) InetChecksum.pseudoIpv4(pending, ip, InetChecksum.TCP, ipLength - 20));
                VnetHeader.write(pending, 0, vnet, VnetHeader.F_NEEDS_CSUM, VnetHeader.GSO_TCPV4,
                        14 + 20 + pendingTcpHeader, pendingGso, 14 + 20, 16);
                mergedFrames++;
                mergedSegments += pendingSegments;
            }
            write(pending, pendingLength);
            pendingSegments = 0;
        }
    }
}
