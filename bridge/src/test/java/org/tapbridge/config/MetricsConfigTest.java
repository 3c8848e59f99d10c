package org.tapbridge.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [metrics] listen}: parsed into an address, or refused with FILE:LINE: KEY. */
class MetricsConfigTest {
    private static final String SITE = "[site]\nname = \"a\"\ntap = \"tap0\"\nprivate-key-file = \"a.key\"\n";

    @TempDir
    Path dir;

    private Path write(String toml) throws IOException {
        Path file = dir.resolve("site.toml");
        Files.writeString(file, toml);
        return file;
    }

    private ConfigException rejected(String toml) throws IOException {
        Path file = write(toml);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
    }

    @Test
    void noMetricsTableMeansNoListener() throws Exception {
        assertNull(ConfigLoader.load(write(SITE)).metricsListen());
    }

    @Test
    void readsAnIpv4LoopbackListenAddress() throws Exception {
        SiteConfig config = ConfigLoader.load(write(SITE + "\n[metrics]\nlisten = \"127.0.0.1:9477\"\n"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 9477), config.metricsListen());
    }

    @Test
    void readsABracketedIpv6ListenAddress() throws Exception {
        SiteConfig config = ConfigLoader.load(write(SITE + "\n[metrics]\nlisten = \"[::1]:9478\"\n"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 9478), config.metricsListen());
    }

    @Test
    void refusesAPortOutOfRangeAtItsLine() throws Exception {
        ConfigException e = rejected(SITE + "\n[metrics]\nlisten = \"127.0.0.1:70000\"\n");
        assertEquals(7, e.line(), e.getMessage());
        assertEquals("metrics.listen", e.key());
        assertTrue(e.getMessage().contains("outside 1..65535"), e.getMessage());
    }

    @Test
    void refusesAnAddressWithoutPort() throws Exception {
        ConfigException e = rejected(SITE + "\n[metrics]\nlisten = \"127.0.0.1\"\n");
        assertEquals(7, e.line(), e.getMessage());
        assertEquals("metrics.listen", e.key());
    }

    @Test
    void refusesAnUnbracketedIpv6Address() throws Exception {
        ConfigException e = rejected(SITE + "\n[metrics]\nlisten = \"::1:9477\"\n");
        assertEquals("metrics.listen", e.key());
        assertTrue(e.getMessage().contains("[addr]:port"), e.getMessage());
    }

    @Test
    void refusesANumberInsteadOfAString() throws Exception {
        ConfigException e = rejected(SITE + "\n[metrics]\nlisten = 9477\n");
        assertEquals(7, e.line(), e.getMessage());
        assertTrue(e.getMessage().contains("must be a string"), e.getMessage());
    }

    @Test
    void refusesAnEmptyMetricsTableAtItsHeader() throws Exception {
        ConfigException e = rejected(SITE + "\n[metrics]\n");
        assertEquals(6, e.line(), e.getMessage());
        assertEquals("metrics.listen", e.key());
        assertTrue(e.getMessage().contains("required key is missing"), e.getMessage());
    }

    @Test
    void refusesAnUnknownKeyInTheMetricsTable() throws Exception {
        ConfigException e = rejected(SITE + "\n[metrics]\nlisten = \"127.0.0.1:9477\"\npath = \"/m\"\n");
        assertEquals(8, e.line(), e.getMessage());
        assertEquals("metrics.path", e.key());
        assertTrue(e.getMessage().contains("known keys here: listen"), e.getMessage());
    }

    @Test
    void refusesAMulticastAddress() throws Exception {
        ConfigException e = rejected(SITE + "\n[metrics]\nlisten = \"224.0.0.1:9477\"\n");
        assertEquals("metrics.listen", e.key());
        assertTrue(e.getMessage().contains("multicast"), e.getMessage());
    }

    @Test
    void refusesMetricsWrittenAsAString() throws Exception {
        ConfigException e = rejected(SITE + "metrics = \"127.0.0.1:9477\"\n");
        assertEquals("site.metrics", e.key(), e.getMessage());
    }
}
