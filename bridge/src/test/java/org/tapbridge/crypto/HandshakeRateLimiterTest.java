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
        long source = addressKey(BackToBack.address(9));
        long now = 1_000 * MS;
        for (int i = 0; i < 3; i++) {
            assertTrue(limiter.allow(source, true, now));
        }
        assertFalse(limiter.allow(source, true, now));
        assertTrue(limiter.allow(addressKey(BackToBack.address(10)), true, now), "another source has its own bucket");
        assertFalse(limiter.allow(source, true, now + 199 * MS));
        assertTrue(limiter.allow(source, true, now + 400 * MS), "one token per 200 ms");
    }

    @Test
    void treatsAllPortsOfOneAddressAsOneSourceButKeepsEndpointsApart() {
        InetAddress host = BackToBack.address(9).getAddress();
        assertEquals(addressKey(new InetSocketAddress(host, 1)), addressKey(new InetSocketAddress(host, 2)));
        assertNotEquals(source(new InetSocketAddress(host, 1)).endpointKey(false),
                source(new InetSocketAddress(host, 2)).endpointKey(false), "a known endpoint is keyed by ip:port");
        HandshakeRateLimiter limiter = new HandshakeRateLimiter(SessionSettings.defaults().withHandshakeRates(5, 2, 1000));
        assertTrue(limiter.allow(addressKey(new InetSocketAddress(host, 1)), true, 0));
        assertTrue(limiter.allow(addressKey(new InetSocketAddress(host, 2)), true, 0));
        assertFalse(limiter.allow(addressKey(new InetSocketAddress(host, 3)), true, 0));
    }

    @Test
    void keepsSendersThatProvedTheirAddressApartFromThoseWhoMayOnlySpoofIt() {
        HandshakeSource peer = source(BackToBack.address(2));
        assertNotEquals(peer.endpointKey(false), peer.endpointKey(true));
        assertNotEquals(peer.addressKey(false), peer.addressKey(true));
        assertNotEquals(peer.addressKey(false), peer.endpointKey(false));
    }

    @Test
    void keepsIpv4AndIpv6KeysApart() throws Exception {
        InetSocketAddress v4Source = BackToBack.address(1);
        // The same 32 bits as an IPv6 source: only the family differs, so only the tagging keeps them apart.
        InetSocketAddress v6Source = new InetSocketAddress(ipv4Compatible(v4Source.getAddress().getAddress()), 1);
        assertNotEquals(addressKey(v4Source), addressKey(v6Source));
    }

    @Test
    void treatsIpv6SourcesInOneSlash64AsOneSource() throws Exception {
        // ::192.0.2.1 and ::203.0.113.1 differ only in their low 64 bits, like two hosts of one /64.
        InetSocketAddress a = new InetSocketAddress(ipv4Compatible(new byte[] {(byte) 192, 0, 2, 1}), 1);
        InetSocketAddress b = new InetSocketAddress(ipv4Compatible(new byte[] {(byte) 203, 0, (byte) 113, 1}), 2);
        assertEquals(addressKey(a), addressKey(b));
        HandshakeRateLimiter limiter = new HandshakeRateLimiter(SessionSettings.defaults().withHandshakeRates(5, 2, 1000));
        assertTrue(limiter.allow(addressKey(a), true, 0));
        assertTrue(limiter.allow(addressKey(b), true, 0));
        assertFalse(limiter.allow(addressKey(a), true, 0), "the /64 shares one bucket");
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
    void evictsTheLeastRecentlyUsedSlotWhenTheTableIsFullRatherThanRefusingEveryone() throws Exception {
        SessionSettings settings = SessionSettings.defaults().withHandshakeRates(1, 1, 1_000_000_000);
        HandshakeRateLimiter limiter = new HandshakeRateLimiter(settings);
        long busy = addressKey(BackToBack.address(7));
        long now = 5 * MS;
        assertTrue(limiter.allow(busy, true, now));
        int refused = 0;
        // Four times more sources than slots, all within one refill period of the busy source, which keeps
        // knocking: it is always more recently used than the newcomers' other candidates.
        for (int i = 0; i < settings.rateLimitedSources() * 4; i++) {
            now += 1_000;
            assertFalse(limiter.allow(busy, true, now), "the busy source keeps its debt: never the one evicted");
            now += 1_000;
            byte[] raw = {(byte) 198, (byte) 19, (byte) (i >>> 8), (byte) i};
            if (!limiter.allow(addressKey(new InetSocketAddress(InetAddress.getByAddress(raw), 1)), true, now)) {
                refused++;
            }
        }
        assertEquals(0, refused, "a full table makes room for a newcomer");
        assertTrue(limiter.evictions() >= settings.rateLimitedSources() * 2L, "evictions: " + limiter.evictions());
    }

    @Test
    void isUnderLoadWhileTheGlobalBucketIsLessThanHalfFullAndForASecondAfter() {
        // 100 a second over all sources: the bucket holds 100, half is 50.
        HandshakeRateLimiter limiter = new HandshakeRateLimiter(SessionSettings.defaults().withHandshakeRates(1000, 1000, 100));
        long now = 10_000 * MS;
        assertFalse(limiter.underLoad(now));
        for (int i = 0; i < 50; i++) {
            assertTrue(limiter.allow(addressKey(BackToBack.address(20 + i % 5)), true, now));
        }
        assertFalse(limiter.underLoad(now), "exactly half left");
        assertTrue(limiter.allow(addressKey(BackToBack.address(20)), true, now));
        assertTrue(limiter.underLoad(now), "less than half left");
        assertTrue(limiter.underLoad(now + 999 * MS), "refilled, but the load is held for a second");
        assertFalse(limiter.underLoad(now + 1001 * MS));
        long known = source(BackToBack.address(2)).endpointKey(false);
        for (int i = 0; i < 200; i++) {
            limiter.allow(known, false, now + 2000 * MS);
        }
        assertFalse(limiter.underLoad(now + 2000 * MS), "a peer's known endpoint does not draw on the global bucket");
    }

    private static HandshakeSource source(InetSocketAddress address) {
        return new HandshakeSource().set(address);
    }

    private static long addressKey(InetSocketAddress address) {
        return source(address).addressKey(false);
    }
}
