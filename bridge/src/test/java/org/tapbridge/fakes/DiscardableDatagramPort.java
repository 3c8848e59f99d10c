package org.tapbridge.fakes;

import java.io.IOException;
import java.net.InetSocketAddress;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.link.Datagrams;

/**
 * A port that passes everything to another one until told to {@link #discardSends}: then sends are only
 * counted, as if the kernel took them, and nothing is allocated, so a sender's allocation can be measured
 * while the in-memory network (which copies each datagram) stays out of the figure.
 */
public final class DiscardableDatagramPort implements DatagramPort {
    private final DatagramPort delegate;
    private volatile boolean discard;
    private long discarded;
    /** How many datagrams each receive asked for and got, the last {@code asks.length} of them; no allocation. */
    private final int[] asks = new int[256];
    private final int[] got = new int[256];
    private int receives;

    public DiscardableDatagramPort(DatagramPort delegate) {
        this.delegate = delegate;
    }

    public void discardSends(boolean on) {
        this.discard = on;
    }

    /** Datagrams counted instead of sent. Sender's thread. */
    public long discarded() {
        return discarded;
    }

    @Override
    public int fd() {
        return delegate.fd();
    }

    /** Receive calls so far. Receiver's thread. */
    public int receives() {
        return receives;
    }

    /** How many datagrams receive call {@code i} (counted from 0) asked for; only the last 256 are kept. */
    public int ask(int i) {
        return asks[kept(i)];
    }

    /** How many datagrams receive call {@code i} brought. */
    public int got(int i) {
        return got[kept(i)];
    }

    private int kept(int i) {
        if (i < 0 || i >= receives || receives - i > asks.length) {
            throw new IllegalArgumentException("receive " + i + " is not among the last " + asks.length);
        }
        return i % asks.length;
    }

    @Override
    public int receive(Datagrams batch, int max) throws IOException {
        int n = delegate.receive(batch, max);
        asks[receives % asks.length] = max;
        got[receives % asks.length] = n;
        receives++;
        return n;
    }

    @Override
    public int send(Datagrams batch, int count) throws IOException {
        if (!discard) {
            return delegate.send(batch, count);
        }
        for (int i = 0; i < count; i++) {
            batch.error(i, 0);
        }
        discarded += count;
        return count;
    }

    @Override
    public boolean segmentsSends() {
        return delegate.segmentsSends();
    }

    @Override
    public boolean coalescesReceives() {
        return delegate.coalescesReceives();
    }

    @Override
    public long receiveQueueDrops() {
        return delegate.receiveQueueDrops();
    }

    @Override
    public int pathMtu(InetSocketAddress peer) {
        return delegate.pathMtu(peer);
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        return delegate.localAddress();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
