package org.tapbridge.ethernet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

class EthernetFrameTest {
    private static final long DST = 0x02005E000001L;
    private static final long SRC = 0x0A1B2C3D4E5FL;

    private final EthernetFrame frame = new EthernetFrame();

    @Test
    void decodesAnUntaggedFrame() {
        ByteBuffer buffer = TestFrames.untagged(DST, SRC, EtherType.IPV4, 60);
        assertEquals(FrameStatus.OK, frame.wrap(buffer, 0, 60));
        assertEquals(FrameStatus.OK, frame.status());
        assertEquals(DST, frame.destination());
        assertEquals(SRC, frame.source());
        assertEquals(EtherType.IPV4, frame.etherType());
        assertEquals(0, frame.vlanId());
        assertFalse(frame.isTagged());
        assertEquals(14, frame.headerLength());
        assertEquals(60, frame.length());
        assertEquals(0, frame.offset());
        assertSame(buffer, frame.buffer());
    }

    @Test
    void decodesAn8021qTagAndTheEtherTypeAfterIt() {
        ByteBuffer buffer = TestFrames.tagged(DST, SRC, EtherType.VLAN, 5, 100, EtherType.IPV6, 64);
        assertEquals(FrameStatus.OK, frame.wrap(buffer, 0, 64));
        assertEquals(100, frame.vlanId());
        assertEquals(5, frame.priority());
        assertEquals(EtherType.VLAN, frame.outerTpid());
        assertEquals(EtherType.IPV6, frame.etherType());
        assertEquals(18, frame.headerLength());
        assertEquals(SRC, frame.source());
    }

    @Test
    void passesQinQOuterTagThroughUsingItsVlanIdAsTheLearningDomain() {
        ByteBuffer buffer = TestFrames.tagged(DST, SRC, EtherType.QINQ, 0, 300, EtherType.VLAN, 64);
        buffer.putShort(18, (short) 42);
        buffer.putShort(20, (short) EtherType.ARP);
        assertEquals(FrameStatus.OK, frame.wrap(buffer, 0, 64));
        assertEquals(EtherType.QINQ, frame.outerTpid());
        assertEquals(300, frame.vlanId());
        assertEquals(42, frame.innerVlanId());
        assertEquals(EtherType.ARP, frame.etherType());
        assertEquals(22, frame.headerLength());
    }

    @Test
    void treatsAPriorityTagAsUntaggedForLearning() {
        ByteBuffer buffer = TestFrames.tagged(DST, SRC, EtherType.VLAN, 6, 0, EtherType.IPV4, 64);
        assertEquals(FrameStatus.OK, frame.wrap(buffer, 0, 64));
        assertEquals(0, frame.vlanId());
        assertTrue(frame.isTagged());
    }

    @Test
    void rejectsFramesShorterThan14BytesWithAReasonCode() {
        ByteBuffer buffer = TestFrames.untagged(DST, SRC, EtherType.IPV4, 60);
        for (int length = 0; length < 14; length++) {
            assertEquals(FrameStatus.TOO_SHORT, frame.wrap(buffer, 0, length), "length " + length);
            assertEquals(0, frame.source());
            assertEquals(0, frame.destination());
        }
        assertEquals(FrameStatus.OK, frame.wrap(buffer, 0, 14));
    }

    @Test
    void rejectsATruncatedVlanTag() {
        ByteBuffer buffer = TestFrames.tagged(DST, SRC, EtherType.VLAN, 0, 7, EtherType.IPV4, 18);
        for (int length = 14; length < 18; length++) {
            assertEquals(FrameStatus.TRUNCATED_VLAN_TAG, frame.wrap(buffer, 0, length), "length " + length);
            assertEquals(0, frame.vlanId());
        }
        assertEquals(FrameStatus.OK, frame.wrap(buffer, 0, 18));
        assertEquals(7, frame.vlanId());
    }

    @Test
    void rejectsATruncatedInnerTag() {
        ByteBuffer buffer = TestFrames.tagged(DST, SRC, EtherType.QINQ, 0, 7, EtherType.VLAN, 22);
        for (int length = 18; length < 22; length++) {
            assertEquals(FrameStatus.TRUNCATED_VLAN_TAG, frame.wrap(buffer, 0, length), "length " + length);
        }
    }

