package org.tapbridge.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.testing.TestKeys;

/** What a live reload would change, key by key, between the running file and a new one. */
class ConfigDiffTest {
    private static final String KEY_B = TestKeys.generate().publicBase64();
    private static final String KEY_C = TestKeys.generate().publicBase64();
    private static final String KEY_D = TestKeys.generate().publicBase64();
    private static final String SITE = """
            [site]
            name = "a"
            tap = "tap0"
            listen = "198.18.0.1:4790"
            private-key-file = "a.key"
            """;

    @TempDir
    Path dir;

    private int files;

    private SiteConfig load(String toml) throws IOException, ConfigException {
        // One file per version, as an operator keeps a copy: the file name itself is no difference.
        Path file = dir.resolve("site" + files++ + ".toml");
        Files.writeString(file, toml);
        return ConfigLoader.load(file);
    }

    private static String peer(String name, String key, String extra) {
        return "\n[[peer]]\nname = \"" + name + "\"\npublic-key = \"" + key + "\"\n" + extra;
    }

    private static final String B = peer("b", KEY_B, "endpoint = \"198.18.0.2:4790\"\n");
    private static final String C = peer("c", KEY_C, "endpoint = \"198.18.0.3:4790\"\n");

    @Test
    void theSameFileChangesNothing() throws Exception {
        ConfigDiff diff = ConfigDiff.between(load(SITE + B + C), load(SITE + B + C));
        assertTrue(diff.isEmpty());
        assertEquals("nothing changed", diff.summary());
    }

    @Test
    void findsPeersAddedAndRemovedAndLeavesTheOthersAlone() throws Exception {
        ConfigDiff diff = ConfigDiff.between(load(SITE + B + C),
                load(SITE + B + peer("d", KEY_D, "endpoint = \"198.18.0.4:4790\"\n")));
        assertEquals(List.of("d"), diff.added().stream().map(PeerConfig::name).toList());
        assertEquals(List.of("c"), diff.removed());
        assertTrue(diff.changed().isEmpty(), "b is untouched: " + diff.changed());
        assertTrue(diff.restartOnly().isEmpty());
        assertEquals("peers added [d]; peers removed [c]", diff.summary());
    }

    @Test
    void anEndpointOrSplitHorizonChangesInPlaceAndKeepsTheSession() throws Exception {
        ConfigDiff diff = ConfigDiff.between(load(SITE + B),
                load(SITE + peer("b", KEY_B, "endpoint = \"198.18.0.9:4790\"\nsplit-horizon = \"spoke\"\n")));
        assertEquals(Map.of("b", List.of("endpoint", "split-horizon")), diff.changed());
        assertFalse(diff.recreates("b"));
    }

    @Test
    void aNewKeyTransportOrMtuStartsThePeerOver() throws Exception {
        SiteConfig running = load(SITE + B);
        ConfigDiff key = ConfigDiff.between(running, load(SITE + peer("b", KEY_D, "endpoint = \"198.18.0.2:4790\"\n")));
        ConfigDiff transport = ConfigDiff.between(running,
                load(SITE + peer("b", KEY_B, "endpoint = \"198.18.0.2:4790\"\ntransport = \"tcp\"\n")));
        ConfigDiff mtu = ConfigDiff.between(running,
                load(SITE + peer("b", KEY_B, "endpoint = \"198.18.0.2:4790\"\nmtu = 1400\n")));
        ConfigDiff noEndpoint = ConfigDiff.between(running, load(SITE + peer("b", KEY_B, "")));
        assertEquals(List.of("public-key"), key.changed().get("b"));
        assertEquals(List.of("transport"), transport.changed().get("b"));
        assertEquals(List.of("mtu"), mtu.changed().get("b"));
        assertEquals(List.of("endpoint-removed"), noEndpoint.changed().get("b"));
        for (ConfigDiff diff : List.of(key, transport, mtu, noEndpoint)) {
            assertTrue(diff.recreates("b"), diff.summary());
        }
    }

