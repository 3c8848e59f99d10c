package org.tapbridge.pipeline;

import com.lmax.disruptor.EventPoller;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.link.Datagrams;
import org.tapbridge.drops.DropReason;
import org.tapbridge.link.PeerLinks;

/**
 * The data path, run to completion on one thread ({@code datapath}): it owns the TAP, the UDP socket,
 * the TCP connections, the ring, the switch and the crypto sessions. Each turn it reads a batch of frames
 * and datagrams into ring slots, switches, seals or opens and sends every one of them, then flushes the
 * sends in one {@code sendmmsg}. Between bursts it spins briefly on a zero-timeout poll, then blocks in
 * {@code poll()} on every descriptor and the wake-up, until the next timer tick.
 */
public final class DataPathLoop implements Runnable {
    private static final System.Logger LOG = System.getLogger(DataPathLoop.class.getName());
    /** Slots per turn: one TAP burst or recvmmsg; a few dozen amortise the syscalls, more only add latency. */
    public static final int BATCH = 64;
    /**
     * The least a read of the TAP or the socket asks for: a frame or datagram and the empty look that shows
     * there is no other, which is what a lone ping needs.
     */
    static final int MIN_READ_AHEAD = 2;
    /** Ring slots: the loop drains each batch before claiming the next, so two batches' worth is plenty. */
    public static final int RING_SLOTS = 4 * BATCH;
    /** Timer duty cycle: fine enough for 1 s damping and keepalives, cheap at ten a second. */
    static final long TICK_NS = 100_000_000L;
    /** A tick longer than this holds frames back by more than a LAN round trip: counted as slow. */
    public static final long SLOW_TICK_NS = 1_000_000L;
    /**
     * Spinning gives the CPU away between looks: on a 2-vCPU gateway the peer's daemon or the LAN host that
     * is producing the reply may need this core, and a yield costs nothing when nobody does.
     */
    static final boolean YIELD_WHILE_SPINNING = Boolean.parseBoolean(System.getProperty("tapbridge.spin-yield", "true"));

    private final LoopWaiter waiter;
    private final FrameRing ring;
    private final TapPort tap;
    private final DatagramPort udp;
    private final PeerLinks links;
    private final Forwarder forwarder;
    private final NanoClock clock;
    private final LoopMailbox mailbox;
    private final long spinNs;
    private final Datagrams rx = new Datagrams(BATCH);
    private final int[] tapOffsets = new int[BATCH];
    private final int[] tapLengths = new int[BATCH];
    /** Reads the next TAP batch asks for: twice what the last one found (see readTap). */
    private int tapReadAhead = MIN_READ_AHEAD;
    /** Datagrams the next receive asks for, likewise (see receiveUdp). */
    private int udpReadAhead = MIN_READ_AHEAD;
    private final int tapHandle;
    private final int udpHandle;
    private final EventPoller.Handler<FrameSlot> slotHandler = this::onSlot;
    private final SlotReader tapReader = this::readTapOnce;
    private final SlotReader udpReader = this::receiveUdpOnce;
    private final RateLimitedLog errors = new RateLimitedLog(LOG, 10_000_000_000L);
    private volatile boolean running = true;
    private volatile long lastTurnNs;
    private volatile String failure;
    private long nowNs;
    private long nextTickNs;
    private long turns;
    private long sleeps;
    private long ticks;
    private long tickNanos;
    private long slowTicks;
    private long handlerFailures;
    private long coalescedDatagrams;
    /** Run with the timers, on this thread; set before the loop starts. */
    private Runnable everyTick = () -> { };

    /**
     * @param spinNs how long to keep polling without blocking after the last work: a reply that comes back
     *               within it is picked up without a wake-up
     */
    public DataPathLoop(LoopWaiter waiter, FrameRing ring, TapPort tap, PeerLinks links, Forwarder forwarder,
                        NanoClock clock, long spinNs) {
        this.waiter = waiter;
        this.ring = ring;
        this.tap = tap;
        this.udp = links.udpPort();
        this.links = links;
        this.forwarder = forwarder;
        this.clock = clock;
        this.spinNs = spinNs;
        this.mailbox = new LoopMailbox(waiter);
        // From now, not from the thread's first turn: a health check between start() and that turn must not
        // see a loop that last turned at time 0.
        this.lastTurnNs = clock.nanoTime();
        this.tapHandle = waiter.add(tap.device().fd(), LoopWaiter.POLLIN);
        this.udpHandle = waiter.add(udp.fd(), LoopWaiter.POLLIN);
    }

