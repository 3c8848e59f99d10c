package org.tapbridge.tap;

import java.nio.charset.StandardCharsets;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * {@code struct ifreq} from {@code <net/if.h>} in native memory, for TUNSETIFF and the SIOC*IF* ioctls.
 * Control path only; one instance per call site, never shared between threads.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +       ifr_name[IFNAMSIZ = 16], NUL-terminated (bytes 0..15)   +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  ifr_flags (short, 16..17)    |  (rest of ifr_mtu)            |  union at 16: ifr_flags or
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  ifr_mtu (int, 16..19)
 * |        remainder of the 24-byte union (bytes 20..39)          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
final class Ifreq {
    static final int IFNAMSIZ = 16;
    static final int NAME_OFFSET = 0;
    static final int FLAGS_OFFSET = 16;
    static final int MTU_OFFSET = 16;
    static final int SIZE = 40;

    private final Pointer memory;

    private Ifreq(Pointer memory) {
        this.memory = memory;
    }

    /** Zeroed native memory; freed by the garbage collector, so it can never be freed under a running call. */
    static Ifreq allocate() {
        return new Ifreq(Memory.allocateDirect(NativeLibC.runtime(), SIZE, true));
    }

    long address() {
        return memory.address();
    }

    /** Writes the name NUL-terminated; the caller has validated it (1..15 bytes). */
    Ifreq name(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("interface name '" + name + "' is " + bytes.length
                    + " bytes, the kernel allows at most " + (IFNAMSIZ - 1));
        }
        memory.put(NAME_OFFSET, bytes, 0, bytes.length);
        memory.putByte(NAME_OFFSET + bytes.length, (byte) 0);
        return this;
    }

    String name() {
        byte[] bytes = new byte[IFNAMSIZ];
        memory.get(NAME_OFFSET, bytes, 0, IFNAMSIZ);
        int length = 0;
        while (length < IFNAMSIZ && bytes[length] != 0) {
            length++;
        }
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    /** ifr_flags as an unsigned 16-bit value. */
    int flags() {
        return memory.getShort(FLAGS_OFFSET) & 0xffff;
    }

    Ifreq flags(int flags) {
        memory.putShort(FLAGS_OFFSET, (short) flags);
        return this;
    }

    int mtu() {
        return memory.getInt(MTU_OFFSET);
    }

    Ifreq mtu(int mtu) {
        memory.putInt(MTU_OFFSET, mtu);
        return this;
    }
}
