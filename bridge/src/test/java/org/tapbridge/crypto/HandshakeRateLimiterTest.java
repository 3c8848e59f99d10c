package org.tapbridge.crypto;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
            assertTrue(limiter.allow(source, now));
        }
        assertFalse(limiter.allow(source, now));
        assertTrue(limiter.allow(BackToBack.address(10), now), "another source has its own bucket");
        assertFalse(limiter.allow(source, now + 199 * MS));
        assertTrue(limiter.allow(source, now + 400 * MS), "one token per 200 ms");
    }

    @Test
    void treatsAllPortsOfOneAddressAsOneSource() {
        HandshakeRateLimiter limiter = new HandshakeRateLimiter(SessionSettings.defaults().withHandshakeRates(5, 2, 1000));
        InetAddress host = BackToBack.address(9).getAddress();
        assertTrue(limiter.allow(new InetSocketAddress(host, 1), 0));
        assertTrue(limiter.allow(new InetSocketAddress(host, 2), 0));
        assertFalse(limiter.allow(new InetSocketAddress(host, 3), 0));
    }

    @Test
    void keepsIpv4AndIpv6KeysApart() throws Exception {
        long v4 = HandshakeRateLimiter.keyOf(BackToBack.address(1));
        // The documentation prefix; in memory only, never on a socket.
        long v6 = HandshakeRateLimiter.keyOf(new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 1));
        assertNotEquals(v4, v6);
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
            if (!limiter.allow(s, 5 * MS)) {
                refused++;
            }
        }
        assertTrue(refused > 0, "bounded memory means some newcomers wait");
    }
}
