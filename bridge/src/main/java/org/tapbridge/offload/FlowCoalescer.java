package org.tapbridge.offload;

import java.nio.ByteBuffer;

import org.tapbridge.ethernet.EtherType;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.ethernet.FrameStatus;
import org.tapbridge.inet.InternetChecksum;
import org.tapbridge.inet.IpProtocol;
import org.tapbridge.inet.Ipv4Header;
import org.tapbridge.inet.Ipv6Header;
import org.tapbridge.inet.TcpHeader;

/**
 * Receive-side coalescing (GRO) for the TAP: joins consecutive TCP segments of one flow, and, where the TAP
 * takes UDP super-frames (USO, Linux 6.2+), consecutive UDP datagrams of one flow, offered one at a time in
 * order of arrival, into one super-frame with a virtio_net_hdr, so that the kernel takes a burst in one TAP
 * write: the bridge, the veth and the receiving host's IP layer then run once per super-frame, and the
 * receiving socket's layer cuts it back into the datagrams (or keeps it whole for a socket with
 * {@code UDP_GRO}). One instance per data-path thread; its super-frame buffer is allocated once.
 *
 * <p>The caller's loop, per batch of frames bound for the TAP:
 * <pre>
 * for each frame:
 *     if (!coalescer.offer(frame, offset, length)) {
 *         write(coalescer.flush());                  // whatever was held, if anything
 *         if (!coalescer.offer(frame, offset, length)) {
 *             writePlain(frame);                     // not a candidate: a NONE virtio_net_hdr
 *         }
 *     }
 * at the end of the batch: write(coalescer.flush());
 *
 * write(FLUSH_SINGLE):    writePlain(outputBuffer(), outputOffset(), outputLength())  // the held frame
 * write(FLUSH_COALESCED): tapWrite(outputBuffer(), outputOffset(), outputLength())    // header included
 * </pre>
 * An empty coalescer refuses only frames that can never be coalesced, so the second offer settles it.
 * A lone held frame is not copied: {@link #flush} hands the caller's own frame back, so the memory of an
 * absorbed frame must stay unchanged until the next {@link #flush} (the data path flushes before it
 * reuses its slots); memory that cannot promise that is offered with {@code memoryStays} false and copied.
 * Output ranges stay valid until the next {@link #offer}.
 *
 * <p>A frame is a candidate when it is Ethernet (untagged, 802.1Q or QinQ), IPv4 without options and not a
 * fragment with a valid header checksum, or IPv6 with TCP or UDP as the next header (no extension
 * headers), and either TCP with flags exactly ACK or ACK|PSH and at least one payload byte, or (with UDP
 * coalescing on) UDP whose length field matches the IP length, with at least one payload byte. It joins
 * the held run when:
 * <ul>
 *   <li>same flow: the same protocol, L2 header bytes (MACs, tags), addresses and ports;
 *   <li>same headers otherwise: IPv4 TOS, TTL and DF, IPv6 traffic class, flow label and hop limit; the
 *       same TCP ACK number and window (as Linux's {@code tcp_gro_receive}: an advancing ACK or a window update
 *       ends the run, so bidirectional data coalesces less, but no ACK or window information is lost); the
 *       same TCP header length and identical option bytes, timestamps included (as Linux: the coalesced
 *       frame carries one set of options, so with timestamps on, segments coalesce only while TSval stays
 *       the same, i.e. within one tick of the sender's clock, typically 1 ms);
 *   <li>IPv4 identification: the first's plus the index (as the kernel's GSO produces, and restores when
 *       it segments our frame again), or, with DF set, the first's unchanged (an atomic datagram's ID means
 *       nothing, RFC 6864; a re-segmentation will then number them upwards), decided by the second segment;
 *   <li>TCP: the sequence number exactly the next expected one (no gaps, no reordering, no retransmission);
 *   <li>the run is still open: no PSH yet, and every segment so far carried exactly gso_size bytes (the
 *       first segment's payload); this one carries at most that. For UDP this keeps every datagram's
 *       boundary: the kernel cuts the super-frame at every gso_size bytes, the last datagram the rest;
 *   <li>the coalesced IPv4 total length or IPv6 payload length stays within 65535 bytes, and a UDP run
 *       holds at most {@link #MAX_UDP_SEGMENTS} datagrams.
 * </ul>
 * The coalesced frame keeps the first segment's headers with PSH added when the last had it; its
 * virtio_net_hdr is NEEDS_CSUM (csum_start at the TCP header, csum_offset 16), gso_type TCPV4 or TCPV6,
 * gso_size the first payload size, hdr_len the headers; its TCP checksum field holds the pseudo-header sum
 * for the coalesced length, as the kernel expects for CHECKSUM_PARTIAL ({@code tcp4_gro_complete}). A UDP
 * super-frame is alike with gso_type UDP_L4, csum_offset 6, the UDP length field set to the coalesced
 * length and the pseudo-header sum in its checksum field ({@code udp4_gro_complete}); segmentation then
 * numbers IPv4 identifications upwards and rewrites each datagram's length and checksum.
 *
 * <p>Incoming TCP and UDP checksums are neither verified nor recomputed: every frame arrived authenticated
 * by the tunnel's AEAD, so it is what the peer gateway sent. The cost: a segment that already had a bad
 * checksum when it entered the peer's LAN side (a broken sender) would be delivered with a good one, where
 * a plain write would have let the kernel drop it; an IPv4 UDP datagram sent without a checksum (0) is
 * delivered with one. IPv4 header checksums (20 bytes) are verified.
 */
