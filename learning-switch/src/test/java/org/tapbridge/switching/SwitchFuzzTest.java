package org.tapbridge.switching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import org.tapbridge.drops.DropReason;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.ethernet.FrameStatus;

/**
 * Coverage-guided fuzzing of the Ethernet/VLAN view ({@link EthernetFrame#wrap}) and of
 * {@link LearningSwitch#forward} on what it decodes (Jazzer; see scripts/fuzz.sh). A small switch (a table
 * of 24 MACs, 8 per port, loop blocking on) is fed a sequence of frames, so learning, moves, limits,
 * aging and loop blocks are all reachable. Input, repeated: ingress port (u8, taken modulo 6: ports 0..4
 * exist, 5 does not), time step (u8: that many 50 ms; 255 runs an aging tick), frame length (u8), frame.
 * Invariants: no exception; a decoded header lies inside the frame; forward returns FLOOD, DROP with a
 * reason, or an existing port other than the ingress; the table and every port stay within their limits.
 * Seeds and regression inputs: {@code src/test/resources/org/tapbridge/switching/SwitchFuzzTestInputs/}.
 */
class SwitchFuzzTest {
    private static final int PORTS = 5;
    private static final int TABLE_LIMIT = 24;
    private static final int PER_PORT_LIMIT = 8;
    private static final long STEP_NS = 50_000_000L;

    private final EthernetFrame frame = new EthernetFrame();
    private final ByteBuffer buffer = ByteBuffer.allocate(3 + 255);

    @FuzzTest
    void forwardsAnyFrameSequenceWithinItsLimits(byte[] input) {
        SwitchSettings settings = SwitchSettings.builder()
                .macTableLimit(TABLE_LIMIT)
                .perPortMacLimit(PER_PORT_LIMIT)
                .localMacReserve(4)
                .maxPorts(8)
                .macAgingSeconds(2)
                .moveDampingMillis(100)
                .stormControlPacketsPerSecond(20)
                .stormControlBurst(5)
                .unknownUnicastPacketsPerSecond(20)
                .unknownUnicastBurst(5)
                .loopFlapsPerSecond(2)
                .loopBlockSeconds(1)
                .loopBlockMaxSeconds(4)
                .build();
        // A fixed hash seed: an input must replay the same table layout.
        // Logging on, so that the log lines are built too (from frames of the fuzzer's choosing); kept in memory.
        LearningSwitch sw = new LearningSwitch(settings, new RecordingLogger(), 0x5EED);
        sw.addPort(1, LearningSwitch.NO_GROUP);
        sw.addPort(2, LearningSwitch.MESH_GROUP);
        sw.addPort(3, LearningSwitch.MESH_GROUP);
        sw.addPort(4, 2);
        long nowNs = 1_000_000_000L;
        int at = 0;
        while (at + 3 <= input.length) {
            int ingress = (input[at] & 0xFF) % (PORTS + 1);
            int step = input[at + 1] & 0xFF;
            int length = Math.min(input[at + 2] & 0xFF, input.length - at - 3);
            // The frame sits 3 bytes into the buffer, so absolute indexing is exercised.
            buffer.clear();
            buffer.put(3, input, at + 3, length);
            buffer.limit(3 + length);
            at += 3 + length;
            if (step == 255) {
                nowNs += 10 * STEP_NS;
                sw.tick(nowNs);
                continue;
            }
            nowNs += step * STEP_NS;

            int status = frame.wrap(buffer, 3, length);
            checkView(status, length);
            int egress = sw.forward(ingress, frame, nowNs);
            if (egress == LearningSwitch.DROP) {
                assertNotEquals(DropReason.NONE, sw.lastDropReason(), "a drop without a reason");
            } else if (egress != LearningSwitch.FLOOD) {
                assertTrue(egress >= 0 && egress < PORTS && sw.hasPort(egress), "egress to port " + egress);
                assertNotEquals(ingress, egress, "sent back out of its ingress port");
                assertEquals(FrameStatus.OK, status, "a malformed frame was forwarded");
            }
            if (status != FrameStatus.OK) {
                assertEquals(LearningSwitch.DROP, egress, "a malformed frame was not dropped");
            }
            assertTrue(sw.size() <= TABLE_LIMIT, "table holds " + sw.size());
            for (int port = 0; port < PORTS; port++) {
                assertTrue(sw.dynamicEntryCount(port) <= PER_PORT_LIMIT,
                        "port " + port + " holds " + sw.dynamicEntryCount(port));
            }
        }
    }

    private void checkView(int status, int length) {
        assertTrue(status >= 0 && status < FrameStatus.COUNT, "status " + status);
        if (status != FrameStatus.OK) {
            assertEquals(0, frame.headerLength(), "header fields after a failed wrap");
            return;
        }
        int header = frame.headerLength();
        assertTrue(header == 14 || header == 18 || header == 22, "header length " + header);
        assertTrue(header <= length, "header of " + header + " bytes in a frame of " + length);
        assertTrue(frame.vlanId() >= 0 && frame.vlanId() < EthernetFrame.RESERVED_VLAN_ID, "vlan " + frame.vlanId());
        assertEquals(0, frame.source() >>> 48, "source wider than 48 bits");
        assertEquals(0, frame.destination() >>> 48, "destination wider than 48 bits");
        assertEquals(frame.isTagged(), header > 14, "tagged and header length disagree");
    }
}
