package org.tapbridge.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.offload.OffloadStatus;

/**
 * A super-frame whose vnet header is valid but whose headers do not parse, flooded from the TAP: dropped,
 * counted once as one frame, nothing sent to any peer.
 */
class MalformedSuperFrameTest {
    private static final long HOST = 0x02_00_00_00_0A_01L;
    private static final long UNKNOWN_HOST = 0x02_00_00_00_0B_01L;

    @TempDir
    Path dir;

    private OffloadHub hub;

    @AfterEach
    void stop() {
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void tsoSuperFrameWhoseIpLengthDisagreesIsDroppedCountedOnceAndNothingIsSent() throws Exception {
        hub = new OffloadHub(dir, 12);
        hub.awaitPeersUp();
        byte[] superFrame = TcpFrames.tcp(UNKNOWN_HOST, HOST, 1, 1, TcpFrames.ACK, TcpFrames.payload(8000, 6), true);
        superFrame[TcpFrames.IP_START + 2] ^= 0x01; // IPv4 total length 256 bytes off the frame

        hub.tap.inject(TcpFrames.concat(TcpFrames.tsoHeader(12, 1448), superFrame));
        hub.turnUntil(() -> hub.tapPort.framesRead() == 1, 2_000);
        hub.loop.turnOnCallingThread();

        assertNull(hub.tapB.takeWritten(300), "a super-frame that does not parse must not reach peer b");
        assertNull(hub.tapC.takeWritten(100), "nor peer c");
        assertEquals(0, hub.peer("b").counters().txFrames() + hub.peer("c").counters().txFrames());
        assertEquals(1, hub.cutter.refused(OffloadStatus.IP_LENGTH_MISMATCH),
                "one frame refused, however many peers it was flooded to");
    }
}
