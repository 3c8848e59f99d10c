package org.tapbridge.pipeline;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * {@link LoopWaiter} for in-memory devices (two daemons in one JVM, the warm-up): sources say whether they
 * hold data ({@link #watch}) and ring {@link #wakeup()} when something arrives; the loop parks in between.
 * Every registered handle reports what it watches for, so the loop simply tries it. Allocation-free once
 * set up. Owned by the loop thread, except {@link #wakeup()}.
 */
public final class MemoryWaiter implements LoopWaiter {
    private short[] events = new short[8];
    private int handles;
    private BooleanSupplier[] watched = new BooleanSupplier[0];
    private volatile boolean signalled;
    private volatile Thread owner;

    /** A source the loop should not sleep on while it holds data (level-triggered, like poll). Setup only. */
    public synchronized void watch(BooleanSupplier hasData) {
        watched = Arrays.copyOf(watched, watched.length + 1);
        watched[watched.length - 1] = hasData;
    }

    @Override
    public int add(int fd, short events) {
        if (handles == this.events.length) {
            this.events = Arrays.copyOf(this.events, handles * 2);
        }
        this.events[handles] = events;
        return handles++;
    }

    @Override
    public void events(int handle, short events) {
        this.events[handle] = events;
    }

    @Override
    public void remove(int handle) {
        events[handle] = 0;
    }

    @Override
    public boolean await(int timeoutMs) {
        owner = Thread.currentThread();
        if (ready()) {
            return true;
        }
        if (timeoutMs > 0) {
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(timeoutMs));
        }
        return ready();
    }

    private boolean ready() {
        if (signalled) {
            signalled = false;
            return true;
        }
        BooleanSupplier[] sources = watched;
        for (int i = 0; i < sources.length; i++) {
            if (sources[i].getAsBoolean()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public short ready(int handle) {
        return events[handle];
    }

    @Override
    public void wakeup() {
        signalled = true;
        Thread t = owner;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public void close() {
        wakeup();
    }
}
