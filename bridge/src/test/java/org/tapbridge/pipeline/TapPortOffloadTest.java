package org.tapbridge.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tapbridge.fakes.Frames;
import org.tapbridge.fakes.VnetTapDevice;

/** The TAP port with a vnet header: plain writes, reads, and coalescing of segments held from ring memory. */
class TapPortOffloadTest {
    private static final long HOST = 0x02_00_00_00_0A_01L;
    private static final long OTHER_HOST = 0x02_00_00_00_0B_01L;
    private static final byte FILL = (byte) 0xA5;
    private static final int SLOT = 2048;
    private static final int MSS = 1400;

    @ParameterizedTest(name = "{0}-byte vnet header")
    @ValueSource(ints = {10, 12})
    void plainWriteHandsTheDeviceAZeroHeaderThenTheFrameAndPutsTheBytesBeforeTheFrameBack(int vnet) {
        VnetTapDevice tap = new VnetTapDevice("tapv", 1500, vnet);
        TapPort port = new TapPort(tap);
        byte[] frame = Frames.ethernet(OTHER_HOST, HOST, "plain".getBytes());
        ByteBuffer buf = filled(ByteBuffer.allocateDirect(FrameSlot.FRAME_OFFSET + frame.length + 8));
        // What a message header before the frame looks like: bytes that are anything but zero.
        for (int i = 0; i < FrameSlot.FRAME_OFFSET; i++) {
            buf.put(i, (byte) (0x30 + i));
        }
        buf.put(FrameSlot.FRAME_OFFSET, frame);
        byte[] before = TcpFrames.bytes(buf);

        port.write(buf, FrameSlot.FRAME_OFFSET, frame.length);

        assertArrayEquals(TcpFrames.concat(new byte[vnet], frame), tap.takeWritten());
        assertArrayEquals(before, TcpFrames.bytes(buf), "the caller's bytes around the frame changed");
        assertEquals(1, port.framesWritten());
        assertEquals(0, port.writeDrops());
    }

    @ParameterizedTest(name = "{0}-byte vnet header")
    @ValueSource(ints = {10, 12})
    void frameWithoutRoomForTheHeaderBeforeItIsCopiedBehindAZeroHeader(int vnet) {
        VnetTapDevice tap = new VnetTapDevice("tapv", 1500, vnet);
        TapPort port = new TapPort(tap);
        byte[] frame = Frames.ethernet(OTHER_HOST, HOST, "no room".getBytes());
        for (int offset : new int[] {0, 1, vnet - 1}) {
            for (boolean direct : new boolean[] {true, false}) {
                ByteBuffer buf = filled(direct ? ByteBuffer.allocateDirect(offset + frame.length + 4)
                        : ByteBuffer.allocate(offset + frame.length + 4));
                buf.put(offset, frame);
                byte[] before = TcpFrames.bytes(buf);

                port.write(buf, offset, frame.length);

                String where = (direct ? "direct" : "heap") + " buffer, frame at " + offset;
                assertArrayEquals(TcpFrames.concat(new byte[vnet], frame), tap.takeWritten(), where);
                assertArrayEquals(before, TcpFrames.bytes(buf), where + ": the caller's buffer changed");
            }
        }
        // Heap memory with room is copied too: the device takes direct memory only.
        ByteBuffer heap = filled(ByteBuffer.allocate(FrameSlot.FRAME_OFFSET + frame.length));
        heap.put(FrameSlot.FRAME_OFFSET, frame);
        port.write(heap, FrameSlot.FRAME_OFFSET, frame.length);
        assertArrayEquals(TcpFrames.concat(new byte[vnet], frame), tap.takeWritten(), "heap buffer with room");
        assertEquals(7, port.framesWritten());
    }