    public LoopMailbox mailbox() {
        return mailbox;
    }

    @Override
    public void run() {
        nowNs = clock.nanoTime();
        lastTurnNs = nowNs;
        // The first tick, at once, starts the handshakes (UDP) and the dialling (TCP).
        nextTickNs = nowNs;
        long lastWorkNs = nowNs;
        while (running) {
            try {
                lastWorkNs = runOnce(lastWorkNs);
            } catch (RuntimeException e) {
                // A bug in one turn must not leave the site without its bridge: report it and go on.
                handlerFailures++;
                if (errors.allowed()) {
                    LOG.log(System.Logger.Level.ERROR, "the data-path loop hit a bug and carries on", e);
                }
            } catch (Error e) {
                // Stopped first: building the message may itself fail (OutOfMemoryError), and the daemon must
                // still see a loop that is no longer running. The stack trace goes to the thread's
                // uncaught-exception handler with the rethrow.
                running = false;
                failure = "the data-path loop stopped: " + e;
                LOG.log(System.Logger.Level.ERROR, failure);
                throw e;
            }
        }
    }

    /**
     * One turn on the calling thread that never blocks: due timers, requests, then whatever the TAP and the
     * socket hold, switched, sealed or opened, and sent. Only for benchmarks (same package, benchmarks
     * module) that drive a site whose loop thread never started or has stopped, so that the whole
     * per-frame path runs on the measuring thread.
     */
    void turnOnCallingThread() {
        // Work "just done" keeps the turn in its spinning branch: a zero-timeout look, never a sleep.
        runOnce(clock.nanoTime());
    }

    /** Timers, control requests, then one wait and one batch; returns when work was last finished. */
    private long runOnce(long lastWorkNs) {
        nowNs = clock.nanoTime();
        if (nowNs - nextTickNs >= 0) {
            tick();
        }
        if (!mailbox.isEmpty()) {
            mailbox.runAll(LOG);
        }
        // Timers and requests may have queued messages (handshakes, keepalives, probes): send them now.
        links.flush(nowNs);
        boolean spinning = nowNs - lastWorkNs < spinNs || links.streamsHaveBufferedMessages();
        int timeoutMs = spinning ? 0 : (int) Math.max(1, (nextTickNs - nowNs + 999_999) / 1_000_000);
        if (!spinning) {
            sleeps++;
        }
        if (waiter.await(timeoutMs) || links.streamsHaveBufferedMessages()) {
            nowNs = clock.nanoTime();
            if (turn()) {
                // The spin counts from the end of the work: a turn that sent a frame, or was preempted while
                // sending it, must still look for the answer without sleeping.
                return clock.nanoTime();
            }
        } else if (spinning && YIELD_WHILE_SPINNING) {
            Thread.yield();
        }
        return lastWorkNs;
    }

    /** One batch: read, switch, seal or open, send. Returns true when anything arrived. */
    private boolean turn() {
        turns++;
        boolean tapReady = (waiter.ready(tapHandle) & (LoopWaiter.POLLIN | LoopWaiter.POLLERR)) != 0;
        // POLLERR too: a pending ICMP error (port unreachable) is cleared only by reading it.
        boolean udpReady = (waiter.ready(udpHandle) & (LoopWaiter.POLLIN | LoopWaiter.POLLERR)) != 0;
        checkTapHealth();
        forwarder.learnFromLanes(nowNs);
        int filled = 0;
        if (tapReady || udpReady) {
            // Only the slots filled are claimed and drained: a lone ping then touches one slot, not a batch's
            // worth, which matters most when the loop wakes with cold caches.
            long low = ring.fillAhead(BATCH);
            if (tapReady) {
                filled += readTap(low, udpReady ? BATCH / 2 : BATCH);
            }
            if (udpReady) {
                filled += receiveUdp(low + filled, BATCH - filled);
            }
            if (filled > 0) {
                ring.publishFilled(low, filled);
                try {
                    ring.drain(slotHandler);
                } catch (Exception e) {
                    // onSlot catches per slot; anything here is the ring's own, and must not stop the loop.
                    errors.warn("draining the ring failed: " + e);
                }
            }
        }
        links.serviceStreams(nowNs, forwarder);
        // After the streams too: their segments join runs like the ring's, and the next claim reuses slots.
        tap.endBatch();
        links.flush(nowNs);
        return filled > 0;
    }

