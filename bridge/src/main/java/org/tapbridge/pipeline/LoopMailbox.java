package org.tapbridge.pipeline;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Work other threads hand to the data-path loop (control queries, shutdown): queued, then the loop is
 * woken and runs it between batches, so everything the loop owns is touched by the loop alone.
 */
public final class LoopMailbox {
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final LoopWaiter waiter;

    LoopMailbox(LoopWaiter waiter) {
        this.waiter = waiter;
    }

    /** Any thread. */
    public void post(Runnable task) {
        tasks.add(task);
        waiter.wakeup();
    }

    boolean isEmpty() {
        return tasks.isEmpty();
    }

    /** Runs what is queued now; a failing task is reported and does not stop the others. */
    void runAll(System.Logger log) {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.log(System.Logger.Level.ERROR, "a control request failed on the data-path thread", e);
            }
        }
    }
}