    @Test
    void aPresharedKeyRewrittenUnderTheSamePathStartsThePeerOver() throws Exception {
        ConfigDiff diff = ConfigDiff.between(load(SITE + B + C), load(SITE + B + C));
        ConfigDiff withKey = diff.withPresharedKeysChanged(List.of("c"));
        assertEquals(List.of("preshared-key"), withKey.changed().get("c"));
        assertTrue(withKey.recreates("c"));
        assertFalse(withKey.recreates("b"));
    }

    @Test
    void everySiteKeyNeedsARestartAndIsNamedWithBothValues() throws Exception {
        ConfigDiff diff = ConfigDiff.between(load(SITE + B), load("""
                [site]
                name = "a"
                tap = "tap9"
                listen = "198.18.0.1:4791"
                private-key-file = "other.key"
                control-socket = "/run/tapbridge/x.sock"
                wan-mtu = 1400
                mtu = 1400
                offloads = false
                """ + B));
        List<String> keys = diff.restartOnly().stream().map(s -> s.substring(0, s.indexOf(':'))).toList();
        assertEquals(List.of("site.tap", "site.mtu", "site.listen", "site.control-socket", "site.private-key-file",
                "site.wan-mtu", "site.offloads"), keys);
        assertTrue(diff.restartOnly().contains("site.tap: \"tap0\" -> \"tap9\""), diff.restartOnly().toString());
        assertTrue(diff.restartMessage().contains("cannot change while the daemon runs; nothing was applied"));
    }

    @Test
    void staticMacsAreComparedByVlanMacAndPort() throws Exception {
        String m1 = "\n[[static-mac]]\nmac = \"02:00:00:00:00:01\"\nport = \"b\"\n";
        String m2 = "\n[[static-mac]]\nmac = \"02:00:00:00:00:02\"\nport = \"local\"\n";
        String m1Moved = "\n[[static-mac]]\nmac = \"02:00:00:00:00:01\"\nport = \"c\"\n";
        ConfigDiff diff = ConfigDiff.between(load(SITE + B + C + m1 + m2), load(SITE + B + C + m1Moved + m2));
        assertEquals(List.of(new StaticMacConfig(0, MacAddress.parse("02:00:00:00:00:01"), "c")), diff.staticAdded());
        assertEquals(List.of(new StaticMacConfig(0, MacAddress.parse("02:00:00:00:00:01"), "b")), diff.staticRemoved());
        assertTrue(diff.added().isEmpty() && diff.removed().isEmpty() && diff.changed().isEmpty(),
                "only static MACs changed: " + diff.summary());
    }

    @Test
    void switchLimitsAreListedWithOldAndNewValues() throws Exception {
        ConfigDiff diff = ConfigDiff.between(load(SITE + B),
                load(SITE + "\n[switch]\nmac-table-limit = 1000\nmac-aging-seconds = 60\n" + B));
        assertTrue(diff.switchChanged().contains("mac-table-limit 16384 -> 1000"), diff.switchChanged().toString());
        assertTrue(diff.switchChanged().contains("mac-aging-seconds 300 -> 60"), diff.switchChanged().toString());
        // Derived from the table limit unless set: the diff shows what really changes.
        assertTrue(diff.switchChanged().contains("per-port-mac-limit 8192 -> 500"), diff.switchChanged().toString());
    }

    @Test
    void aPeerAddedBeyondTheDefaultPortCountIsNoSwitchChange() throws Exception {
        StringBuilder many = new StringBuilder(SITE);
        for (int i = 0; i < 300; i++) {
            many.append(peer("p" + i, TestKeys.generate().publicBase64(), ""));
        }
        ConfigDiff diff = ConfigDiff.between(load(SITE), load(many.toString()));
        assertEquals(300, diff.added().size());
        assertTrue(diff.switchChanged().isEmpty(), "max-ports follows the peers: " + diff.switchChanged());
    }
}