    /**
     * Reads into the slots from {@code first}: a read that finds nothing costs a little even in a batch, so
     * ask for about what came last time, with room to grow; a lone ping then pays for one empty read, and a
     * burst ramps up within the turn.
     */
    private int readTap(long first, int max) {
        int n = readDoubling(tapReader, first, max, tapReadAhead);
        tapReadAhead = nextAsk(n);
        return n;
    }

    /**
     * Receives into the slots from {@code first}. Every message a receive offers is set up first, in the ring,
     * the batch and the kernel's headers, which for a lone datagram after a sleep means a whole batch of cold
     * memory: so it asks as the TAP reads do.
     */
    private int receiveUdp(long first, int max) {
        int n = readDoubling(udpReader, first, max, udpReadAhead);
        udpReadAhead = nextAsk(n);
        return n;
    }

    /** Takes up to {@code count} frames or datagrams into the slots from {@code first}; returns how many. */
    @FunctionalInterface
    private interface SlotReader {
        int read(long first, int count);
    }

    /**
     * Asks {@code reader} for {@code ask} items, then for twice as many each time it brings all it was asked
     * for, until it brings fewer or {@code max} are in; returns how many came.
     */
    private static int readDoubling(SlotReader reader, long first, int max, int ask) {
        int n = 0;
        int count = Math.min(ask, max);
        while (n < max) {
            int got = reader.read(first + n, count);
            n += got;
            if (got < count) {
                break;
            }
            count = Math.min(2 * count, max - n);
        }
        return n;
    }

    /** The next ask after a turn that brought {@code n}: twice that, within [MIN_READ_AHEAD, BATCH]. */
    private static int nextAsk(int n) {
        return Math.max(MIN_READ_AHEAD, Math.min(BATCH, 2 * n));
    }

    /** One TAP batch read of up to {@code count} frames into the slots from {@code first}. */
    private int readTapOnce(long first, int count) {
        ByteBuffer memory = null;
        int capacity = 0;
        for (int i = 0; i < count; i++) {
            FrameSlot slot = ring.slot(first + i);
            memory = slot.memory();
            capacity = slot.capacity() - FrameSlot.FRAME_OFFSET - org.tapbridge.crypto.TransportCipher.TAG_LENGTH;
            tapOffsets[i] = slot.base() + FrameSlot.FRAME_OFFSET;
        }
        int got = tap.readBatch(memory, tapOffsets, capacity, count, tapLengths);
        for (int i = 0; i < got; i++) {
            FrameSlot slot = ring.slot(first + i);
            if (tapLengths[i] > 0) {
                slot.tapFrame(tapLengths[i]);
            } else {
                slot.empty();
            }
        }
        return got;
    }

    /** One recvmmsg of up to {@code max} datagrams into the slots from {@code first}; returns how many came. */
    private int receiveUdpOnce(long first, int max) {
        if (max <= 0) {
            return 0;
        }
        for (int i = 0; i < max; i++) {
            FrameSlot slot = ring.slot(first + i);
            rx.point(i, slot.memory(), slot.base(), slot.capacity());
        }
        int n;
        try {
            n = udp.receive(rx, max);
        } catch (IOException e) {
            errors.warn("UDP receive failed: " + e.getMessage());
            return 0;
        }
        for (int i = 0; i < n; i++) {
            FrameSlot slot = ring.slot(first + i);
            if (rx.truncated(i)) {
                // Longer than any message we send: not ours, or from a peer with a bigger MTU.
                links.counters().dropped(DropReason.OVERSIZED);
                slot.empty();
            } else {
                slot.datagram(rx.length(i), rx.segmentSize(i));
                slot.source().set(rx.address(i));
            }
        }
        return n;
    }

