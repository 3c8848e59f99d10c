package org.tapbridge.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.testing.TestKeys;

class ConfigLoaderTest {
    /** A well-formed public key; the loader checks form, not ownership. */
    private static final String PUB = TestKeys.generate().publicBase64();
    private static final String KEY = "private-key-file = \"site.key\"\n";

    @TempDir
    Path dir;

    /** Writes the config after giving it a key file and every peer a public key, unless it names them. */
    private Path write(String toml) throws IOException {
        Path file = dir.resolve("site.toml");
        Files.writeString(file, withKeys(toml));
        return file;
    }

    private static String withKeys(String toml) {
        String out = toml;
        if (!out.contains("private-key-file")) {
            out = out.replaceFirst("\\[site\\]\n", "[site]\n" + KEY);
        }
        if (!out.contains("public-key")) {
            // Each peer its own key: two peers may not share one.
            StringBuilder sb = new StringBuilder();
            for (String part : out.split("(?<=\\[\\[peer\\]\\]\n)", -1)) {
                sb.append(part);
                if (part.endsWith("[[peer]]\n")) {
                    sb.append("public-key = \"").append(TestKeys.generate().publicBase64()).append("\"\n");
                }
            }
            out = sb.toString();
        }
        return out;
    }

    private Path writeRaw(String toml) throws IOException {
        Path file = dir.resolve("site.toml");
        Files.writeString(file, toml);
        return file;
    }

    private ConfigException rejected(String toml) throws IOException {
        Path file = write(toml);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
    }

    @Test
    void readsTheDocumentedExample() throws Exception {
        SiteConfig site = ConfigLoader.load(write("""
                [site]
                name = "paris"                  # required
                tap = "tap0"
                listen = "198.18.0.1:4790"
                control-socket = "/run/tapbridge/paris.sock"
                [switch]
                mac-aging-seconds = 120
                mac-table-limit = 4096
                [[peer]]
                name = "berlin"
                endpoint = "198.18.0.2:4790"
                transport = "udp"
                [[peer]]
                name = "rome"
                transport = "tcp"
                """));
        assertEquals("paris", site.name());
        assertEquals("tap0", site.tap());
        assertEquals(4790, site.listen().getPort());
        assertEquals("198.18.0.1", site.listen().getAddress().getHostAddress());
        assertEquals(120, site.switchSettings().macAgingSeconds());
        assertEquals(4096, site.switchSettings().macTableLimit());
        assertEquals(2, site.peers().size());
        assertEquals(Transport.UDP, site.peers().get(0).transport());
        assertEquals(Transport.TCP, site.peers().get(1).transport());
        assertNull(site.peers().get(1).endpoint(), "a peer that dials us needs no endpoint");
    }

    @Test
    void readsTheWanMtuThePeerMtuAndTheOffloadSwitch() throws Exception {
        SiteConfig site = ConfigLoader.load(write("""
                [site]
                name = "paris"
                tap = "tap0"
                wan-mtu = 1420
                offloads = false
                [[peer]]
                name = "berlin"
                mtu = 1380
                [[peer]]
                name = "rome"
                """));
        assertEquals(1420, site.wanMtu());
        assertEquals(false, site.offloads());
        assertEquals(1380, site.peers().get(0).mtu());
        assertEquals(0, site.peers().get(1).mtu(), "no peer mtu: the site's wan-mtu applies");
        SiteConfig defaults = ConfigLoader.load(write("[site]\nname = \"oslo\"\ntap = \"tap0\"\n"));
        assertEquals(0, defaults.wanMtu(), "by default the kernel's route MTU");
        assertEquals(true, defaults.offloads());
    }

    @Test
    void rejectsAWanMtuOutsideWhatIpCarriesNamingTheKeyAndTheRange() throws Exception {
        ConfigException low = rejected("[site]\nname = \"oslo\"\ntap = \"tap0\"\nwan-mtu = 500\n");
        assertEquals("site.wan-mtu", low.key());
        assertTrue(low.getMessage().contains("500 is outside 576..65535"), low.getMessage());
        ConfigException peer = rejected("[site]\nname = \"oslo\"\ntap = \"tap0\"\n[[peer]]\nname = \"b\"\nmtu = 70000\n");
        assertTrue(peer.key().endsWith("mtu"), peer.key());
        assertTrue(peer.getMessage().contains("70000 is outside 576..65535"), peer.getMessage());
    }

    @Test
    void readsTheQueueCountAndDefaultsItToOne() throws Exception {
        SiteConfig two = ConfigLoader.load(write("[site]\nname = \"oslo\"\ntap = \"tap0\"\nlisten = \"198.18.0.1:4790\"\n"
                + "queues = 2\n"));
        assertEquals(2, two.queues());
        assertEquals(1, ConfigLoader.load(write("[site]\nname = \"oslo\"\ntap = \"tap0\"\n")).queues());
    }

