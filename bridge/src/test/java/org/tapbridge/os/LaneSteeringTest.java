package org.tapbridge.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.kenai.jffi.MemoryIO;
import java.lang.ref.Reference;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;

/**
 * Pins the lane program instruction by instruction to numbers from {@code <linux/bpf_common.h>} written out
 * here (BPF_LD 0x00, BPF_B 0x10, BPF_ABS 0x20, BPF_JMP 0x05, BPF_JGE 0x30, BPF_K 0x00, BPF_RET 0x06,
 * BPF_A 0x10), so a wrong constant in LaneSteering fails here rather than steering to the wrong socket.
 */
class LaneSteeringTest {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    @Test
    void opcodePartsAreTheBpfCommonValues() {
        assertEquals(0x00, LaneSteering.BPF_LD);
        assertEquals(0x10, LaneSteering.BPF_B);
        assertEquals(0x20, LaneSteering.BPF_ABS);
        assertEquals(0x05, LaneSteering.BPF_JMP);
        assertEquals(0x30, LaneSteering.BPF_JGE);
        assertEquals(0x00, LaneSteering.BPF_K);
        assertEquals(0x06, LaneSteering.BPF_RET);
        assertEquals(0x10, LaneSteering.BPF_A);
    }

    @Test
    void loadsTheLaneByteReturnsItBelowLanesAndZeroOtherwise() {
        Pointer memory = NativeSockets.allocate(LaneSteering.NATIVE_BYTES);
        long fprog = memory.address();
        new LaneSteering(2, 3).writeTo(fprog);
        assertEquals(4, MEMORY.getShort(fprog + 0), "sock_fprog.len");
        long filter = MEMORY.getAddress(fprog + 8);
        assertEquals(fprog + 16, filter, "sock_fprog.filter points at the array right after it");
        // code, jt, jf, k as printed by a C program from BPF_STMT/BPF_JUMP with the header's macros.
        assertInstruction(filter, 0, 0x00 | 0x10 | 0x20, 0, 0, 2); // ldb [2]: 0x30
        assertInstruction(filter, 1, 0x05 | 0x30 | 0x00, 1, 0, 3); // jge #3, to 3, else 2: 0x35
        assertInstruction(filter, 2, 0x06 | 0x10, 0, 0, 0); // ret a: 0x16
        assertInstruction(filter, 3, 0x06 | 0x00, 0, 0, 0); // ret #0: 0x06
        Reference.reachabilityFence(memory);
    }

    @Test
    void carriesTheOffsetAndLaneCountIntoTheirInstructionsAtTheLimits() {
        Pointer memory = NativeSockets.allocate(LaneSteering.NATIVE_BYTES);
        long fprog = memory.address();
        new LaneSteering(65535, 255).writeTo(fprog);
        long filter = fprog + 16;
        assertInstruction(filter, 0, 0x30, 0, 0, 65535);
        assertInstruction(filter, 1, 0x35, 1, 0, 255);
        Reference.reachabilityFence(memory);
    }

    @Test
    void refusesValuesOutOfRangeNamingValueAndLimit() {
        assertEquals("lanes=0 < 1", refusal(2, 0));
        assertEquals("lanes=256 > 255", refusal(2, 256));
        assertEquals("lane byte payloadOffset=-1 < 0", refusal(-1, 1));
        assertEquals("lane byte payloadOffset=65536 > 65535 (the largest UDP payload)", refusal(65536, 1));
    }

    private static void assertInstruction(long filter, int index, int code, int jt, int jf, int k) {
        long at = filter + index * 8L;
        String where = "instruction " + index;
        assertEquals(code, MEMORY.getShort(at) & 0xffff, where + " code");
        assertEquals(jt, MEMORY.getByte(at + 2) & 0xff, where + " jt");
        assertEquals(jf, MEMORY.getByte(at + 3) & 0xff, where + " jf");
        assertEquals(k, MEMORY.getInt(at + 4), where + " k");
    }

    private static String refusal(int payloadOffset, int lanes) {
        return assertThrows(IllegalArgumentException.class, () -> new LaneSteering(payloadOffset, lanes)).getMessage();
    }
}
