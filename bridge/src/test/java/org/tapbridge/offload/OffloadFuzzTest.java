package org.tapbridge.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tapbridge.ethernet.EtherType;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.ethernet.FrameStatus;

/**
 * Coverage-guided fuzzing of the offload parsers (Jazzer; see scripts/fuzz.sh): the virtio_net_hdr check,
 * the TCP segmenter's parse and cut, and the coalescer's candidate parse and join (TCP and UDP). Each method states
 * its input layout and invariants. Seeds and regression inputs:
 * {@code src/test/resources/org/tapbridge/offload/OffloadFuzzTestInputs/<method>/}.
 */
class OffloadFuzzTest {
    /** Where frames sit in their buffers: not at 0, so absolute indexing is exercised. */
    private static final int AT = 5;
    private static final int MAX_INPUT = 70_000;

    private final ByteBuffer in = ByteBuffer.allocate(AT + MAX_INPUT);
    private final ByteBuffer out = ByteBuffer.allocate(AT + MAX_INPUT);
    private final TcpSegmenter segmenter = new TcpSegmenter();
    private final TcpSegmenter resegmenter = new TcpSegmenter();
    private final UdpSegmenter udpResegmenter = new UdpSegmenter();
    private final FlowCoalescer coalescer = new FlowCoalescer(VirtioNetHeader.LENGTH,
            ByteBuffer.allocate(VirtioNetHeader.LENGTH + FlowCoalescer.MAX_FRAME_LENGTH), true);
    private final EthernetFrame ethernet = new EthernetFrame();

    /**
     * Input: byte 0 (bit 0: the 12-byte v1 header), the header's bytes, then the frame length (u16). The
     * check must return a known code; OK must mean what the segmenters rely on: known flags, a type we
     * enabled with a non-zero gso_size, the checksum field and hdr_len inside the frame.
     */
    @FuzzTest
    void validatesAnyVirtioNetHeader(byte[] input) {
        if (input.length < 1) {
            return;
        }
        int length = (input[0] & 1) == 0 ? VirtioNetHeader.LENGTH : VirtioNetHeader.LENGTH_V1;
        byte[] bytes = Arrays.copyOfRange(input, 1, 1 + length + 2);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        int frameLength = (bytes[length] & 0xFF) << 8 | bytes[length + 1] & 0xFF;
        VirtioNetHeader header = new VirtioNetHeader(length).wrap(buffer, 0);
        int status = header.validate(frameLength);
        assertTrue(status >= 0 && status < OffloadStatus.COUNT, "status " + status);
        if (status != OffloadStatus.OK) {
            return;
        }
        assertTrue(!(header.needsChecksum() && header.dataValid()), "both checksum flags: " + header);
        assertEquals(0, header.flags() & ~3, "unknown flags: " + header);
        int base = header.gsoBaseType();
        assertTrue(header.gsoType() == VirtioNetHeader.GSO_NONE || header.gsoType() == VirtioNetHeader.GSO_UDP_L4
                || base == VirtioNetHeader.GSO_TCPV4 || base == VirtioNetHeader.GSO_TCPV6, "type: " + header);
        if (header.isGso()) {
            assertTrue(header.gsoSize() > 0, "gso_size 0: " + header);
        }
        if (header.needsChecksum()) {
            assertTrue(header.csumStart() + header.csumOffset() + 2 <= frameLength, "checksum past the frame: " + header);
        }
        assertTrue(header.hdrLen() <= frameLength, "hdr_len past the frame: " + header);
    }