public final class FlowCoalescer {
    /** {@link #flush} had nothing held. */
    public static final int FLUSH_NOTHING = 0;
    /** {@link #flush} hands back one held frame: write it plainly, with a NONE virtio_net_hdr. */
    public static final int FLUSH_SINGLE = 1;
    /** {@link #flush} built a super-frame: write the output range as it is; it starts with its header. */
    public static final int FLUSH_COALESCED = 2;

    /** Why the last {@link #offer} refused: nothing refused yet, or the last offer absorbed its frame. */
    public static final int REFUSED_NONE = 0;
    /** Not a candidate at all (see the class comment); write it plainly. */
    public static final int REFUSED_NOT_CANDIDATE = 1;
    /** Another flow than the held run: other protocol, L2 header, addresses or ports. */
    public static final int REFUSED_OTHER_FLOW = 2;
    /** The held run ended: PSH seen, or a segment shorter than gso_size. */
    public static final int REFUSED_RUN_CLOSED = 3;
    /** The sequence number is not the next expected one. */
    public static final int REFUSED_NOT_CONTIGUOUS = 4;
    /** Same flow, other headers: ACK, window, options, TOS, TTL, DF, IP ID, traffic class, hop limit. */
    public static final int REFUSED_HEADER_MISMATCH = 5;
    /** More payload than gso_size. */
    public static final int REFUSED_SIZE_MISMATCH = 6;
    /** The coalesced IPv4 total length or IPv6 payload length would exceed 65535 bytes, or a UDP run is full. */
    public static final int REFUSED_FULL = 7;
    /** Number of refusal reasons, for counter arrays. */
    public static final int REFUSAL_COUNT = 8;

    /**
     * The longest super-frame: a QinQ-tagged Ethernet header and an IPv6 packet whose payload length is
     * 65535 (an IPv4 packet, header included, is at most 65535).
     */
    public static final int MAX_FRAME_LENGTH = EthernetFrame.HEADER_LENGTH + 2 * EthernetFrame.TAG_LENGTH
            + Ipv6Header.LENGTH + SuperFrame.MAX_IP_LENGTH;

    /**
     * The most datagrams in one UDP super-frame: what the kernel lets a sender put in one {@code UDP_SEGMENT}
     * send on older kernels ({@code UDP_MAX_SEGMENTS}, 64), so no receiving stack meets a longer train from us.
     */
    public static final int MAX_UDP_SEGMENTS = 64;

    private static final int ID_UNDECIDED = 0;
    private static final int ID_INCREMENTING = 1;
    private static final int ID_FIXED = 2;

