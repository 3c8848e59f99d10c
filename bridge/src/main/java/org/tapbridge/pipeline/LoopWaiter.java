package org.tapbridge.pipeline;

/**
 * Where the data-path loop blocks: every descriptor it owns, plus a wake-up for other threads (control
 * requests, shutdown). The real one is {@code poll(2)} with an eventfd; in-memory fakes ring
 * {@link #wakeup()} themselves. Owned by the loop thread, except {@link #wakeup()}.
 */
public interface LoopWaiter extends AutoCloseable {
    short POLLIN = 0x0001;
    short POLLOUT = 0x0004;
    short POLLERR = 0x0008;
    short POLLHUP = 0x0010;
    short POLLNVAL = 0x0020;

    /** Watches {@code fd} for {@code events}; returns a handle that stays valid until removed. fd -1: in memory. */
    int add(int fd, short events);

    /** Changes what {@code handle} is watched for (e.g. POLLOUT while bytes wait to be written). */
    void events(int handle, short events);

    void remove(int handle);

    /**
     * Waits up to {@code timeoutMs} (0: only looks) until a watched descriptor is ready or {@link #wakeup()}
     * was called; returns false when the time ran out with nothing to do.
     */
    boolean await(int timeoutMs);

    /** What {@code handle} reported at the last {@link #await}; in-memory sources report what they watch for. */
    short ready(int handle);

    /** Makes a current or the next {@link #await} return at once. Any thread. */
    void wakeup();

    @Override
    void close();
}
