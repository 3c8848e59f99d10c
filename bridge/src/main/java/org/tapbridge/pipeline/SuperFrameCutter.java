package org.tapbridge.pipeline;

import java.nio.ByteBuffer;
import org.tapbridge.crypto.TransportCipher;
import org.tapbridge.link.PeerLink;
import org.tapbridge.offload.ChecksumCompleter;
import org.tapbridge.offload.OffloadStatus;
import org.tapbridge.offload.TcpSegmenter;
import org.tapbridge.offload.UdpSegmenter;
import org.tapbridge.offload.VirtioNetHeader;

/**
 * Turns what a TAP with a vnet header hands over into frames a peer takes as they are: a frame whose
 * checksum the kernel left partial gets it finished in place; a TCP super-frame (TSO) is cut, per egress
 * peer, into segments that fit that peer's link, each sealed as its own message so that one loss costs one
 * segment; a UDP super-frame (USO) is cut into the datagrams the application sent. A header or super-frame
 * that does not parse is dropped and counted by {@link OffloadStatus} code, never forwarded half-read.
 *
 * <p>Segments are built one at a time in one buffer allocated here: a peer seals from it into its send
 * batch before the next one is written. Owned by the data-path thread.
 */
public final class SuperFrameCutter {
    /** Forward the frame as it is (its checksum, if it was partial, is now complete). */
    public static final int PLAIN = 0;
    /** A TCP super-frame: switch it once, then {@link #sendTcpSegments} to each egress peer. */
    public static final int TCP_SUPER_FRAME = 1;
    /** A UDP super-frame: switch each of {@link #datagramCount()} written by {@link #writeUdpDatagram}. */
    public static final int UDP_SUPER_FRAME = 2;
    /** Refused: counted under its {@link OffloadStatus} code. */
    public static final int REFUSED = 3;

    private final VirtioNetHeader header;
    private final TcpSegmenter tcp = new TcpSegmenter();
    private final UdpSegmenter udp = new UdpSegmenter();
    private final ByteBuffer segment;
    private final int maxSegmentFrame;
    private final long[] refused = new long[OffloadStatus.COUNT];
    private long checksumsCompleted;
    private long tcpSuperFrames;
    private long tcpSegments;
    private long udpSuperFrames;
    private long udpDatagrams;

    /**
     * @param vnetHeaderLength the TAP's vnet header length (10 or 12)
     * @param maxSegmentFrame  the longest frame a peer link carries: no segment is cut longer
     */
    public SuperFrameCutter(int vnetHeaderLength, int maxSegmentFrame) {
        this.header = new VirtioNetHeader(vnetHeaderLength);
        this.maxSegmentFrame = maxSegmentFrame;
        this.segment = ByteBuffer.allocateDirect(FrameSlot.FRAME_OFFSET + maxSegmentFrame + TransportCipher.TAG_LENGTH);
    }

    /**
     * Looks at the vnet header just before the frame of {@code length} bytes at {@code offset}; finishes a
     * partial checksum of a plain frame in place.
     *
     * @return {@link #PLAIN}, {@link #TCP_SUPER_FRAME}, {@link #UDP_SUPER_FRAME} or {@link #REFUSED}
     */
    public int classify(ByteBuffer buf, int offset, int length) {
        header.wrap(buf, offset - header.length());
        int status = header.validate(length);
        if (status != OffloadStatus.OK) {
            return refuse(status);
        }
        switch (header.gsoBaseType()) {
            case VirtioNetHeader.GSO_NONE:
                if (header.needsChecksum()) {
                    status = ChecksumCompleter.complete(buf, offset, length, header);
                    if (status != OffloadStatus.OK) {
                        return refuse(status);
                    }
                    checksumsCompleted++;
                }
                return PLAIN;
            case VirtioNetHeader.GSO_TCPV4:
            case VirtioNetHeader.GSO_TCPV6:
                // Parsed once here, so that a super-frame that does not parse is neither switched (nor
                // learned from) nor counted once per egress peer; each peer then plans its own cut.
                status = tcp.prepare(buf, offset, length, header, maxSegmentFrame);
                if (status != OffloadStatus.OK) {
                    return refuse(status);
                }
                tcpSuperFrames++;
                return TCP_SUPER_FRAME;
            default:
                status = udp.prepare(buf, offset, length, header);
                if (status != OffloadStatus.OK) {
                    return refuse(status);
                }
                udpSuperFrames++;
                return UDP_SUPER_FRAME;
        }
    }

    /**
     * Cuts the TCP super-frame last {@link #classify classified} (still unchanged at {@code buf[offset, +length)})
     * into segments that fit {@code peer}'s link and sends each; false when it could not be cut (counted).
     */
    public boolean sendTcpSegments(PeerLink peer, ByteBuffer buf, int offset, int length, long nowNs) {
        int limit = Math.min(peer.maxFrameLength(), maxSegmentFrame);
        int status = tcp.prepare(buf, offset, length, header, limit);
        if (status != OffloadStatus.OK) {
            refuse(status);
            return false;
        }
        int count = tcp.segmentCount();
        for (int i = 0; i < count; i++) {
            int n = tcp.writeSegment(i, segment, FrameSlot.FRAME_OFFSET);
            if (n == 0) {
                refuse(OffloadStatus.NO_ROOM);
                return false;
            }
            if (!peer.sendFrame(segment, FrameSlot.FRAME_OFFSET, n, nowNs)) {
                // The peer's batch is full or the link is down: the rest would be dropped the same way.
                return false;
            }
            tcpSegments++;
        }
        return true;
    }

    /** Datagrams in the UDP super-frame last classified. */
    public int datagramCount() {
        return udp.segmentCount();
    }

    /**
     * Writes datagram {@code index} of the UDP super-frame into {@link #segmentBuffer()} at
     * {@link FrameSlot#FRAME_OFFSET}; returns its length, or 0 when it is longer than any link carries
     * (counted as {@link OffloadStatus#NO_ROOM}).
     */
    public int writeUdpDatagram(int index) {
        int n = udp.writeSegment(index, segment, FrameSlot.FRAME_OFFSET);
        if (n == 0) {
            refuse(OffloadStatus.NO_ROOM);
            return 0;
        }
        udpDatagrams++;
        return n;
    }

    public ByteBuffer segmentBuffer() {
        return segment;
    }

    private int refuse(int status) {
        refused[status]++;
        return REFUSED;
    }

    /** Frames refused with {@link OffloadStatus} code {@code status}. */
    public long refused(int status) {
        return refused[status];
    }

    public long checksumsCompleted() {
        return checksumsCompleted;
    }

    public long tcpSuperFrames() {
        return tcpSuperFrames;
    }

    public long tcpSegments() {
        return tcpSegments;
    }

    public long udpSuperFrames() {
        return udpSuperFrames;
    }

    public long udpDatagramsCut() {
        return udpDatagrams;
    }
}