    private final VirtioNetHeader header;
    private final ByteBuffer buffer;
    private final int frameStart;
    private final EthernetFrame ethernet = new EthernetFrame();
    private final Ipv4Header ipv4 = new Ipv4Header();
    private final Ipv6Header ipv6 = new Ipv6Header();
    private final TcpHeader tcp = new TcpHeader();
    private final boolean coalesceUdp;

    // The frame being offered, as parsed by candidate().
    private int l2Length;
    private boolean isIpv6;
    private int protocol;
    private int l4Start;
    private int l4HeaderLength;
    private int payloadStart;
    private int payloadLength;
    private int sequence;
    private int flags;

    // The held run. Its headers are read from the first frame while it is alone, then from the buffer.
    private int segments;
    private ByteBuffer runBuffer;
    private int runOffset;
    private int runLength;
    private boolean runIpv6;
    private int runProtocol;
    private int runL2Length;
    private int runL4Start;
    private int runL4HeaderLength;
    private int runPayloadStart;
    private int gsoSize;
    private int totalPayload;
    private int nextSequence;
    private int firstIdentification;
    private int idMode;
    private int pendingIdMode;
    private boolean closed;

    private int lastRefusal;
    private ByteBuffer outputBuffer;
    private int outputOffset;
    private int outputLength;

    private long coalescedFrames;
    private long coalescedSegments;
    private long singleFrames;
    private long udpCoalescedFrames;
    private long udpCoalescedDatagrams;
    private final long[] refusals = new long[REFUSAL_COUNT];

    private boolean lastFlushUdp;

    /**
     * A coalescer with its own direct buffer of {@link #MAX_FRAME_LENGTH} bytes after the header.
     *
     * @param headerLength {@link VirtioNetHeader#LENGTH} or {@link VirtioNetHeader#LENGTH_V1}, as the TAP
     * @param coalesceUdp whether UDP datagrams are joined too: only for a TAP that took the USO offloads,
     *     since a kernel that does not know them refuses a UDP_L4 super-frame
     */
    public FlowCoalescer(int headerLength, boolean coalesceUdp) {
        this(headerLength, ByteBuffer.allocateDirect(headerLength + MAX_FRAME_LENGTH), coalesceUdp);
    }

    /**
     * A coalescer building super-frames in {@code buffer} (heap or direct), from index 0: the header, then
     * the frame.
     *
     * @throws IllegalArgumentException when the buffer is shorter than the header plus
     *     {@link #MAX_FRAME_LENGTH}, or read-only
     */
    public FlowCoalescer(int headerLength, ByteBuffer buffer, boolean coalesceUdp) {
        this.header = new VirtioNetHeader(headerLength);
        this.coalesceUdp = coalesceUdp;
        if (buffer.isReadOnly() || buffer.capacity() < headerLength + MAX_FRAME_LENGTH) {
            throw new IllegalArgumentException("coalescing buffer of " + buffer.capacity() + " bytes"
                    + (buffer.isReadOnly() ? " is read-only" : " < " + (headerLength + MAX_FRAME_LENGTH)));
        }
        this.buffer = buffer;
        this.frameStart = headerLength;
        header.wrap(buffer, 0);
    }

    /**
     * Offers the complete frame of {@code length} bytes at absolute {@code offset}.
     *
     * @return true when the frame was absorbed (it started a run or joined the held one); false when it was
     *     not: then {@link #lastRefusal()} says why, and the caller flushes and offers it again, or, if this
     *     coalescer held nothing, writes it plainly
     */
    public boolean offer(ByteBuffer frame, int offset, int length) {
        return offer(frame, offset, length, true);
    }

