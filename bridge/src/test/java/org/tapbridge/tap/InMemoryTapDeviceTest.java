package org.tapbridge.tap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InMemoryTapDeviceTest {
    private final InMemoryTapDevice tap = new InMemoryTapDevice("fake0", 1500, 2);
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(2048);

    @Test
    void anInjectedFrameIsReadByTheBridge() throws Exception {
        assertEquals(0, tap.read(buffer, 0, 2048));
        assertTrue(tap.inject(frame(60, 7)));
        assertTrue(tap.hasPending());
        assertEquals(60, tap.read(buffer, 100, 1948));
        byte[] got = new byte[60];
        buffer.get(100, got);
        assertArrayEquals(frame(60, 7), got);
        assertEquals(0, tap.possiblyTruncatedReads());
    }

    @Test
    void aWrittenFrameReachesTheHostSide() throws Exception {
        buffer.put(10, frame(64, 3));
        assertTrue(tap.write(buffer, 10, 64));
        assertArrayEquals(frame(64, 3), tap.takeWritten(1000));
        assertNull(tap.takeWritten(0));
    }

    @Test
    void theMinimumReadCapacityLeavesRoomForTheEthernetHeaderAndOneVlanTag() {
        assertEquals(1500 + 14 + 4, tap.minimumReadCapacity());
    }

    @Test
    void fullQueuesDropLikeTheKernel() throws Exception {
        buffer.put(0, frame(60, 1));
        assertTrue(tap.write(buffer, 0, 60));
        assertTrue(tap.write(buffer, 0, 60));
        assertFalse(tap.write(buffer, 0, 60), "a full queue is EAGAIN: false, no exception");
        assertTrue(tap.inject(frame(60, 1)));
        assertTrue(tap.inject(frame(60, 1)));
        assertFalse(tap.inject(frame(60, 1)));
    }

    @Test
    void aTooSmallBufferCutsTheFrameAndCountsIt() throws Exception {
        tap.inject(frame(200, 5));
        assertEquals(100, tap.read(buffer, 0, 100));
        assertEquals(1, tap.possiblyTruncatedReads());
    }

    @Test
    void anInjectedFrameRingsTheLoopsWakeUp() {
        AtomicInteger rings = new AtomicInteger();
        tap.onArrival(rings::incrementAndGet);
        assertFalse(tap.hasPending());
        tap.inject(frame(60, 1));
        assertEquals(1, rings.get());
        assertTrue(tap.hasPending());
    }

    @Test
    void aClosedDeviceRefusesFurtherUse() {
        tap.close();
        tap.close();
        assertThrows(TapException.class, () -> tap.read(buffer, 0, 2048));
        assertThrows(TapException.class, () -> tap.write(buffer, 0, 60));
    }

    private static byte[] frame(int length, int seed) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (i * 31 + seed);
        }
        return f;
    }
}