    private boolean onSlot(FrameSlot slot, long sequence, boolean endOfBatch) {
        try {
            switch (slot.kind) {
                case FrameSlot.TAP_FRAME -> forwarder.fromTap(slot.memory(), slot.base() + FrameSlot.FRAME_OFFSET,
                        slot.length, nowNs);
                case FrameSlot.DATAGRAM -> receiveDatagrams(slot);
                default -> { }
            }
        } catch (RuntimeException e) {
            // A bug on one frame must not take the data path down: count, log, go on.
            handlerFailures++;
            errors.warn("a frame could not be handled: " + e);
        }
        return true;
    }

    /** One datagram, or each of those the kernel joined, opened where it lies. */
    private void receiveDatagrams(FrameSlot slot) {
        int size = slot.segmentSize;
        if (size <= 0 || size >= slot.length) {
            links.receiveDatagram(slot.memory(), slot.base(), slot.length, slot.source(), nowNs, forwarder);
            return;
        }
        for (int at = 0; at < slot.length; at += size) {
            links.receiveDatagram(slot.memory(), slot.base() + at, Math.min(size, slot.length - at), slot.source(),
                    nowNs, forwarder);
            coalescedDatagrams++;
        }
    }

    private void tick() {
        links.tick(nowNs);
        forwarder.tick(nowNs);
        everyTick.run();
        // Timers share the thread with frames, so a frame that arrives meanwhile waits for them: their cost
        // is latency the operator should be able to see (a path-MTU round, a rekey, cold code after a start).
        long spentNs = clock.nanoTime() - nowNs;
        ticks++;
        tickNanos += spentNs;
        if (spentNs > SLOW_TICK_NS) {
            slowTicks++;
        }
        lastTurnNs = nowNs;
        nextTickNs = nowNs + TICK_NS;
    }

    private void checkTapHealth() {
        short events = waiter.ready(tapHandle);
        if ((events & (LoopWaiter.POLLERR | LoopWaiter.POLLHUP | LoopWaiter.POLLNVAL)) != 0 && failure == null) {
            failure = "the kernel reports an error on TAP " + tap.device().name() + " (it was probably deleted);"
                    + " restart tapbridge once it exists again";
            LOG.log(System.Logger.Level.ERROR, failure);
            waiter.remove(tapHandle);
            running = false;
        }
    }

    /** Runs {@code task} with every timer tick, on the loop's thread. Before the loop starts. */
    public void onTick(Runnable task) {
        this.everyTick = task;
    }

    /** Datagrams that arrived joined with others in one receive (UDP GRO). Loop thread. */
    public long coalescedDatagrams() {
        return coalescedDatagrams;
    }

    /** When the loop last ran its timers ({@code nanoTime}): a stuck loop shows here. Any thread. */
    public long lastTurnNs() {
        return lastTurnNs;
    }

    /** Why the loop stopped by itself, or null. Any thread. */
    public String failure() {
        return failure;
    }

    public boolean running() {
        return running;
    }

    /** Asks the loop to stop after the current turn. Any thread. */
    public void stop() {
        running = false;
        waiter.wakeup();
    }

    /** Turns taken, and how many of them blocked: for the stats. Read on the loop thread. */
    public long turns() {
        return turns;
    }

    /** Timer ticks run; loop thread. */
    public long ticks() {
        return ticks;
    }

    /** Time spent in timer ticks, in nanoseconds; loop thread. */
    public long tickNanos() {
        return tickNanos;
    }

    /** Ticks that took longer than {@link #SLOW_TICK_NS}; loop thread. */
    public long slowTicks() {
        return slowTicks;
    }

    public long sleeps() {
        return sleeps;
    }

    public long handlerFailures() {
        return handlerFailures;
    }
}