    /**
     * {@link #offer(ByteBuffer, int, int)} for a frame whose memory may change before the next
     * {@link #flush} when {@code memoryStays} is false (a TCP stream's receive buffer, which the next read
     * compacts): a frame that starts a run is then copied at once into this coalescer's buffer, so
     * nothing held refers to the caller's memory. Later frames of a run are copied either way.
     */
    public boolean offer(ByteBuffer frame, int offset, int length, boolean memoryStays) {
        outputBuffer = null;
        outputLength = 0;
        if (!candidate(frame, offset, length)) {
            return refuse(REFUSED_NOT_CANDIDATE);
        }
        if (segments == 0) {
            start(frame, offset, length);
            if (!memoryStays) {
                buffer.put(frameStart, frame, offset, length);
                runBuffer = buffer;
                runOffset = frameStart;
            }
        } else {
            int reason = joinRefusal(frame, offset);
            if (reason != REFUSED_NONE) {
                return refuse(reason);
            }
            append(frame, offset);
        }
        lastRefusal = REFUSED_NONE;
        return true;
    }

    private boolean refuse(int reason) {
        lastRefusal = reason;
        refusals[reason]++;
        return false;
    }

    /** Parses the offered frame; true when it is a coalescing candidate. */
    private boolean candidate(ByteBuffer frame, int offset, int length) {
        if (ethernet.wrap(frame, offset, length) != FrameStatus.OK) {
            return false;
        }
        l2Length = ethernet.headerLength();
        int ipAt = offset + l2Length;
        int packetLength;
        if (ethernet.etherType() == EtherType.IPV4) {
            isIpv6 = false;
            if (l2Length + Ipv4Header.MIN_LENGTH > length) {
                return false;
            }
            ipv4.wrap(frame, ipAt);
            packetLength = ipv4.totalLength();
            protocol = ipv4.protocol();
            if (ipv4.version() != Ipv4Header.VERSION || ipv4.headerLength() != Ipv4Header.MIN_LENGTH
                    || !coalescable(protocol) || ipv4.isFragment()
                    || packetLength > length - l2Length
                    || InternetChecksum.checksum(frame, ipAt, Ipv4Header.MIN_LENGTH) != 0) {
                return false;
            }
            l4Start = l2Length + Ipv4Header.MIN_LENGTH;
        } else if (ethernet.etherType() == EtherType.IPV6) {
            isIpv6 = true;
            if (l2Length + Ipv6Header.LENGTH > length) {
                return false;
            }
            ipv6.wrap(frame, ipAt);
            packetLength = Ipv6Header.LENGTH + ipv6.payloadLength();
            protocol = ipv6.nextHeader();
            if (ipv6.version() != Ipv6Header.VERSION || !coalescable(protocol)
                    || packetLength > length - l2Length) {
                return false;
            }
            l4Start = l2Length + Ipv6Header.LENGTH;
        } else {
            return false;
        }
        int packetEnd = l2Length + packetLength;
        return protocol == IpProtocol.TCP ? tcpCandidate(frame, offset, packetEnd) : udpCandidate(frame, offset, packetEnd);
    }

    private boolean coalescable(int ipProtocol) {
        return ipProtocol == IpProtocol.TCP || ipProtocol == IpProtocol.UDP && coalesceUdp;
    }

    private boolean tcpCandidate(ByteBuffer frame, int offset, int packetEnd) {
        if (l4Start + TcpHeader.MIN_LENGTH > packetEnd) {
            return false;
        }
        tcp.wrap(frame, offset + l4Start);
        l4HeaderLength = tcp.headerLength();
        payloadStart = l4Start + l4HeaderLength;
        payloadLength = packetEnd - payloadStart;
        flags = tcp.flags();
        sequence = tcp.sequence();
        return l4HeaderLength >= TcpHeader.MIN_LENGTH && payloadLength > 0
                && (flags == TcpHeader.ACK || flags == (TcpHeader.ACK | TcpHeader.PSH));
    }

    private boolean udpCandidate(ByteBuffer frame, int offset, int packetEnd) {
        l4HeaderLength = SuperFrame.UDP_HEADER_LENGTH;
        payloadStart = l4Start + SuperFrame.UDP_HEADER_LENGTH;
        payloadLength = packetEnd - payloadStart;
        flags = 0;
        // A length field that disagrees with the IP length would be rewritten by segmentation: refuse it.
        return payloadLength > 0
                && Ranges.u16(frame, offset + l4Start + SuperFrame.UDP_LENGTH_OFFSET) == packetEnd - l4Start;
    }

