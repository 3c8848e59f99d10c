package org.tapbridge.offload;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The data path's use of a {@link FlowCoalescer}, as its class comment prescribes: frames sit in ring slots
 * of one direct buffer until the end of the batch; each TAP write is recorded as it would go out (a
 * virtio_net_hdr, then the frame).
 */
final class ReceiveLoop {
    static final int SLOT = 2048;
    static final int HEADROOM = 16;

    /** One TAP write: the header (NONE for plain frames) and the frame. */
    static final class Write {
        final boolean coalesced;
        final byte[] header;
        final byte[] frame;

        Write(boolean coalesced, byte[] header, byte[] frame) {
            this.coalesced = coalesced;
            this.header = header;
            this.frame = frame;
        }
    }

    private final FlowCoalescer coalescer;
    private final ByteBuffer ring;
    final List<Write> writes = new ArrayList<>();

    ReceiveLoop(FlowCoalescer coalescer, int slots) {
        this.coalescer = coalescer;
        this.ring = ByteBuffer.allocateDirect(slots * SLOT);
    }

    /** Runs one batch: every frame through offer/flush, then the final flush. */
    ReceiveLoop batch(List<byte[]> frames) {
        for (int i = 0; i < frames.size(); i++) {
            int at = i * SLOT + HEADROOM;
            ring.put(at, frames.get(i));
            int length = frames.get(i).length;
            if (!coalescer.offer(ring, at, length)) {
                write(coalescer.flush());
                if (!coalescer.offer(ring, at, length)) {
                    writePlain(ring, at, length);
                }
            }
        }
        write(coalescer.flush());
        return this;
    }

    /**
     * Runs one batch as from a TCP link's stream buffer: every frame passes through the same bytes, which are
     * overwritten as soon as the frame was offered, as the next read's compaction would.
     */
    ReceiveLoop streamBatch(List<byte[]> frames) {
        ByteBuffer stream = ByteBuffer.allocateDirect(SLOT);
        for (byte[] bytes : frames) {
            stream.put(HEADROOM, bytes);
            if (!coalescer.offer(stream, HEADROOM, bytes.length, false)) {
                write(coalescer.flush());
                if (!coalescer.offer(stream, HEADROOM, bytes.length, false)) {
                    writePlain(stream, HEADROOM, bytes.length);
                }
            }
            for (int i = 0; i < SLOT; i++) {
                stream.put(i, (byte) 0xEE);
            }
        }
        write(coalescer.flush());
        return this;
    }

    private void write(int flushed) {
        if (flushed == FlowCoalescer.FLUSH_SINGLE) {
            writePlain(coalescer.outputBuffer(), coalescer.outputOffset(), coalescer.outputLength());
        } else if (flushed == FlowCoalescer.FLUSH_COALESCED) {
            int headerLength = coalescer.headerLength();
            byte[] header = new byte[headerLength];
            coalescer.outputBuffer().get(coalescer.outputOffset(), header);
            byte[] frame = new byte[coalescer.outputLength() - headerLength];
            coalescer.outputBuffer().get(coalescer.outputOffset() + headerLength, frame);
            writes.add(new Write(true, header, frame));
        }
    }

    private void writePlain(ByteBuffer buffer, int offset, int length) {
        byte[] frame = new byte[length];
        buffer.get(offset, frame);
        writes.add(new Write(false, new byte[coalescer.headerLength()], frame));
    }
}