    @ParameterizedTest(name = "{0}-byte vnet header")
    @ValueSource(ints = {10, 12})
    void threeContiguousSegmentsFromRingMemoryReachTheDeviceAsOneTcpv4SuperFrameAtTheBatchEnd(int vnet) {
        VnetTapDevice tap = new VnetTapDevice("tapv", 1500, vnet);
        TapPort port = new TapPort(tap);
        ByteBuffer ring = filled(ByteBuffer.allocateDirect(8 * SLOT));
        port.coalesceFrom(ring);
        byte[] payload = TcpFrames.payload(3 * MSS, 11);
        for (int i = 0; i < 3; i++) {
            byte[] segment = segment(payload, i);
            ring.put(i * SLOT + FrameSlot.FRAME_OFFSET, segment);
            port.write(ring, i * SLOT + FrameSlot.FRAME_OFFSET, segment.length);
        }
        assertEquals(0, tap.writes(), "segments of an open run are held until the batch ends");

        port.endBatch();

        assertEquals(1, tap.writes());
        byte[] written = tap.takeWritten();
        assertNull(tap.takeWritten());
        assertTsoHeader(written, vnet, 3 * MSS);
        byte[] frame = TcpFrames.range(written, vnet, written.length);
        assertTrue(TcpFrames.ipv4HeaderValid(frame), "IPv4 header checksum of the super-frame");
        TcpFrames.completeChecksum(frame);
        assertArrayEquals(TcpFrames.tcp(OTHER_HOST, HOST, 100, 5000, TcpFrames.ACK, payload, false), frame,
                "once the kernel finished its checksum, the super-frame is the three segments as one");
        assertEquals(1, port.framesWritten());
        port.endBatch();
        assertEquals(1, tap.writes(), "a second batch end has nothing left to write");
    }

    @Test
    void frameFromOtherMemoryFirstWritesWhatIsHeldSoTheOrderIsKept() {
        int vnet = 12;
        VnetTapDevice tap = new VnetTapDevice("tapv", 1500, vnet);
        TapPort port = new TapPort(tap);
        ByteBuffer ring = filled(ByteBuffer.allocateDirect(8 * SLOT));
        port.coalesceFrom(ring);
        byte[] payload = TcpFrames.payload(3 * MSS, 12);
        for (int i = 0; i < 2; i++) {
            byte[] segment = segment(payload, i);
            ring.put(i * SLOT + FrameSlot.FRAME_OFFSET, segment);
            port.write(ring, i * SLOT + FrameSlot.FRAME_OFFSET, segment.length);
        }
        byte[] other = Frames.ethernet(OTHER_HOST, HOST, "reassembled elsewhere".getBytes());
        ByteBuffer elsewhere = filled(ByteBuffer.allocateDirect(FrameSlot.FRAME_OFFSET + other.length));
        elsewhere.put(FrameSlot.FRAME_OFFSET, other);

        port.write(elsewhere, FrameSlot.FRAME_OFFSET, other.length);

        assertEquals(2, tap.writes(), "what was held, then the frame from other memory, at once");
        byte[] first = tap.takeWritten();
        assertTsoHeader(first, vnet, 2 * MSS);
        byte[] coalesced = TcpFrames.range(first, vnet, first.length);
        TcpFrames.completeChecksum(coalesced);
        assertArrayEquals(TcpFrames.tcp(OTHER_HOST, HOST, 100, 5000, TcpFrames.ACK,
                TcpFrames.range(payload, 0, 2 * MSS), false), coalesced);
        assertArrayEquals(TcpFrames.concat(new byte[vnet], other), tap.takeWritten());
        port.endBatch();
        assertEquals(2, tap.writes());
    }

    @Test
    void lonelySegmentHeldFromRingMemoryIsWrittenPlainAtTheBatchEnd() {
        int vnet = 10;
        VnetTapDevice tap = new VnetTapDevice("tapv", 1500, vnet);
        TapPort port = new TapPort(tap);
        ByteBuffer ring = filled(ByteBuffer.allocateDirect(4 * SLOT));
        port.coalesceFrom(ring);
        byte[] segment = segment(TcpFrames.payload(MSS, 13), 0);
        ring.put(SLOT + FrameSlot.FRAME_OFFSET, segment);
        byte[] before = TcpFrames.bytes(ring);

        port.write(ring, SLOT + FrameSlot.FRAME_OFFSET, segment.length);
        port.endBatch();

        assertArrayEquals(TcpFrames.concat(new byte[vnet], segment), tap.takeWritten());
        assertArrayEquals(before, TcpFrames.bytes(ring), "ring memory around the segment changed");
    }

