package org.tapbridge.pipeline;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.tapbridge.offload.FlowCoalescer;
import org.tapbridge.tap.TapDevice;
import org.tapbridge.tap.TapOffloads;

/**
 * The TAP as the data-path loop uses it: non-blocking reads into ring slots, writes of whole frames, and
 * the counters operators see. A read that fills the whole slot may have been cut short by the kernel and
 * is never forwarded. Owned by the data-path thread, which also reads the counters for reports.
 *
 * <p>With a vnet header ({@link TapDevice#vnetHeaderLength()} bytes before every frame, both ways) a read
 * lands with its header just before the frame's offset, and a plain write puts a zero header (a complete
 * frame, nothing to do) just before the frame, in the room every frame has there, restoring those bytes
 * afterwards. With coalescing on, TCP segments (and UDP datagrams, where the TAP takes USO) that arrive
 * from peers are held and joined into one super-frame per flow and batch ({@link FlowCoalescer}), so the
 * kernel takes a burst in one write: those in the ring where they lie, those from memory that moves on
 * sooner (a TCP link's stream buffer, a reassembly) copied into the coalescer. {@link #endBatch()} writes
 * what is held before the ring's slots are reused.
 */
public final class TapPort {
    private static final System.Logger LOG = System.getLogger(TapPort.class.getName());

    /**
     * A UDP super-frame lands up to 64 datagrams in the local stack at once, in this thread's own time. A
     * receiver that shares our CPU (on a small gateway, or a host in a namespace beside it) can only read them
     * once it runs: written back to back, the next super-frames find its socket buffer full and are dropped
     * there. Yielding after each one lets it run in between, and costs one system call per super-frame when
     * nobody is waiting for the CPU. TCP super-frames are left out: the receiver's window already keeps its
     * buffer from overflowing, and yielding after them cost single-stream TCP about a tenth on the testbed.
     * Figures in docs/datapath.md. {@code -Dtapbridge.super-frame-yield=false} turns it off.
     */
    static final boolean YIELD_AFTER_SUPER_FRAME =
            Boolean.parseBoolean(System.getProperty("tapbridge.super-frame-yield", "true"));
    private final TapDevice tap;
    private final int vnetHeaderLength;
    private final RateLimitedLog errors = new RateLimitedLog(LOG, 10_000_000_000L);
    /** Frames whose room before them is too small for a vnet header are copied here first. */
    private final ByteBuffer headed;
    private FlowCoalescer coalescer;
    /** The only memory whose frames may be held where they lie until {@link #endBatch()}: the ring's. */
    private ByteBuffer holdable;
    private long framesRead;
    private long truncated;
    private long framesWritten;
    private long writeDrops;
    private long readErrors;

    public TapPort(TapDevice tap) {
        this.tap = tap;
        this.vnetHeaderLength = tap.vnetHeaderLength();
        if (vnetHeaderLength > FrameSlot.FRAME_OFFSET) {
            throw new IllegalArgumentException("a vnet header of " + vnetHeaderLength + " bytes does not fit the "
                    + FrameSlot.FRAME_OFFSET + " bytes before a frame in its slot");
        }
        this.headed = vnetHeaderLength == 0 ? null
                : ByteBuffer.allocateDirect(vnetHeaderLength + FrameSizes.maxFrame(FrameSizes.MAX_TAP_MTU));
    }

    public TapDevice device() {
        return tap;
    }

    /** Bytes of vnet header before every frame: 0 for plain frames. */
    public int vnetHeaderLength() {
        return vnetHeaderLength;
    }

    /**
     * Joins TCP segments bound for the TAP into super-frames, and UDP datagrams too where the TAP took the USO
     * offloads (a kernel that knows them takes UDP super-frames), holding those that lie in
     * {@code ringMemory} until {@link #endBatch()}. Only with a vnet header.
     */
    public void coalesceFrom(ByteBuffer ringMemory) {
        if (vnetHeaderLength == 0) {
            throw new IllegalStateException("TAP " + tap.name() + " has no vnet header: nothing to coalesce into");
        }
        boolean coalesceUdp = TapOffloads.takesUso(tap.offloads())
                && Boolean.parseBoolean(System.getProperty("tapbridge.udp-coalescing", "true"));
        this.coalescer = new FlowCoalescer(vnetHeaderLength, coalesceUdp);
        this.holdable = ringMemory;
    }

    /** Null unless {@link #coalesceFrom} was called. */
    public FlowCoalescer coalescer() {
        return coalescer;
    }

    /**
     * Reads one frame to {@code buf[offset, ...)}, at most {@code capacity} bytes of it; its vnet header, if
     * the TAP has one, lands just before {@code offset}. Returns the frame's length, 0 when none is waiting
     * or it was unusable (counted), -1 when the device failed (logged, counted).
     */
    int read(ByteBuffer buf, int offset, int capacity) {
        int n;
        int readCapacity = capacity + vnetHeaderLength;
        try {
            n = tap.read(buf, offset - vnetHeaderLength, readCapacity);
        } catch (IOException e) {
            readErrors++;
            errors.warn("reading TAP " + tap.name() + " failed: " + e.getMessage());
            return -1;
        }
        return usableLength(n, readCapacity);
    }

