package org.tapbridge.daemon;

import java.io.IOException;
import org.tapbridge.os.EventFd;
import org.tapbridge.os.NativeIoException;
import org.tapbridge.os.Poller;
import org.tapbridge.pipeline.LoopWaiter;

/**
 * {@link LoopWaiter} on {@code poll(2)}: the loop's descriptors plus an eventfd that other threads signal.
 * Owned by the data-path thread, except {@link #wakeup()}.
 */
final class PollWaiter implements LoopWaiter {
    private static final System.Logger LOG = System.getLogger(PollWaiter.class.getName());

    private final Poller poller;
    private final EventFd wake;
    private final int wakeHandle;

    private PollWaiter(Poller poller, EventFd wake) {
        this.poller = poller;
        this.wake = wake;
        this.wakeHandle = poller.add(wake.fd(), POLLIN);
    }

    static PollWaiter open() throws IOException {
        EventFd wake = EventFd.open();
        try {
            return new PollWaiter(new Poller(16), wake);
        } catch (IOException | RuntimeException e) {
            wake.close();
            throw e;
        }
    }

    @Override
    public int add(int fd, short events) {
        return poller.add(fd, events);
    }

    @Override
    public void events(int handle, short events) {
        poller.setEvents(handle, events);
    }

    @Override
    public void remove(int handle) {
        poller.remove(handle);
    }

    @Override
    public boolean await(int timeoutMs) {
        int ready;
        try {
            ready = poller.poll(timeoutMs);
        } catch (NativeIoException e) {
            // poll only fails for bad arguments or lack of memory: report, and let the loop try again.
            LOG.log(System.Logger.Level.ERROR, "poll failed: " + e.getMessage());
            return false;
        }
        if (ready > 0 && (poller.revents(wakeHandle) & POLLIN) != 0) {
            try {
                wake.drain();
            } catch (NativeIoException e) {
                LOG.log(System.Logger.Level.ERROR, "draining the wake-up eventfd failed: " + e.getMessage());
            }
        }
        return ready > 0;
    }

    @Override
    public short ready(int handle) {
        return poller.revents(handle);
    }

    @Override
    public void wakeup() {
        wake.signal();
    }

    @Override
    public void close() {
        wake.close();
    }
}
