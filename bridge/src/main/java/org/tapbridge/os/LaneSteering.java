package org.tapbridge.os;

import static org.tapbridge.os.NativeSockets.MEMORY;

/**
 * The classic BPF program that picks the socket of a reuseport group by one byte of each datagram's UDP
 * payload, the lane index, laid out as the {@code struct sock_fprog} that
 * {@link UdpSocket#steerToLaneByte} hands to setsockopt(SO_ATTACH_REUSEPORT_CBPF). Immutable; any thread.
 *
 * <p>For UDP the kernel runs the program with the packet data starting at the UDP payload
 * (reuseport_select_sock pulls the 8-byte UDP header first), and takes the returned value as the index of a
 * socket in the group, in the order the sockets were bound; an index at or beyond the group's size makes it
 * fall back to its hash of addresses and ports.
 *
 * <pre>
 * program (struct sock_filter[4]):
 *   0: ldb [payloadOffset]         BPF_LD|BPF_B|BPF_ABS   A = payload[payloadOffset]
 *   1: jge #lanes, 3, 2            BPF_JMP|BPF_JGE|BPF_K  not a lane: lane 0
 *   2: ret a                       BPF_RET|BPF_A          the lane byte is the socket index
 *   3: ret #0                      BPF_RET|BPF_K
 *
 * struct sock_filter (8 bytes)             struct sock_fprog (16 bytes)
 *  0        2    3    4          8          0       2         8                16
 * +--------+----+----+----------+          +-------+---------+----------------+
 * | code   | jt | jf |    k     |          | len   |  pad    | filter (ptr)   |
 * | (u16)  |(u8)|(u8)|  (u32)   |          | (u16) |         |                |
 * +--------+----+----+----------+          +-------+---------+----------------+
 * native memory written by writeTo: sock_fprog at 0, its filter pointing at the array at 16
 * </pre>
 */
public final class LaneSteering {
    /** Most lanes one program steers to: one payload byte numbers them, 0..254, so that 255 is never a lane. */
    public static final int MAX_LANES = 255;
    /** Largest payload offset of the lane byte: a UDP payload never reaches beyond 65535 bytes. */
    public static final int MAX_PAYLOAD_OFFSET = 0xffff;

    static final int SOCK_FILTER_SIZE = 8;
    static final int CODE_OFFSET = 0;
    static final int JT_OFFSET = 2;
    static final int JF_OFFSET = 3;
    static final int K_OFFSET = 4;
    static final int SOCK_FPROG_SIZE = 16;
    static final int FPROG_LEN_OFFSET = 0;
    static final int FPROG_FILTER_OFFSET = 8;

    // Classic BPF opcode parts: <linux/bpf_common.h>, pinned by LaneSteeringTest.
    static final int BPF_LD = 0x00;
    static final int BPF_JMP = 0x05;
    static final int BPF_RET = 0x06;
    static final int BPF_B = 0x10;
    static final int BPF_ABS = 0x20;
    static final int BPF_JGE = 0x30;
    static final int BPF_K = 0x00;
    static final int BPF_A = 0x10;

    static final int INSTRUCTIONS = 4;
    /** The sock_fprog and, after it, the program it points at: one allocation. */
    static final int NATIVE_BYTES = SOCK_FPROG_SIZE + INSTRUCTIONS * SOCK_FILTER_SIZE;

    private final int payloadOffset;
    private final int lanes;

    /**
     * A program steering a datagram whose payload byte at {@code payloadOffset} (0..{@value #MAX_PAYLOAD_OFFSET})
     * is below {@code lanes} (1..{@value #MAX_LANES}) to the socket of that index, and every other one to
     * socket 0.
     */
    public LaneSteering(int payloadOffset, int lanes) {
        if (payloadOffset < 0) {
            throw new IllegalArgumentException("lane byte payloadOffset=" + payloadOffset + " < 0");
        }
        if (payloadOffset > MAX_PAYLOAD_OFFSET) {
            throw new IllegalArgumentException("lane byte payloadOffset=" + payloadOffset + " > "
                    + MAX_PAYLOAD_OFFSET + " (the largest UDP payload)");
        }
        if (lanes < 1) {
            throw new IllegalArgumentException("lanes=" + lanes + " < 1");
        }
        if (lanes > MAX_LANES) {
            throw new IllegalArgumentException("lanes=" + lanes + " > " + MAX_LANES);
        }
        this.payloadOffset = payloadOffset;
        this.lanes = lanes;
    }

    public int payloadOffset() {
        return payloadOffset;
    }

    public int lanes() {
        return lanes;
    }

    /**
     * Writes the sock_fprog at {@code address} and the program right after it, {@link #NATIVE_BYTES} in all;
     * the caller owns that memory, which setsockopt copies.
     */
    void writeTo(long address) {
        long filter = address + SOCK_FPROG_SIZE;
        MEMORY.putLong(address, 0); // len and the padding after it
        MEMORY.putShort(address + FPROG_LEN_OFFSET, (short) INSTRUCTIONS);
        MEMORY.putAddress(address + FPROG_FILTER_OFFSET, filter);
        // A datagram shorter than payloadOffset + 1 makes the BPF_ABS load abort the program, which then
        // returns 0: such a datagram goes to lane 0, as an out-of-range byte does.
        instruction(filter, 0, BPF_LD | BPF_B | BPF_ABS, 0, 0, payloadOffset);
        instruction(filter, 1, BPF_JMP | BPF_JGE | BPF_K, 1, 0, lanes);
        instruction(filter, 2, BPF_RET | BPF_A, 0, 0, 0);
        instruction(filter, 3, BPF_RET | BPF_K, 0, 0, 0);
    }

    private static void instruction(long filter, int index, int code, int jt, int jf, int k) {
        long at = filter + (long) index * SOCK_FILTER_SIZE;
        MEMORY.putShort(at + CODE_OFFSET, (short) code);
        MEMORY.putByte(at + JT_OFFSET, (byte) jt);
        MEMORY.putByte(at + JF_OFFSET, (byte) jf);
        MEMORY.putInt(at + K_OFFSET, k);
    }

    @Override
    public String toString() {
        return "lane = payload byte " + payloadOffset + " if below " + lanes + ", else 0";
    }
}