    private void start(ByteBuffer frame, int offset, int length) {
        segments = 1;
        runBuffer = frame;
        runOffset = offset;
        runLength = length;
        runIpv6 = isIpv6;
        runProtocol = protocol;
        runL2Length = l2Length;
        runL4Start = l4Start;
        runL4HeaderLength = l4HeaderLength;
        runPayloadStart = payloadStart;
        gsoSize = payloadLength;
        totalPayload = payloadLength;
        nextSequence = sequence + payloadLength;
        firstIdentification = isIpv6 ? 0 : ipv4.identification();
        idMode = ID_UNDECIDED;
        pendingIdMode = ID_UNDECIDED;
        closed = (flags & TcpHeader.PSH) != 0;
    }

    /** Why the parsed frame cannot join the held run, or {@link #REFUSED_NONE}. */
    private int joinRefusal(ByteBuffer frame, int offset) {
        int addressesOffset = isIpv6 ? Ipv6Header.SOURCE_OFFSET : Ipv4Header.SOURCE_OFFSET;
        int addressesLength = isIpv6 ? 32 : 8;
        if (isIpv6 != runIpv6 || protocol != runProtocol || l2Length != runL2Length
                || !Ranges.equal(frame, offset, runBuffer, runOffset, l2Length)
                || !Ranges.equal(frame, offset + l2Length + addressesOffset,
                        runBuffer, runOffset + runL2Length + addressesOffset, addressesLength)
                || !Ranges.equal(frame, offset + l4Start, runBuffer, runOffset + runL4Start, 4)) {
            return REFUSED_OTHER_FLOW;
        }
        if (closed) {
            return REFUSED_RUN_CLOSED;
        }
        boolean isTcp = protocol == IpProtocol.TCP;
        if (isTcp && sequence != nextSequence) {
            return REFUSED_NOT_CONTIGUOUS;
        }
        if (isTcp && !sameTcpHeaders(frame, offset) || !sameIpHeaders(frame, offset)) {
            return REFUSED_HEADER_MISMATCH;
        }
        if (payloadLength > gsoSize) {
            return REFUSED_SIZE_MISMATCH;
        }
        int ipLength = (isIpv6 ? 0 : Ipv4Header.MIN_LENGTH) + l4HeaderLength + totalPayload + payloadLength;
        if (ipLength > SuperFrame.MAX_IP_LENGTH || !isTcp && segments >= MAX_UDP_SEGMENTS) {
            return REFUSED_FULL;
        }
        return REFUSED_NONE;
    }

    private boolean sameTcpHeaders(ByteBuffer frame, int offset) {
        // ACK number and data offset (bytes 8..12), window (14, 15), options. The flags (13) are ACK in the
        // open run and ACK or ACK|PSH here: the candidate check settled them.
        int tcpAt = offset + l4Start;
        int runTcpAt = runOffset + runL4Start;
        return l4HeaderLength == runL4HeaderLength
                && Ranges.equal(frame, tcpAt + TcpHeader.ACKNOWLEDGMENT_OFFSET,
                        runBuffer, runTcpAt + TcpHeader.ACKNOWLEDGMENT_OFFSET, 5)
                && Ranges.equal(frame, tcpAt + TcpHeader.WINDOW_OFFSET, runBuffer, runTcpAt + TcpHeader.WINDOW_OFFSET, 2)
                && Ranges.equal(frame, tcpAt + TcpHeader.MIN_LENGTH, runBuffer, runTcpAt + TcpHeader.MIN_LENGTH,
                        l4HeaderLength - TcpHeader.MIN_LENGTH);
    }