    @Test
    void rejectsQueueCountsOutsideWhatTheLaneByteCarriesAndCombinationsNotBuiltYet() throws Exception {
        String site = "[site]\nname = \"oslo\"\ntap = \"tap0\"\nlisten = \"198.18.0.1:4790\"\n";
        ConfigException zero = rejected(site + "queues = 0\n");
        assertEquals("site.queues", zero.key());
        assertTrue(zero.getMessage().contains("0 is outside 1..16"), zero.getMessage());
        assertTrue(rejected(site + "queues = 17\n").getMessage().contains("17 is outside 1..16"));
        ConfigException arp = rejected(site + "queues = 2\n[switch]\narp-suppression = true\n");
        assertEquals("site.queues", arp.key());
        assertTrue(arp.getMessage().contains("arp-suppression"), arp.getMessage());
        ConfigException spoke = rejected(site + "queues = 2\n[[peer]]\nname = \"b\"\nsplit-horizon = \"spoke\"\n");
        assertEquals("site.queues", spoke.key());
        assertTrue(spoke.getMessage().contains("peer b is a spoke"), spoke.getMessage());
        ConfigException noListen = rejected("[site]\nname = \"oslo\"\ntap = \"tap0\"\nqueues = 4\n");
        assertEquals("site.queues", noListen.key());
        assertTrue(noListen.getMessage().contains("needs [site] listen"), noListen.getMessage());
    }

    @Test
    void defaultsTheControlSocketFromTheSiteName() throws Exception {
        SiteConfig site = ConfigLoader.load(write("[site]\nname = \"oslo\"\ntap = \"tap0\"\n"));
        assertEquals(Path.of("/run/tapbridge/oslo.sock"), site.controlSocket());
        assertNull(site.listen());
        assertEquals(300, site.switchSettings().macAgingSeconds());
    }

    @Test
    void rejectsAnUnknownKeyNamingFileLineAndKey() throws Exception {
        ConfigException e = rejected("[site]\nname = \"oslo\"\ntap = \"tap0\"\nlisten-port = 4790\n");
        assertEquals(5, e.line(), "line 2 holds the private-key-file added by withKeys");
        assertEquals("site.listen-port", e.key());
        assertTrue(e.getMessage().startsWith(dir.resolve("site.toml") + ":5: site.listen-port: unknown key"),
                e.getMessage());
    }

    @Test
    void rejectsAnUnknownTable() throws Exception {
        ConfigException e = rejected("[site]\nname = \"oslo\"\ntap = \"tap0\"\n[peers]\nname = \"x\"\n");
        assertEquals("peers", e.key());
    }

    @Test
    void rejectsAMissingRequiredKey() throws Exception {
        ConfigException e = rejected("[site]\nname = \"oslo\"\n");
        assertEquals("site.tap", e.key());
        assertTrue(e.getMessage().contains("required"), e.getMessage());
    }

