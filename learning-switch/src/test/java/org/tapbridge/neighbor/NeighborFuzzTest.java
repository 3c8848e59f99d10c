package org.tapbridge.neighbor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.switching.SwitchSettings;

/**
 * Coverage-guided fuzzing of ARP/ND parsing, learning and answering in {@link NeighborSuppressor} (Jazzer; see
 * scripts/fuzz.sh). Input: records of {@code port (u8, mod 3), length (u8), frame}, fed in order to one
 * suppressor with a small table, the clock advancing 100 ms per record. Every frame must give a verdict and no
 * exception, stay unchanged, be answered only when it came from the TAP, and every answer must be a whole ARP
 * reply or an NA with a valid checksum; the table never exceeds its limit. Seeds and regression inputs:
 * {@code src/test/resources/org/tapbridge/neighbor/NeighborFuzzTestInputs/}.
 */
class NeighborFuzzTest {
    private static final int LIMIT = 16;

    @FuzzTest
    void inspectsAnyFrameWithinItsRules(byte[] input) {
        NeighborSuppressor suppressor = new NeighborSuppressor(SwitchSettings.builder().arpSuppression(true)
                .neighborTableLimit(LIMIT).neighborAgingSeconds(2).build(), new Recorder(), 1);
        EthernetFrame frame = new EthernetFrame();
        ByteBuffer buffer = ByteBuffer.allocateDirect(256);
        long nowNs = 1_000_000_000L;
        int at = 0;
        while (at + 2 <= input.length) {
            int port = (input[at] & 0xFF) % 3;
            int length = Math.min(input[at + 1] & 0xFF, input.length - at - 2);
            byte[] bytes = new byte[length];
            System.arraycopy(input, at + 2, bytes, 0, length);
            at += 2 + length;
            for (int i = 0; i < length; i++) {
                buffer.put(i, bytes[i]);
            }
            frame.wrap(buffer, 0, length);
            int verdict = suppressor.inspect(port, frame, nowNs);
            assertTrue(verdict == NeighborSuppressor.PASS || verdict == NeighborSuppressor.DROP
                    || verdict == NeighborSuppressor.ANSWER, "verdict " + verdict);
            assertArrayEquals(bytes, NeighborFrames.bytes(buffer, 0, length), "the frame was written to");
            if (verdict == NeighborSuppressor.ANSWER) {
                assertEquals(0, port, "answered a frame from a peer");
                checkAnswer(NeighborFrames.bytes(suppressor.reply(), suppressor.replyOffset(), suppressor.replyLength()),
                        frame.headerLength());
            }
            assertTrue(suppressor.size() <= LIMIT, "table holds " + suppressor.size());
            nowNs += 100_000_000L;
            if ((at & 7) == 0) {
                suppressor.tick(nowNs);
            }
        }
    }

    private static void checkAnswer(byte[] reply, int headerLength) {
        int type = (reply[headerLength - 2] & 0xFF) << 8 | reply[headerLength - 1] & 0xFF;
        if (type == 0x0806) {
            assertTrue(reply.length >= 60 && reply.length >= headerLength + 28, "ARP reply of " + reply.length);
            assertEquals(2, reply[headerLength + 7], "ARP operation");
            for (int i = 0; i < 6; i++) {
                assertEquals(reply[i], reply[headerLength + 18 + i], "destination is the target hardware address");
                assertEquals(reply[6 + i], reply[headerLength + 8 + i], "source is the sender hardware address");
            }
            return;
        }
        assertEquals(0x86DD, type, "answer EtherType");
        assertEquals(headerLength + 40 + 32, reply.length);
        assertEquals(255, reply[headerLength + 7] & 0xFF, "hop limit");
        assertEquals(136, reply[headerLength + 40] & 0xFF, "NA");
        assertEquals(0, NeighborFrames.referenceChecksum(reply, headerLength, headerLength + 40, 32), "NA checksum");
    }
}