    @Test
    void rejectsTheReservedVlanId4095() {
        ByteBuffer buffer = TestFrames.tagged(DST, SRC, EtherType.VLAN, 0, 4095, EtherType.IPV4, 64);
        assertEquals(FrameStatus.RESERVED_VLAN_ID, frame.wrap(buffer, 0, 64));
    }

    @Test
    void rejectsOffsetsAndLengthsOutsideTheBufferWithoutThrowing() {
        ByteBuffer buffer = TestFrames.untagged(DST, SRC, EtherType.IPV4, 60);
        assertEquals(FrameStatus.OUT_OF_BOUNDS, frame.wrap(buffer, 0, 61));
        assertEquals(FrameStatus.OUT_OF_BOUNDS, frame.wrap(buffer, 50, 14));
        assertEquals(FrameStatus.OUT_OF_BOUNDS, frame.wrap(buffer, -1, 20));
        assertEquals(FrameStatus.OUT_OF_BOUNDS, frame.wrap(buffer, 0, -5));
        assertEquals(FrameStatus.OUT_OF_BOUNDS, frame.wrap(buffer, Integer.MAX_VALUE, Integer.MAX_VALUE));
        assertEquals(FrameStatus.OUT_OF_BOUNDS, frame.wrap(null, 0, 60));
        buffer.limit(30);
        assertEquals(FrameStatus.OUT_OF_BOUNDS, frame.wrap(buffer, 0, 31), "the limit bounds the frame");
    }

    @Test
    void readsAtAnOffsetInsideALargerBuffer() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(2048);
        MacAddress.write(buffer, 1001, DST);
        MacAddress.write(buffer, 1007, SRC);
        buffer.putShort(1013, (short) EtherType.ARP);
        assertEquals(FrameStatus.OK, frame.wrap(buffer, 1001, 42));
        assertEquals(DST, frame.destination());
        assertEquals(SRC, frame.source());
        assertEquals(EtherType.ARP, frame.etherType());
        assertEquals(1001, frame.offset());
    }

    @Test
    void neverChangesTheBuffersPositionOrLimit() {
        ByteBuffer buffer = TestFrames.tagged(DST, SRC, EtherType.VLAN, 0, 5, EtherType.IPV4, 64);
        buffer.position(3).limit(64);
        frame.wrap(buffer, 0, 64);
        frame.wrap(buffer, 0, 10);
        frame.wrap(buffer, 0, 16);
        assertEquals(3, buffer.position());
        assertEquals(64, buffer.limit());
    }

    @Test
    void decodesHeapAndDirectBuffersInAnyByteOrderAlike() {
        ByteBuffer direct = TestFrames.tagged(DST, SRC, EtherType.VLAN, 0, 9, EtherType.IPV4, 64);
        ByteBuffer heap = ByteBuffer.allocate(64).put(direct.duplicate()).order(ByteOrder.LITTLE_ENDIAN);
        direct.order(ByteOrder.LITTLE_ENDIAN);
        for (ByteBuffer buffer : new ByteBuffer[] {direct, heap, heap.asReadOnlyBuffer()}) {
            assertEquals(FrameStatus.OK, frame.wrap(buffer, 0, 64));
            assertEquals(DST, frame.destination());
            assertEquals(SRC, frame.source());
            assertEquals(9, frame.vlanId());
            assertEquals(EtherType.IPV4, frame.etherType());
        }
    }

    @Test
    void forgetsThePreviousFrameWhenAWrapFails() {
        frame.wrap(TestFrames.tagged(DST, SRC, EtherType.VLAN, 0, 9, EtherType.IPV4, 64), 0, 64);
        assertEquals(FrameStatus.TOO_SHORT, frame.wrap(ByteBuffer.allocate(8), 0, 8));
        assertEquals(FrameStatus.TOO_SHORT, frame.status());
        assertEquals(0, frame.destination());
        assertEquals(0, frame.source());
        assertEquals(0, frame.vlanId());
        assertEquals(0, frame.etherType());
    }

    @Test
    void describesEveryStatusCode() {
        for (int status = 0; status < FrameStatus.COUNT; status++) {
            assertFalse(FrameStatus.describe(status).startsWith("unknown"), "status " + status);
        }
        assertTrue(FrameStatus.describe(99).contains("99"));
        assertNotEquals(FrameStatus.describe(1), FrameStatus.describe(2));
    }
}