    @Test
    void rejectsABadSiteName() throws Exception {
        ConfigException e = rejected("[site]\nname = \"Oslo!\"\ntap = \"tap0\"\n");
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("[a-z0-9-]{1,32}"), e.getMessage());
    }

    @Test
    void rejectsATapNameLongerThanTheKernelAllows() throws Exception {
        ConfigException e = rejected("[site]\nname = \"oslo\"\ntap = \"tap0123456789abcdef\"\n");
        assertEquals("site.tap", e.key());
    }

    @Test
    void rejectsAnEndpointWithoutPortOrWithABadPort() throws Exception {
        assertEquals("site.listen", rejected("[site]\nname = \"a\"\ntap = \"t\"\nlisten = \"198.18.0.1\"\n").key());
        ConfigException e = rejected("[site]\nname = \"a\"\ntap = \"t\"\n[[peer]]\nname = \"b\"\n"
                + "endpoint = \"198.18.0.2:70000\"\n");
        assertEquals("peer[1].endpoint", e.key());
        assertEquals(8, e.line());
        assertTrue(e.getMessage().contains("outside 1..65535"), e.getMessage());
    }

    @Test
    void acceptsBracketedIpv6Endpoints() throws Exception {
        SiteConfig site = ConfigLoader.load(write("[site]\nname = \"a\"\ntap = \"t\"\nlisten = \"[::1]:4790\"\n"));
        assertEquals(4790, site.listen().getPort());
    }

    @Test
    void rejectsAnUnknownTransport() throws Exception {
        ConfigException e = rejected("[site]\nname = \"a\"\ntap = \"t\"\n[[peer]]\nname = \"b\"\ntransport = \"sctp\"\n");
        assertEquals("peer[1].transport", e.key());
        assertTrue(e.getMessage().contains("udp, tcp or auto"), e.getMessage());
    }

    @Test
    void readsAnAutoPeerWithItsTimersOrTheirDefaults() throws Exception {
        SiteConfig site = ConfigLoader.load(write("""
                [site]
                name = "paris"
                tap = "tap0"
                [[peer]]
                name = "berlin"
                transport = "auto"
                udp-fallback-seconds = 4
                udp-probe-seconds = 30
                [[peer]]
                name = "rome"
                transport = "auto"
                """));
        PeerConfig berlin = site.peers().get(0);
        assertEquals(Transport.AUTO, berlin.transport());
        assertEquals(4_000_000_000L, berlin.udpFallbackNs());
        assertEquals(30_000_000_000L, berlin.udpProbeNs());
        PeerConfig rome = site.peers().get(1);
        assertEquals(10_000_000_000L, rome.udpFallbackNs());
        assertEquals(60_000_000_000L, rome.udpProbeNs());
    }

    @Test
    void refusesAutoTimersOnAPeerWithAFixedTransport() throws Exception {
        ConfigException e = rejected("[site]\nname = \"a\"\ntap = \"t\"\n[[peer]]\nname = \"b\"\n"
                + "transport = \"tcp\"\nudp-probe-seconds = 30\n");
        assertEquals("peer[1].udp-probe-seconds", e.key());
        assertTrue(e.getMessage().contains("only applies to transport = \"auto\"; this peer's transport is tcp"),
                e.getMessage());
        // Line 9: the key file and the public key lines come first (withKeys).
        assertTrue(e.getMessage().contains("site.toml:9: "), e.getMessage());
        e = rejected("[site]\nname = \"a\"\ntap = \"t\"\n[[peer]]\nname = \"b\"\nudp-fallback-seconds = 5\n");
        assertEquals("peer[1].udp-fallback-seconds", e.key());
    }

    @Test
    void refusesAutoTimersOutsideTheirRanges() throws Exception {
        for (String line : new String[] {"udp-fallback-seconds = 1", "udp-fallback-seconds = 301",
                "udp-probe-seconds = 9", "udp-probe-seconds = 3601"}) {
            ConfigException e = rejected("[site]\nname = \"a\"\ntap = \"t\"\n[[peer]]\nname = \"b\"\n"
                    + "transport = \"auto\"\n" + line + "\n");
            assertEquals("peer[1]." + line.split(" ")[0], e.key());
            assertTrue(e.getMessage().contains("is outside"), e.getMessage());
        }
    }

    @Test
    void rejectsTwoPeersWithTheSameName() throws Exception {
        ConfigException e = rejected("[site]\nname = \"a\"\ntap = \"t\"\n[[peer]]\nname = \"b\"\n[[peer]]\nname = \"b\"\n");
        assertEquals("peer[2].name", e.key());
    }

    @Test
    void rejectsAPeerNamedLikeTheLocalPort() throws Exception {
        assertEquals("peer[1].name", rejected("[site]\nname = \"a\"\ntap = \"t\"\n[[peer]]\nname = \"local\"\n").key());
    }

    @Test
    void rejectsASwitchLimitBelowItsMinimumWithBothNumbers() throws Exception {
        ConfigException e = rejected("[site]\nname = \"a\"\ntap = \"t\"\n[switch]\nmac-table-limit = 0\n");
        assertEquals("switch.mac-table-limit", e.key());
        assertEquals(6, e.line());
        assertTrue(e.getMessage().contains("mac-table-limit=0 < 1"), e.getMessage());
    }

    @Test
    void readsTheTableSharesTheUnknownUnicastLimitAndTheLoopBlockKeys() throws Exception {
        SiteConfig site = ConfigLoader.load(write("""
                [site]
                name = "a"
                tap = "t"
                [switch]
                mac-table-limit = 1000
                per-port-mac-limit = 400
                local-mac-reserve = 100
                unknown-unicast-pps = 500
                unknown-unicast-burst = 50
                loop-flaps-per-second = 20
                loop-block-seconds = 5
                loop-block-max-seconds = 60
                """));
        var sw = site.switchSettings();
        assertEquals(400, sw.perPortMacLimit());
        assertEquals(100, sw.localMacReserve());
        assertEquals(500, sw.unknownUnicastPacketsPerSecond());
        assertEquals(50, sw.unknownUnicastBurst());
        assertEquals(20, sw.loopFlapsPerSecond());
        assertEquals(5, sw.loopBlockSeconds());
        assertEquals(60, sw.loopBlockMaxSeconds());
    }

    @Test
    void aTableShareAboveThePerPortLimitNamesItsKeyAndLine() throws Exception {
        ConfigException e = rejected("[site]\nname = \"a\"\ntap = \"t\"\n[switch]\nmac-table-limit = 1000\n"
                + "local-mac-reserve = 900\n");
        assertEquals("switch.local-mac-reserve", e.key());
        assertTrue(e.getMessage().contains("local-mac-reserve=900 > per-port-mac-limit=500"), e.getMessage());
        ConfigException order = rejected("[site]\nname = \"a\"\ntap = \"t\"\n[switch]\nloop-block-max-seconds = 5\n");
        assertEquals("switch.loop-block-max-seconds", order.key());
        assertTrue(order.getMessage().contains("loop-block-max-seconds=5 < loop-block-seconds=10"), order.getMessage());
    }

    @Test
    void rejectsAWrongValueType() throws Exception {
        ConfigException e = rejected("[site]\nname = \"a\"\ntap = \"t\"\n[switch]\nmac-aging-seconds = \"300\"\n");
        assertEquals("switch.mac-aging-seconds", e.key());
        assertTrue(e.getMessage().contains("whole number"), e.getMessage());
    }

    @Test
    void reportsTomlSyntaxErrorsWithTheirLine() throws Exception {
        ConfigException e = rejected("[site]\nname = \"a\"\ntap = \n");
        assertEquals(4, e.line());
        assertTrue(e.getMessage().contains("TOML syntax"), e.getMessage());
    }

    @Test
    void reportsAMissingFileByName() {
        Path missing = dir.resolve("absent.toml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing));
        assertTrue(e.getMessage().startsWith(missing + ": no such file"), e.getMessage());
    }

    @Test
    void readsStaticMacsPinnedToLocalOrAPeer() throws Exception {
        SiteConfig site = ConfigLoader.load(write("[site]\nname = \"a\"\ntap = \"t\"\n[[peer]]\nname = \"b\"\n"
                + "[[static-mac]]\nmac = \"02:00:00:00:00:01\"\nport = \"b\"\nvlan = 10\n"));
        assertEquals(MacAddress.parse("02:00:00:00:00:01"), site.staticMacs().get(0).mac());
        assertEquals(10, site.staticMacs().get(0).vlan());
        assertEquals("b", site.staticMacs().get(0).port());
    }

    @Test
    void rejectsAStaticMacOnAnUnknownPortOrAMulticastMac() throws Exception {
        assertEquals("static-mac[1].port", rejected("[site]\nname = \"a\"\ntap = \"t\"\n"
                + "[[static-mac]]\nmac = \"02:00:00:00:00:01\"\nport = \"nowhere\"\n").key());
        assertEquals("static-mac[1].mac", rejected("[site]\nname = \"a\"\ntap = \"t\"\n"
                + "[[static-mac]]\nmac = \"01:00:5e:00:00:01\"\nport = \"local\"\n").key());
    }

    @Test
    void resolvesKeyFilesRelativeToTheConfigFile() throws Exception {
        SiteConfig site = ConfigLoader.load(write("[site]\nname = \"a\"\ntap = \"t\"\nprivate-key-file = \"a.key\"\n"));
        assertEquals(dir.resolve("a.key"), site.privateKeyFile());
    }
    @Test
    void requiresAPrivateKeyFileBecauseThereIsNoCleartextMode() throws Exception {
        Path file = writeRaw("[site]\nname = \"oslo\"\ntap = \"tap0\"\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        assertEquals("site.private-key-file", e.key());
        assertTrue(e.getMessage().contains("tapbridge genkey"), e.getMessage());
    }

    @Test
    void requiresEveryPeerToHaveAPublicKey() throws Exception {
        Path file = writeRaw("[site]\nname = \"a\"\ntap = \"t\"\n" + KEY + "[[peer]]\nname = \"b\"\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        assertEquals("peer[1].public-key", e.key());
        assertTrue(e.getMessage().contains("tapbridge pubkey"), e.getMessage());
    }

    @Test
    void rejectsAPublicKeyThatIsNotOne() throws Exception {
        ConfigException e = rejected("[site]\nname = \"a\"\ntap = \"t\"\n[[peer]]\nname = \"b\"\n"
                + "public-key = \"bm90IGEga2V5\"\n");
        assertEquals("peer[1].public-key", e.key());
        assertEquals(7, e.line());
        assertTrue(e.getMessage().contains("32"), e.getMessage());
    }

    @Test
    void rejectsTwoPeersWithTheSameKey() throws Exception {
        ConfigException e = rejected("[site]\nname = \"a\"\ntap = \"t\"\n[[peer]]\nname = \"b\"\npublic-key = \""
                + PUB + "\"\n[[peer]]\nname = \"c\"\npublic-key = \"" + PUB + "\"\n");
        assertEquals("peer[2].public-key", e.key());
    }
}
