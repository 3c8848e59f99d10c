package org.tapbridge.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.fakes.MemoryNetwork;
import org.tapbridge.fakes.ScriptedResolver;

/** The resolver thread on its own: retries, re-lookups, which address it keeps, and what it hands over. */
class EndpointResolverTest {
    private static final String NAME = "gw.sites.test";
    private static final InetSocketAddress X = MemoryNetwork.address("198.18.0.2", 4790);
    private static final InetSocketAddress Y = MemoryNetwork.address("198.18.0.3", 4790);
    private static final InetSocketAddress Z = MemoryNetwork.address("198.18.0.4", 4790);
    private static final long RETRY_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long RETRY_CAP_NS = TimeUnit.MILLISECONDS.toNanos(40);

    private final ScriptedResolver dns = new ScriptedResolver();
    private final BlockingQueue<InetSocketAddress> moves = new LinkedBlockingQueue<>();
    private EndpointResolver resolver;

    @AfterEach
    void close() {
        if (resolver != null) {
            resolver.close();
        }
    }

    private EndpointResolver start(PeerConfig... peers) {
        resolver = new EndpointResolver(List.of(peers), dns, RETRY_NS, RETRY_CAP_NS,
                (peer, address) -> moves.add(address));
        resolver.start();
        return resolver;
    }

    private static PeerConfig named(long intervalNs) {
        return new PeerConfig("b", InetSocketAddress.createUnresolved(NAME, 4790), Transport.UDP, "key", null, false,
                0, intervalNs);
    }

    @Test
    void looksANameUpAgainUntilItResolvesThenHandsItsAddressOver() throws Exception {
        start(named(TimeUnit.SECONDS.toNanos(10)));

        await(() -> dns.lookups() >= 4, "retries while the name does not resolve");
        assertNull(moves.poll());
        EndpointResolver.Status failing = resolver.status("b");
        assertTrue(failing.unresolved());
        assertEquals("Name or service not known", failing.problem());
        assertEquals(NAME + ":4790", failing.configured());

        dns.answer(NAME, X);
        assertEquals(X, moves.poll(2, TimeUnit.SECONDS));
        await(() -> resolver.status("b").problem() == null, "the status clears once the name resolves");
        assertEquals(X, resolver.status("b").address());
        assertEquals(java.util.Set.of("resolver"), dns.askingThreads());
    }

    @Test
    void waitsTwiceAsLongAfterEachFailureUpToTheCap() {
        long waitNs = TimeUnit.SECONDS.toNanos(1);
        long capNs = TimeUnit.SECONDS.toNanos(60);
        long[] expectedSeconds = {2, 4, 8, 16, 32, 60, 60};
        for (long expected : expectedSeconds) {
            waitNs = EndpointResolver.nextRetryNs(waitNs, capNs);
            assertEquals(TimeUnit.SECONDS.toNanos(expected), waitNs);
        }
        assertEquals("1 s", EndpointResolver.describeWait(TimeUnit.SECONDS.toNanos(1)));
        assertEquals("30 s", EndpointResolver.describeWait(TimeUnit.SECONDS.toNanos(30)));
        assertEquals("50 ms", EndpointResolver.describeWait(TimeUnit.MILLISECONDS.toNanos(50)));
    }

    @Test
    void followsANameThatMovesButNotOneThatOnlyReordersItsAddresses() throws Exception {
        dns.answer(NAME, X, Y);
        start(named(TimeUnit.MILLISECONDS.toNanos(20)));
        assertEquals(X, moves.poll(2, TimeUnit.SECONDS));

        dns.answer(NAME, Y, X);
        long seen = dns.lookups();
        await(() -> dns.lookups() >= seen + 3, "looked up again every interval");
        assertNull(moves.poll(), "X is still one of the name's addresses: the peer stays there");

        dns.answer(NAME, Y);
        assertEquals(Y, moves.poll(2, TimeUnit.SECONDS));
    }

    @Test
    void keepsTheLastAddressWhileTheNameStopsResolving() throws Exception {
        dns.answer(NAME, X);
        start(named(TimeUnit.MILLISECONDS.toNanos(20)));
        assertEquals(X, moves.poll(2, TimeUnit.SECONDS));

        dns.fail(NAME);
        long seen = dns.lookups();
        await(() -> dns.lookups() >= seen + 3, "retried while failing");
        assertNull(moves.poll(), "a failed lookup does not take the address away");
        EndpointResolver.Status status = resolver.status("b");
        assertEquals(X, status.address());
        assertNotNull(status.problem());

        dns.answer(NAME, Z);
        assertEquals(Z, moves.poll(2, TimeUnit.SECONDS));
    }

    @Test
    void looksNothingUpForPeersWithAnAddressOrNone() throws Exception {
        PeerConfig literal = new PeerConfig("c", X, Transport.UDP, "key", null, false);
        PeerConfig dialsUs = new PeerConfig("d", null, Transport.UDP, "key", null, false);
        start(literal, dialsUs);
        Thread.sleep(100);
        assertEquals(0, dns.lookups());
        assertNull(resolver.status("c"));
        assertTrue(resolver.peers().isEmpty());
    }

    @Test
    void stopsLookingUpOnceClosed() throws Exception {
        start(named(TimeUnit.MILLISECONDS.toNanos(20)));
        await(() -> dns.lookups() >= 2, "looking up");
        resolver.close();
        Thread.sleep(50);
        long after = dns.lookups();
        Thread.sleep(150);
        assertEquals(after, dns.lookups());
    }

    @Test
    void aReloadDropsANameThatLeftAndLooksUpANewOneAtOnceKeepingTheUntouchedOnes() throws Exception {
        String other = "other.sites.test";
        PeerConfig c = new PeerConfig("c", InetSocketAddress.createUnresolved(other, 4790), Transport.UDP, "key2",
                null, false, 0, TimeUnit.SECONDS.toNanos(10));
        dns.answer(NAME, X);
        dns.answer(other, Y);
        resolver = new EndpointResolver(List.of(named(TimeUnit.SECONDS.toNanos(10))), dns, RETRY_NS, RETRY_CAP_NS,
                (peer, address) -> moves.add(address));
        resolver.start();
        assertEquals(X, moves.poll(2, TimeUnit.SECONDS));
        EndpointResolver.Status before = resolver.status("b");

        resolver.reconfigure(List.of(named(TimeUnit.SECONDS.toNanos(10)), c), java.util.Set.of());
        assertEquals(Y, moves.poll(2, TimeUnit.SECONDS), "the added name is looked up at once");
        assertEquals(before, resolver.status("b"), "the untouched name keeps its address and schedule");

        resolver.reconfigure(List.of(c), java.util.Set.of());
        assertNull(resolver.status("b"), "a peer that left is no longer looked up");
        dns.answer(other, Z);
        resolver.reconfigure(List.of(c), java.util.Set.of("c"));
        assertEquals(Z, moves.poll(2, TimeUnit.SECONDS), "a peer started over is looked up again at once");
        assertEquals(java.util.Set.of("c"), java.util.Set.copyOf(resolver.peers()));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (!condition.getAsBoolean() && System.nanoTime() - deadline < 0) {
            Thread.sleep(5);
        }
        assertTrue(condition.getAsBoolean(), what);
    }
}