    /**
     * Input: byte 0 (bit 0: the v1 header), the largest frame allowed (u16), the header, the super-frame. A
     * super-frame that prepares must cut into segments that each fit the limit, carry the headers with
     * consistent IP lengths and valid checksums, and together carry the payload exactly once, in order.
     */
    @FuzzTest
    void segmentsAnySuperFrameWithinTheLimit(byte[] input) {
        if (input.length < 3) {
            return;
        }
        int headerLength = (input[0] & 1) == 0 ? VirtioNetHeader.LENGTH : VirtioNetHeader.LENGTH_V1;
        int maxFrameLength = (input[1] & 0xFF) << 8 | input[2] & 0xFF;
        int available = Math.min(input.length - 3, MAX_INPUT);
        if (available < headerLength) {
            return;
        }
        in.clear();
        in.put(AT, input, 3, available);
        int frameAt = AT + headerLength;
        int frameLength = available - headerLength;
        in.limit(frameAt + frameLength);
        VirtioNetHeader header = new VirtioNetHeader(headerLength).wrap(in, AT);
        int status = segmenter.prepare(in, frameAt, frameLength, header, maxFrameLength);
        assertTrue(status >= 0 && status < OffloadStatus.COUNT, "status " + status);
        assertEquals(status, segmenter.status());
        if (status != OffloadStatus.OK) {
            assertEquals(0, segmenter.segmentCount(), "segments planned after " + OffloadStatus.describe(status));
            assertEquals(0, segmenter.writeSegment(0, out, AT), "a segment written after a failed prepare");
            return;
        }
        byte[] frame = new byte[frameLength];
        in.get(frameAt, frame);
        int headers = segmenter.headerLength();
        int count = segmenter.segmentCount();
        assertTrue(count >= 1 && headers > 0 && headers < frameLength, count + " segments, " + headers + " header bytes");
        assertEquals(0, ethernetStatus(frame), "prepared a frame whose Ethernet header is bad");
        int ipStart = ethernet.headerLength();
        boolean ipv6 = ethernet.etherType() == EtherType.IPV6;
        int payloadAt = headers;
        for (int i = 0; i < count; i++) {
            out.clear();
            int length = segmenter.writeSegment(i, out, AT);
            assertEquals(segmenter.segmentLength(i), length, "segment " + i);
            assertTrue(length > headers && length <= maxFrameLength, "segment " + i + " of " + length
                    + " bytes, limit " + maxFrameLength);
            byte[] segment = new byte[length];
            out.get(AT, segment);
            int payload = length - headers;
            assertTrue(payload <= header.gsoSize(), "segment payload " + payload + " above gso_size");
            assertArrayEquals(Arrays.copyOfRange(frame, payloadAt, payloadAt + payload),
                    Arrays.copyOfRange(segment, headers, length), "payload of segment " + i);
            payloadAt += payload;
            checkIp(segment, ipStart, ipv6, i);
            if (header.needsChecksum()) {
                int tcpAt = header.csumStart();
                assertTrue(Reference.transportChecksumValid(segment, ipStart, ipv6, Reference.TCP, tcpAt, length),
                        "TCP checksum of segment " + i);
            }
        }
        assertEquals(frameLength, payloadAt, "the segments do not carry the whole payload");
        out.clear();
        assertEquals(0, segmenter.writeSegment(count, out, AT), "a segment past the last");
    }

    /**
     * Input, repeated: frame length (u16), frame. The frames are offered in order as the data path does
     * (flush and offer again when refused; plain write when refused twice). Whatever the coalescer holds
     * comes back exactly once: a lone frame as it was offered, a super-frame whose virtio_net_hdr validates
     * and that the segmenter cuts back into the payloads of the frames it absorbed.
     */
    @FuzzTest
    void coalescesAnySegmentsIntoSuperFramesThatCutBack(byte[] input) {
        in.clear();
        List<int[]> held = new ArrayList<>();
        int at = 0;
        int place = AT;
        while (at + 2 <= input.length) {
            int length = Math.min((input[at] & 0xFF) << 8 | input[at + 1] & 0xFF, input.length - at - 2);
            if (place + length > in.capacity()) {
                break;
            }
            // Each frame keeps its own place: a held frame must stay unchanged until the next flush.
            in.put(place, input, at + 2, length);
            at += 2 + length;
            if (!coalescer.offer(in, place, length)) {
                int reason = coalescer.lastRefusal();
                assertTrue(reason > FlowCoalescer.REFUSED_NONE && reason < FlowCoalescer.REFUSAL_COUNT, "refusal " + reason);
                boolean wasEmpty = held.isEmpty();
                checkFlush(held);
                if (wasEmpty) {
                    assertEquals(FlowCoalescer.REFUSED_NOT_CANDIDATE, reason, "an empty coalescer refused a candidate");
                } else if (!coalescer.offer(in, place, length)) {
                    assertEquals(FlowCoalescer.REFUSED_NOT_CANDIDATE, coalescer.lastRefusal(),
                            "the second offer refused a candidate");
                } else {
                    held.add(new int[] {place, length});
                }
            } else {
                held.add(new int[] {place, length});
            }
            assertEquals(held.size(), coalescer.segments(), "frames held");
            place += length;
        }
        checkFlush(held);
    }

