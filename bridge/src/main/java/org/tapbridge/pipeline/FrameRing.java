package org.tapbridge.pipeline;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The Disruptor ring between the frame producers (TAP reader, peer receivers, ticker, control) and
 * the two consumer stages, switch then egress. Slot memory is one direct buffer carved up at start.
 */
public final class FrameRing {
    private static final System.Logger LOG = System.getLogger(FrameRing.class.getName());

    private final Disruptor<FrameEvent> disruptor;
    private final RingBuffer<FrameEvent> ring;
    private final int slotCapacity;

    /**
     * @param slots a power of two
     * @param slotCapacity bytes per slot: the largest frame the site can carry
     */
    public FrameRing(int slots, int slotCapacity, EventHandler<FrameEvent> switchStage,
                     EventHandler<FrameEvent> egressStage) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("ring slots=" + slots + " is not a power of two");
        }
        this.slotCapacity = slotCapacity;
        ByteBuffer memory = ByteBuffer.allocateDirect(Math.multiplyExact(slots, slotCapacity));
        int[] next = {0};
        ThreadFactory threads = new StageThreadFactory("switch", "egress");
        // Blocking waits beat yielding and sleeping on two cores: a spinning consumer steals the
        // producer's core.
        disruptor = new Disruptor<>(() -> {
            int start = next[0]++ * slotCapacity;
            return new FrameEvent(memory.slice(start, slotCapacity));
        }, slots, threads, ProducerType.MULTI, new BlockingWaitStrategy());
        disruptor.setDefaultExceptionHandler(new LoggingExceptionHandler());
        disruptor.handleEventsWith(switchStage).then(egressStage);
        ring = disruptor.getRingBuffer();
    }

    public void start() {
        disruptor.start();
    }

    /** Lets the consumers drain what was published, then stops them. */
    public void stop(long timeoutMillis) {
        try {
            disruptor.shutdown(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            disruptor.halt();
        }
    }

    public int slotCapacity() {
        return slotCapacity;
    }

    /** Claims the next slot, waiting if the ring is full. The caller must publish it, even if empty. */
    public long claim() {
        return ring.next();
    }

    /** Claims the next slot, or returns -1 at once when the ring is full. */
    public long tryClaim() {
        try {
            return ring.tryNext();
        } catch (InsufficientCapacityException e) {
            return -1;
        }
    }

    public FrameEvent slot(long sequence) {
        return ring.get(sequence);
    }

    public void publish(long sequence) {
        ring.publish(sequence);
    }

    /** Publishes a periodic tick for the switch (aging) and egress (keepalives) stages. */
    public void publishTick() {
        long seq = ring.next();
        ring.get(seq).setTick();
        ring.publish(seq);
    }

    /**
     * Queues a command for the switch thread, after every frame published before it; false when the
     * ring stayed full. Never call it from a ring consumer: waiting on its own ring would never end.
     */
    public boolean tryPublishCommand(SwitchCommand command) {
        long seq = tryClaim();
        if (seq < 0) {
            return false;
        }
        ring.get(seq).setCommand(command);
        ring.publish(seq);
        return true;
    }

    private static final class LoggingExceptionHandler implements ExceptionHandler<FrameEvent> {
        // One bad event must never wedge the ring: log, and let the sequence move on.
        @Override
        public void handleEventException(Throwable ex, long sequence, FrameEvent event) {
            if (ex instanceof Error e) {
                throw e;
            }
            LOG.log(System.Logger.Level.ERROR, "ring event " + sequence + " failed; continuing", ex);
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            LOG.log(System.Logger.Level.ERROR, "ring stage failed to start", ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            LOG.log(System.Logger.Level.WARNING, "ring stage failed to stop cleanly", ex);
        }
    }

    /** Names the consumer threads after their role, in the order the stages are wired. */
    private static final class StageThreadFactory implements ThreadFactory {
        private final String[] names;
        private int created;

        StageThreadFactory(String... names) {
            this.names = names;
        }

        @Override
        public synchronized Thread newThread(Runnable r) {
            String name = created < names.length ? names[created] : "ring-" + created;
            created++;
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        }
    }
}