    /** The frame's length behind its vnet header, or 0 for a read that is empty or may have been cut short. */
    private int usableLength(int n, int readCapacity) {
        if (n <= vnetHeaderLength) {
            return 0;
        }
        if (n >= readCapacity) {
            truncated++;
            errors.warn("TAP " + tap.name() + " delivered a frame of " + (n - vnetHeaderLength)
                    + " bytes or more; its MTU is larger than tapbridge was started with");
            return 0;
        }
        framesRead++;
        return n - vnetHeaderLength;
    }

    /**
     * Reads up to {@code count} frames, frame i to {@code buf[offsets[i], ...)}, at most {@code capacity}
     * bytes each, vnet headers just before; {@code lengths[i]} gets each frame's length, or 0 for one that was
     * unusable (counted). Returns how many reads found a frame (they fill the first offsets), fewer than
     * {@code count} when nothing more was waiting; 0 also when the device failed (logged, counted). The
     * offsets are moved back by the vnet header for the call and restored.
     */
    int readBatch(ByteBuffer buf, int[] offsets, int capacity, int count, int[] lengths) {
        int readCapacity = capacity + vnetHeaderLength;
        for (int i = 0; i < count; i++) {
            offsets[i] -= vnetHeaderLength;
        }
        int n;
        try {
            n = tap.readBatch(buf, offsets, readCapacity, count, lengths);
        } catch (IOException e) {
            readErrors++;
            errors.warn("reading TAP " + tap.name() + " failed: " + e.getMessage());
            n = 0;
        } finally {
            for (int i = 0; i < count; i++) {
                offsets[i] += vnetHeaderLength;
            }
        }
        for (int i = 0; i < n; i++) {
            lengths[i] = usableLength(lengths[i], readCapacity);
        }
        return n;
    }

    /** Read calls made so far: fewer than frames when the device reads them in batches. */
    public long readCalls() {
        return tap.readCalls();
    }

    /** Writes (or, coalescing, may hold until {@link #endBatch()}) the frame at {@code buf[offset, +length)}. */
    void write(ByteBuffer buf, int offset, int length) {
        if (coalescer == null) {
            writePlain(buf, offset, length);
            return;
        }
        // Memory that may change before the batch ends (a TCP stream's buffer, a reassembly) is copied into
        // the coalescer rather than held where it lies.
        boolean memoryStays = buf == holdable;
        if (coalescer.offer(buf, offset, length, memoryStays)) {
            return;
        }
        writeHeld();
        if (coalescer.offer(buf, offset, length, memoryStays)) {
            return;
        }
        writePlain(buf, offset, length);
    }

    /** Writes whatever the coalescer holds: the ring's slots are about to be reused. */
    void endBatch() {
        if (coalescer != null) {
            writeHeld();
        }
    }

    private void writeHeld() {
        switch (coalescer.flush()) {
            case FlowCoalescer.FLUSH_SINGLE:
                writePlain(coalescer.outputBuffer(), coalescer.outputOffset(), coalescer.outputLength());
                break;
            case FlowCoalescer.FLUSH_COALESCED:
                writeRaw(coalescer.outputBuffer(), coalescer.outputOffset(), coalescer.outputLength());
                if (YIELD_AFTER_SUPER_FRAME && coalescer.lastFlushWasUdp()) {
                    Thread.yield();
                }
                break;
            default:
                break;
        }
    }

    private void writePlain(ByteBuffer buf, int offset, int length) {
        if (vnetHeaderLength == 0) {
            writeRaw(buf, offset, length);
        } else if (offset >= vnetHeaderLength && buf.isDirect() && !buf.isReadOnly()) {
            int at = offset - vnetHeaderLength;
            // The room before a frame held a message header that may still be read (a flood sends the same
            // frame on), so it is put back as it was.
            long first = buf.getLong(at);
            int second = vnetHeaderLength == 12 ? buf.getInt(at + 8) : buf.getShort(at + 8);
            buf.putLong(at, 0L);
            if (vnetHeaderLength == 12) {
                buf.putInt(at + 8, 0);
            } else {
                buf.putShort(at + 8, (short) 0);
            }
            writeRaw(buf, at, length + vnetHeaderLength);
            buf.putLong(at, first);
            if (vnetHeaderLength == 12) {
                buf.putInt(at + 8, second);
            } else {
                buf.putShort(at + 8, (short) second);
            }
        } else if (length <= headed.capacity() - vnetHeaderLength) {
            for (int i = 0; i < vnetHeaderLength; i++) {
                headed.put(i, (byte) 0);
            }
            headed.put(vnetHeaderLength, buf, offset, length);
            writeRaw(headed, 0, length + vnetHeaderLength);
        } else {
            writeDrops++;
        }
    }

    private void writeRaw(ByteBuffer buf, int offset, int length) {
        try {
            if (tap.write(buf, offset, length)) {
                framesWritten++;
            } else {
                writeDrops++;
            }
        } catch (IOException e) {
            writeDrops++;
            errors.warn("writing to TAP " + tap.name() + " failed: " + e.getMessage());
        }
    }

    public long framesRead() {
        return framesRead;
    }

    public long truncated() {
        return truncated;
    }

    public long framesWritten() {
        return framesWritten;
    }

    public long writeDrops() {
        return writeDrops;
    }

    public long readErrors() {
        return readErrors;
    }
}
