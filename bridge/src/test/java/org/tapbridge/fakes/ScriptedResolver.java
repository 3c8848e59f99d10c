package org.tapbridge.fakes;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.tapbridge.dns.HostResolver;

/**
 * A DNS that answers from a script, so no test depends on the machine's resolver or {@code /etc/hosts}:
 * a name fails until {@link #answer} gives it addresses, and can be made to fail again or move. Records
 * the threads that asked, so tests can prove no lookup ran on the data path.
 */
public final class ScriptedResolver implements HostResolver {
    private final Map<String, List<InetAddress>> answers = new ConcurrentHashMap<>();
    private final Set<String> askingThreads = ConcurrentHashMap.newKeySet();
    private final AtomicLong lookups = new AtomicLong();

    /** From now on {@code host} resolves to these addresses, in this order (their ports are ignored). */
    public void answer(String host, InetSocketAddress... addresses) {
        List<InetAddress> list = new ArrayList<>();
        for (InetSocketAddress a : addresses) {
            list.add(a.getAddress());
        }
        answers.put(host, List.copyOf(list));
    }

    /** From now on {@code host} does not resolve. */
    public void fail(String host) {
        answers.remove(host);
    }

    @Override
    public List<InetAddress> resolve(String host) throws UnknownHostException {
        askingThreads.add(Thread.currentThread().getName());
        lookups.incrementAndGet();
        List<InetAddress> found = answers.get(host);
        if (found == null) {
            throw new UnknownHostException(host + ": Name or service not known");
        }
        return found;
    }

    public long lookups() {
        return lookups.get();
    }

    /** Names of the threads that looked something up. */
    public Set<String> askingThreads() {
        return Set.copyOf(askingThreads);
    }
}