    @ParameterizedTest(name = "{0}-byte vnet header")
    @ValueSource(ints = {10, 12})
    void readReturnsTheFrameLengthAndLeavesTheVnetHeaderJustBeforeTheOffset(int vnet) {
        VnetTapDevice tap = new VnetTapDevice("tapv", 1500, vnet);
        TapPort port = new TapPort(tap);
        byte[] header = TcpFrames.vnetHeader(vnet, 1, 0, TcpFrames.HEADERS, 0, TcpFrames.TCP_START, 16);
        byte[] frame = TcpFrames.tcp(OTHER_HOST, HOST, 7, 1, TcpFrames.ACK, TcpFrames.payload(100, 14), true);
        ByteBuffer buf = filled(ByteBuffer.allocateDirect(SLOT));
        assertEquals(0, port.read(buf, FrameSlot.FRAME_OFFSET, 2000), "nothing waiting");
        tap.inject(TcpFrames.concat(header, frame));

        int n = port.read(buf, FrameSlot.FRAME_OFFSET, 2000);

        assertEquals(frame.length, n);
        byte[] all = TcpFrames.bytes(buf);
        assertArrayEquals(header, TcpFrames.range(all, FrameSlot.FRAME_OFFSET - vnet, FrameSlot.FRAME_OFFSET));
        assertArrayEquals(frame, TcpFrames.range(all, FrameSlot.FRAME_OFFSET, FrameSlot.FRAME_OFFSET + n));
        for (int i = 0; i < FrameSlot.FRAME_OFFSET - vnet; i++) {
            assertEquals(FILL, all[i], "byte " + i + " before the header");
        }
        assertEquals(1, port.framesRead());
    }

    @Test
    void readThatFillsTheWholeCapacityIsCountedAsTruncatedAndNotForwarded() {
        VnetTapDevice tap = new VnetTapDevice("tapv", 1500, 12);
        TapPort port = new TapPort(tap);
        byte[] frame = Frames.ethernet(OTHER_HOST, HOST, new byte[200]);
        tap.inject(TcpFrames.concat(new byte[12], frame));
        ByteBuffer buf = ByteBuffer.allocateDirect(SLOT);

        assertEquals(0, port.read(buf, FrameSlot.FRAME_OFFSET, frame.length - 1));

        assertEquals(1, port.truncated());
        assertEquals(0, port.framesRead());
    }

    /** Segment {@code index} of {@code payload} cut at {@link #MSS}: contiguous sequence and IP IDs. */
    static byte[] segment(byte[] payload, int index) {
        return TcpFrames.tcp(OTHER_HOST, HOST, 100 + index, 5000 + (long) index * MSS, TcpFrames.ACK,
                TcpFrames.range(payload, index * MSS, Math.min(payload.length, (index + 1) * MSS)), false);
    }

    private static void assertTsoHeader(byte[] written, int vnet, int payload) {
        assertEquals(vnet + TcpFrames.HEADERS + payload, written.length, "write length");
        assertEquals(1, written[0], "flags: NEEDS_CSUM");
        assertEquals(1, written[1], "gso_type: TCPV4");
        assertEquals(TcpFrames.HEADERS, TcpFrames.u16Le(written, 2), "hdr_len");
        assertEquals(MSS, TcpFrames.u16Le(written, 4), "gso_size");
        assertEquals(TcpFrames.TCP_START, TcpFrames.u16Le(written, 6), "csum_start");
        assertEquals(16, TcpFrames.u16Le(written, 8), "csum_offset");
    }

    private static ByteBuffer filled(ByteBuffer buffer) {
        for (int i = 0; i < buffer.capacity(); i++) {
            buffer.put(i, FILL);
        }
        return buffer;
    }
}