    private boolean sameIpHeaders(ByteBuffer frame, int offset) {
        int ipAt = offset + l2Length;
        int runIpAt = runOffset + runL2Length;
        if (isIpv6) {
            // Version, traffic class, flow label; then next header and hop limit.
            return Ranges.equal(frame, ipAt, runBuffer, runIpAt, 4)
                    && Ranges.equal(frame, ipAt + Ipv6Header.NEXT_HEADER_OFFSET,
                            runBuffer, runIpAt + Ipv6Header.NEXT_HEADER_OFFSET, 2);
        }
        // Version, IHL, TOS; flags (DF) with the fragment offset (0); TTL and protocol.
        if (!Ranges.equal(frame, ipAt, runBuffer, runIpAt, 2)
                || !Ranges.equal(frame, ipAt + Ipv4Header.FLAGS_FRAGMENT_OFFSET,
                        runBuffer, runIpAt + Ipv4Header.FLAGS_FRAGMENT_OFFSET, 4)) {
            return false;
        }
        int step = ipv4.wrap(frame, ipAt).identification() - firstIdentification & 0xFFFF;
        switch (idMode) {
            case ID_INCREMENTING:
                return step == segments;
            case ID_FIXED:
                return step == 0;
            default:
                // The second segment decides; append() adopts the mode only if the segment joins.
                pendingIdMode = step == 1 ? ID_INCREMENTING : step == 0 && ipv4.dontFragment() ? ID_FIXED : ID_UNDECIDED;
                return pendingIdMode != ID_UNDECIDED;
        }
    }

    private void append(ByteBuffer frame, int offset) {
        if (segments == 1) {
            idMode = pendingIdMode;
            if (runBuffer != buffer) {
                // The second segment: from now on the run lives in our buffer.
                buffer.put(frameStart, runBuffer, runOffset, runPayloadStart + totalPayload);
                runBuffer = buffer;
                runOffset = frameStart;
            }
        }
        buffer.put(frameStart + runPayloadStart + totalPayload, frame, offset + payloadStart, payloadLength);
        totalPayload += payloadLength;
        nextSequence += payloadLength;
        segments++;
        if ((flags & TcpHeader.PSH) != 0) {
            tcp.wrap(buffer, frameStart + runL4Start).flags(TcpHeader.ACK | TcpHeader.PSH);
            closed = true;
        }
        if (payloadLength < gsoSize) {
            closed = true;
        }
    }

    /**
     * Ends the held run, if any, and says what to write; the output range is then {@link #outputBuffer()},
     * {@link #outputOffset()}, {@link #outputLength()}.
     *
     * @return {@link #FLUSH_NOTHING}; {@link #FLUSH_SINGLE}: one frame was held, the output is that frame
     *     as offered (the caller's memory), to write plainly; {@link #FLUSH_COALESCED}: the output is this
     *     coalescer's buffer from its virtio_net_hdr to the end of the super-frame
     */
    public int flush() {
        int held = segments;
        segments = 0;
        if (held == 0) {
            outputBuffer = null;
            outputOffset = 0;
            outputLength = 0;
            return FLUSH_NOTHING;
        }
        if (held == 1) {
            outputBuffer = runBuffer;
            outputOffset = runOffset;
            outputLength = runLength;
            runBuffer = null;
            singleFrames++;
            return FLUSH_SINGLE;
        }
        runBuffer = null;
        lastFlushUdp = runProtocol != IpProtocol.TCP;
        int ipAt = frameStart + runL2Length;
        int l4Length = runL4HeaderLength + totalPayload;
        int sum;
        if (runIpv6) {
            ipv6.wrap(buffer, ipAt).payloadLength(l4Length);
            sum = InternetChecksum.sum(buffer, ipAt + Ipv6Header.SOURCE_OFFSET, 32, 0);
        } else {
            ipv4.wrap(buffer, ipAt).totalLength(Ipv4Header.MIN_LENGTH + l4Length);
            ipv4.updateChecksum();
            sum = InternetChecksum.sum(buffer, ipAt + Ipv4Header.SOURCE_OFFSET, 8, 0);
        }
        sum = InternetChecksum.addWord(InternetChecksum.addWord(sum, runProtocol), l4Length);
        int l4At = frameStart + runL4Start;
        if (runProtocol == IpProtocol.TCP) {
            tcp.wrap(buffer, l4At).checksum(sum);
            header.clear().gsoType(runIpv6 ? VirtioNetHeader.GSO_TCPV6 : VirtioNetHeader.GSO_TCPV4)
                    .csumOffset(VirtioNetHeader.TCP_CSUM_OFFSET);
        } else {
            Ranges.putU16(buffer, l4At + SuperFrame.UDP_LENGTH_OFFSET, l4Length);
            Ranges.putU16(buffer, l4At + SuperFrame.UDP_CHECKSUM_OFFSET, sum);
            header.clear().gsoType(VirtioNetHeader.GSO_UDP_L4).csumOffset(VirtioNetHeader.UDP_CSUM_OFFSET);
            udpCoalescedFrames++;
            udpCoalescedDatagrams += held;
        }
        header.flags(VirtioNetHeader.F_NEEDS_CSUM)
                .hdrLen(runPayloadStart)
                .gsoSize(gsoSize)
                .csumStart(runL4Start);
        outputBuffer = buffer;
        outputOffset = 0;
        outputLength = frameStart + runPayloadStart + totalPayload;
        coalescedFrames++;
        coalescedSegments += held;
        return FLUSH_COALESCED;
    }