    private void checkFlush(List<int[]> held) {
        int result = coalescer.flush();
        int n = held.size();
        if (n == 0) {
            assertEquals(FlowCoalescer.FLUSH_NOTHING, result);
            return;
        }
        if (n == 1) {
            assertEquals(FlowCoalescer.FLUSH_SINGLE, result);
            assertTrue(coalescer.outputBuffer() == in && coalescer.outputOffset() == held.get(0)[0]
                    && coalescer.outputLength() == held.get(0)[1], "a lone frame must come back as offered");
            held.clear();
            return;
        }
        assertEquals(FlowCoalescer.FLUSH_COALESCED, result, n + " frames held");
        ByteBuffer superFrame = coalescer.outputBuffer();
        int headerLength = coalescer.headerLength();
        int frameLength = coalescer.outputLength() - headerLength;
        assertTrue(frameLength <= FlowCoalescer.MAX_FRAME_LENGTH, "super-frame of " + frameLength);
        VirtioNetHeader header = new VirtioNetHeader(headerLength).wrap(superFrame, coalescer.outputOffset());
        assertEquals(OffloadStatus.OK, header.validate(frameLength), "the super-frame's header: " + header);
        boolean udp = header.gsoType() == VirtioNetHeader.GSO_UDP_L4;
        int status = udp
                ? udpResegmenter.prepare(superFrame, coalescer.outputOffset() + headerLength, frameLength, header)
                : resegmenter.prepare(superFrame, coalescer.outputOffset() + headerLength, frameLength, header,
                        header.hdrLen() + header.gsoSize());
        assertEquals(OffloadStatus.OK, status, "the super-frame does not cut: " + OffloadStatus.describe(status));
        assertEquals(n, udp ? udpResegmenter.segmentCount() : resegmenter.segmentCount(), "segments cut from " + n + " frames");
        for (int i = 0; i < n; i++) {
            int length = udp ? udpResegmenter.writeSegment(i, out, 0) : resegmenter.writeSegment(i, out, 0);
            byte[] segment = new byte[length];
            out.get(0, segment);
            byte[] original = new byte[held.get(i)[1]];
            in.get(held.get(i)[0], original);
            assertArrayEquals(transportPayload(original), transportPayload(segment),
                    "payload of frame " + i + " of " + n);
        }
        held.clear();
    }

    /** The TCP or UDP payload of a frame the coalescer accepted (IPv4 without options, or IPv6 then TCP or UDP). */
    private byte[] transportPayload(byte[] frame) {
        assertEquals(FrameStatus.OK, ethernetStatus(frame));
        int ip = ethernet.headerLength();
        boolean ipv6 = ethernet.etherType() == EtherType.IPV6;
        int transport = ip + (ipv6 ? 40 : 20);
        int end = ipv6 ? transport + Reference.u16(frame, ip + 4) : ip + Reference.u16(frame, ip + 2);
        int protocol = frame[ip + (ipv6 ? 6 : 9)] & 0xFF;
        int payload = transport + (protocol == Reference.TCP ? ((frame[transport + 12] & 0xFF) >>> 4) * 4 : 8);
        return Arrays.copyOfRange(frame, payload, end);
    }

    private int ethernetStatus(byte[] frame) {
        return ethernet.wrap(ByteBuffer.wrap(frame), 0, frame.length);
    }

    private static void checkIp(byte[] segment, int ipStart, boolean ipv6, int index) {
        if (ipv6) {
            assertEquals(segment.length - ipStart - 40, Reference.u16(segment, ipStart + 4), "IPv6 payload length, segment " + index);
        } else {
            assertEquals(segment.length - ipStart, Reference.u16(segment, ipStart + 2), "IPv4 total length, segment " + index);
            assertTrue(Reference.ipv4HeaderValid(segment, ipStart), "IPv4 header checksum, segment " + index);
        }
    }
}
