package org.tapbridge.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.testing.TestKeys;

/**
 * Issue 11, defect 5: a peer's host name is checked for its form when the config loads, and never looked
 * up there (the daemon looks it up in the background), so a name that does not resolve now does not make
 * `check` or `run` fail. The names end in {@code .invalid} (RFC 6761), which no resolver ever answers: had
 * the loader asked, these tests would fail.
 */
class PeerHostNameConfigTest {
    @TempDir
    Path dir;

    /** A site with one peer b whose endpoint line is line 8, plus {@code extra} lines after it. */
    private Path site(String endpoint, String extra) throws Exception {
        Path file = dir.resolve("site.toml");
        Files.writeString(file, "[site]\nprivate-key-file = \"site.key\"\nname = \"a\"\ntap = \"t\"\n[[peer]]\n"
                + "public-key = \"" + TestKeys.generate().publicBase64() + "\"\nname = \"b\"\nendpoint = \""
                + endpoint + "\"\n" + extra);
        return file;
    }

    private ConfigException rejected(String endpoint, String extra) throws Exception {
        Path file = site(endpoint, extra);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
    }

    @Test
    void acceptsAHostNameThatDoesNotResolveWithoutLookingItUp() throws Exception {
        PeerConfig peer = ConfigLoader.load(site("gw.site-b.invalid:4790", "")).peers().get(0);

        assertTrue(peer.endpoint().isUnresolved(), "the name must be kept for the daemon, not resolved here");
        assertEquals("gw.site-b.invalid", peer.endpointHost());
        assertEquals(4790, peer.endpoint().getPort());
        assertEquals(TimeUnit.SECONDS.toNanos(300), peer.resolveIntervalNs());
    }

    @Test
    void keepsAddressLiteralsAsAddresses() throws Exception {
        PeerConfig v4 = ConfigLoader.load(site("198.18.0.2:4790", "")).peers().get(0);
        assertFalse(v4.endpoint().isUnresolved());
        assertEquals(InetAddress.getByAddress(new byte[] {(byte) 198, 18, 0, 2}), v4.endpoint().getAddress());
        assertNull(v4.endpointHost());
        PeerConfig v6 = ConfigLoader.load(site("[fe80::1]:4790", "")).peers().get(0);
        assertFalse(v6.endpoint().isUnresolved());
        assertNull(v6.endpointHost());
    }

    @Test
    void rejectsMalformedHostsWithFileLineAndKey() throws Exception {
        String[][] cases = {
                {"bad_host.invalid:4790", "label 'bad_host' must be 1..63 letters, digits or inner '-'"},
                {"-lead.invalid:4790", "label '-lead'"},
                {"a..b.invalid:4790", "label ''"},
                {"x" + "y".repeat(63) + ".invalid:4790", "must be 1..63"},
                {"999.1.1.1:4790", "is not an IPv4 address (four numbers 0..255)"},
                {"198.18.2:4790", "is not an IPv4 address (a.b.c.d)"},
                {"[not-v6]:4790", "is not an IPv6 address"},
                {"gw.invalid", "is not host:port"},
                {"gw.invalid:0", "outside 1..65535"},
        };
        for (String[] c : cases) {
            ConfigException e = rejected(c[0], "");
            assertEquals("peer[1].endpoint", e.key(), c[0]);
            assertEquals(8, e.line(), c[0]);
            assertTrue(e.getMessage().startsWith(dir.resolve("site.toml") + ":8: peer[1].endpoint: "), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
        }
    }

    @Test
    void readsTheResolveIntervalOfAHostName() throws Exception {
        PeerConfig peer = ConfigLoader.load(site("gw.invalid:4790", "resolve-interval-seconds = 60\n")).peers()
                .get(0);
        assertEquals(TimeUnit.SECONDS.toNanos(60), peer.resolveIntervalNs());
    }

    @Test
    void rejectsAResolveIntervalOutsideItsRange() throws Exception {
        ConfigException e = rejected("gw.invalid:4790", "resolve-interval-seconds = 5\n");
        assertEquals("peer[1].resolve-interval-seconds", e.key());
        assertEquals(9, e.line());
        assertTrue(e.getMessage().contains("5 is outside 10..86400"), e.getMessage());
    }

    @Test
    void rejectsAResolveIntervalForAnAddress() throws Exception {
        ConfigException e = rejected("198.18.0.2:4790", "resolve-interval-seconds = 60\n");
        assertEquals("peer[1].resolve-interval-seconds", e.key());
        assertTrue(e.getMessage().contains("only a host name endpoint is looked up again"), e.getMessage());
    }

    @Test
    void listenAddressesParseAsBefore() {
        // The listen address is this host's own: a name there is looked up at once, as before.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.parse("[::1"));
        assertTrue(e.getMessage().contains("is not [IPv6]:port"), e.getMessage());
        InetSocketAddress literal = Endpoint.parse("127.0.0.1:4790");
        assertFalse(literal.isUnresolved());
    }
}
