package org.tapbridge.switching;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What one {@link SwitchLane} saw and the switch's owner has to learn: a bounded single-producer,
 * single-consumer queue of (VLAN and MAC, port) pairs on preallocated arrays. A full queue refuses the
 * pair: learning is idempotent, and the MAC's next frame offers it again.
 */
final class LearnQueue {
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(LearnQueue.class, "head", long.class);
            TAIL = lookup.findVarHandle(LearnQueue.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] keys;
    private final int[] ports;
    private final int mask;
    /** Next pair the consumer takes; written by the consumer only. */
    private volatile long head;
    /** Next free place; written by the producer only. */
    private volatile long tail;

    LearnQueue(int capacity) {
        int size = Integer.highestOneBit(Math.max(2, capacity) - 1) << 1;
        this.keys = new long[size];
        this.ports = new int[size];
        this.mask = size - 1;
    }

    /** Producer side. False when full. */
    boolean offer(long key, int port) {
        long at = (long) TAIL.getOpaque(this);
        if (at - (long) HEAD.getAcquire(this) > mask) {
            return false;
        }
        int index = (int) at & mask;
        keys[index] = key;
        ports[index] = port;
        TAIL.setRelease(this, at + 1);
        return true;
    }

    /** Whether nothing waits; exact on the producer's side, a hint on any other. */
    boolean isEmpty() {
        return (long) TAIL.getOpaque(this) == (long) HEAD.getAcquire(this);
    }

    /** Consumer side: hands every waiting pair to {@code sink}, in order; returns how many. */
    int drainTo(Sink sink) {
        long from = (long) HEAD.getOpaque(this);
        long to = (long) TAIL.getAcquire(this);
        for (long at = from; at < to; at++) {
            int index = (int) at & mask;
            sink.learn(keys[index], ports[index]);
        }
        if (to != from) {
            HEAD.setRelease(this, to);
        }
        return (int) (to - from);
    }

    int capacity() {
        return mask + 1;
    }

    /** Where drained pairs go. */
    interface Sink {
        void learn(long key, int port);
    }
}
