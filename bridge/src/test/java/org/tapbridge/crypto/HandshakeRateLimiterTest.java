package org.tapbridge.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class HandshakeRateLimiterTest {
    private static final long MS = 1_000_000;

    @Test
    void allowsABurstPerSourceThenTheSteadyRate() {
        HandshakeRateLimiter limiter = new HandshakeRateLimiter(SessionSettings.defaults().withHandshakeRates(5, 3, 1000));
        InetSocketAddress source = BackToBack.address(9);
        long now = 1_000 * MS;
        for (int i = 0; i < 3; i++) {
            assertTrue(limiter.allow(HandshakeRateLimiter.keyOf(source), now));
        }
        assertFalse(limiter.allow(HandshakeRateLimiter.keyOf(source), now));
        assertTrue(limiter.allow(HandshakeRateLimiter.keyOf(BackToBack.address(10)), now), "another source has its own bucket");
        assertFalse(limiter.allow(HandshakeRateLimiter.keyOf(source), now + 199 * MS));
        assertTrue(limiter.allow(HandshakeRateLimiter.keyOf(source), now + 400 * MS), "one token per 200 ms");
    }

    @Test
    void treatsAllPortsOfOneAddressAsOneSource() {
        HandshakeRateLimiter limiter = new HandshakeRateLimiter(SessionSettings.defaults().withHandshakeRates(5, 2, 1000));
        InetAddress host = BackToBack.address(9).getAddress();
        assertTrue(limiter.allow(HandshakeRateLimiter.keyOf(new InetSocketAddress(host, 1)), 0));
        assertTrue(limiter.allow(HandshakeRateLimiter.keyOf(new InetSocketAddress(host, 2)), 0));
        assertFalse(limiter.allow(HandshakeRateLimiter.keyOf(new InetSocketAddress(host, 3)), 0));
    }

    @Test
    void keepsIpv4AndIpv6KeysApart() throws Exception {
        InetSocketAddress v4Source = BackToBack.address(1);
        // The same 32 bits as an IPv6 source: only the family differs, so only the tagging keeps them apart.
        InetSocketAddress v6Source = new InetSocketAddress(ipv4Compatible(v4Source.getAddress().getAddress()), 1);
        assertNotEquals(HandshakeRateLimiter.keyOf(v4Source), HandshakeRateLimiter.keyOf(v6Source));
    }

    @Test
    void treatsIpv6SourcesInOneSlash64AsOneSource() throws Exception {
        // ::192.0.2.1 and ::203.0.113.1 differ only in their low 64 bits, like two hosts of one /64.
        InetSocketAddress a = new InetSocketAddress(ipv4Compatible(new byte[] {(byte) 192, 0, 2, 1}), 1);
        InetSocketAddress b = new InetSocketAddress(ipv4Compatible(new byte[] {(byte) 203, 0, (byte) 113, 1}), 2);
        assertEquals(HandshakeRateLimiter.keyOf(a), HandshakeRateLimiter.keyOf(b));
        HandshakeRateLimiter limiter = new HandshakeRateLimiter(SessionSettings.defaults().withHandshakeRates(5, 2, 1000));
        assertTrue(limiter.allow(HandshakeRateLimiter.keyOf(a), 0));
        assertTrue(limiter.allow(HandshakeRateLimiter.keyOf(b), 0));
        assertFalse(limiter.allow(HandshakeRateLimiter.keyOf(a), 0), "the /64 shares one bucket");
    }

    /**
     * The IPv4-compatible IPv6 form (::a.b.c.d) of an allowed test address: the only IPv6 addresses our
     * address rules admit, here in memory only, never on a socket. InetAddress.getByAddress would turn
     * the IPv4-mapped form (::ffff:a.b.c.d) back into an Inet4Address; this one stays IPv6.
     */
    private static Inet6Address ipv4Compatible(byte[] ipv4) throws Exception {
        byte[] raw = new byte[16];
        System.arraycopy(ipv4, 0, raw, 12, 4);
        InetAddress address = Inet6Address.getByAddress(null, raw, null);
        assertInstanceOf(Inet6Address.class, address, "an IPv6 source, not an IPv4 one");
        return (Inet6Address) address;
    }

    @Test
    void refusesNewSourcesWhenEveryNearbySlotIsBusyRatherThanForgettingDebts() throws Exception {
        SessionSettings settings = SessionSettings.defaults().withHandshakeRates(1, 1, 1_000_000);
        HandshakeRateLimiter limiter = new HandshakeRateLimiter(settings);
        int refused = 0;
        // Far more active sources than slots, all within one refill period.
        for (int i = 0; i < settings.rateLimitedSources() * 4; i++) {
            byte[] raw = {(byte) 198, (byte) 19, (byte) (i >>> 8), (byte) i};
            InetSocketAddress s = new InetSocketAddress(InetAddress.getByAddress(raw), 1);
            if (!limiter.allow(HandshakeRateLimiter.keyOf(s), 5 * MS)) {
                refused++;
            }
        }
        assertTrue(refused > 0, "bounded memory means some newcomers wait");
    }
}
