package org.tapbridge.pipeline;

import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;
import java.nio.ByteBuffer;

/**
 * The home of the frame slots: a single-producer Disruptor ring whose slots are slices of one direct
 * buffer, filled and drained by the same data-path thread. The loop reads into the slots ahead of the
 * cursor ({@link #fillAhead}), claims and publishes those it filled ({@link #publishFilled}), and drains
 * them through an {@link EventPoller}; nothing waits on the ring, so the claim never blocks (the poller
 * always catches up before the next batch).
 */
public final class FrameRing {
    private final RingBuffer<FrameSlot> ring;
    private final EventPoller<FrameSlot> poller;
    private final int slotCapacity;

    /**
     * @param slots        a power of two, at least twice the largest batch
     * @param slotCapacity bytes per slot
     */
    public FrameRing(int slots, int slotCapacity) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("ring slots=" + slots + " is not a power of two");
        }
        this.slotCapacity = slotCapacity;
        ByteBuffer memory = ByteBuffer.allocateDirect(Math.multiplyExact(slots, slotCapacity));
        int[] next = {0};
        ring = RingBuffer.createSingleProducer(() -> {
            int start = next[0]++ * slotCapacity;
            return new FrameSlot(memory, start, slotCapacity);
        }, slots, new NeverWaits());
        poller = ring.newPoller();
        ring.addGatingSequences(poller.getSequence());
    }

    public int slotCapacity() {
        return slotCapacity;
    }

    public int size() {
        return ring.getBufferSize();
    }

    /**
     * The first sequence of the next batch, whose {@code n} slots may be filled before they are claimed. The
     * producer drains every batch itself before it fills the next, so slots past the cursor hold nothing
     * anyone still reads; filling first lets a turn claim, publish and drain only the slots it filled.
     */
    public long fillAhead(int n) {
        if (!ring.hasAvailableCapacity(n)) {
            throw new IllegalStateException("the data-path ring has not drained its last batch; nothing may fill"
                    + " slots that are still being read");
        }
        return ring.getCursor() + 1;
    }

    public FrameSlot slot(long sequence) {
        return ring.get(sequence);
    }

    /** Claims and publishes the {@code n} slots filled from {@code low}, the sequence {@link #fillAhead} gave. */
    public void publishFilled(long low, int n) {
        long high = ring.next(n);
        if (high != low + n - 1) {
            throw new IllegalStateException("the data-path ring claimed " + (high - n + 1) + ".." + high
                    + " but slots " + low + ".." + (low + n - 1) + " were filled");
        }
        ring.publish(low, high);
    }

    /** Runs {@code handler} over every published slot not yet drained. */
    public void drain(EventPoller.Handler<FrameSlot> handler) throws Exception {
        poller.poll(handler);
    }

    /**
     * The ring is drained by the thread that fills it, so no one ever waits on it: the strategy only
     * documents that, and fails loudly if a future change makes someone wait.
     */
    private static final class NeverWaits implements WaitStrategy {
        @Override
        public long waitFor(long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier) {
            throw new IllegalStateException("the data-path ring is drained by its producer; nothing may wait on it");
        }

        @Override
        public void signalAllWhenBlocking() {
            // Nobody blocks.
        }
    }
}