    /** Whether the super-frame of the last {@link #FLUSH_COALESCED} joined UDP datagrams (false: TCP segments). */
    public boolean lastFlushWasUdp() {
        return lastFlushUdp;
    }

    /** Frames held now: 0 (nothing), 1 (a lone frame, not yet copied), or the segments of a run. */
    public int segments() {
        return segments;
    }

    /** The buffer to write after {@link #flush}; null after {@link #FLUSH_NOTHING} or an {@link #offer}. */
    public ByteBuffer outputBuffer() {
        return outputBuffer;
    }

    public int outputOffset() {
        return outputOffset;
    }

    public int outputLength() {
        return outputLength;
    }

    /** The virtio_net_hdr length this coalescer writes: where the frame starts in its buffer. */
    public int headerLength() {
        return frameStart;
    }

    /** Why the last refused {@link #offer} refused (a {@code REFUSED_*} code). */
    public int lastRefusal() {
        return lastRefusal;
    }

    /** Super-frames built by {@link #flush}. */
    public long coalescedFrames() {
        return coalescedFrames;
    }

    /** Segments that went into those super-frames. */
    public long coalescedSegments() {
        return coalescedSegments;
    }

    /** UDP super-frames built by {@link #flush} (also counted in {@link #coalescedFrames()}). */
    public long udpCoalescedFrames() {
        return udpCoalescedFrames;
    }

    /** Datagrams that went into those (also counted in {@link #coalescedSegments()}). */
    public long udpCoalescedDatagrams() {
        return udpCoalescedDatagrams;
    }

    /** Whether UDP datagrams are joined too. */
    public boolean coalescesUdp() {
        return coalesceUdp;
    }

    /** Lone frames handed back by {@link #flush}. */
    public long singleFrames() {
        return singleFrames;
    }

    /** Refused offers with reason {@code reason}; 0 for an unknown reason. */
    public long refusals(int reason) {
        return reason >= 0 && reason < REFUSAL_COUNT ? refusals[reason] : 0;
    }

    /** A human sentence for a {@code REFUSED_*} code. */
    public static String describeRefusal(int reason) {
        switch (reason) {
            case REFUSED_NONE:
                return "not refused";
            case REFUSED_NOT_CANDIDATE:
                return "not a TCP data segment or UDP datagram that can be coalesced";
            case REFUSED_OTHER_FLOW:
                return "another flow";
            case REFUSED_RUN_CLOSED:
                return "run closed by PSH or a short segment";
            case REFUSED_NOT_CONTIGUOUS:
                return "sequence number not contiguous";
            case REFUSED_HEADER_MISMATCH:
                return "headers differ (ACK, window, options, TOS, TTL, DF, IP ID, traffic class, hop limit)";
            case REFUSED_SIZE_MISMATCH:
                return "payload larger than gso_size";
            case REFUSED_FULL:
                return "coalesced IP length would exceed 65535 bytes, or " + MAX_UDP_SEGMENTS + " datagrams";
            default:
                return "unknown refusal " + reason;
        }
    }
}
