package org.tapbridge.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.testing.TestKeys;

/** {@code [switch] arp-suppression}, {@code neighbor-table-limit} and {@code neighbor-aging-seconds}. */
class ArpSuppressionConfigTest {
    @TempDir
    Path dir;

    private Path write(String switchLines) throws Exception {
        TestKeys.generate().writePrivate(dir.resolve("site.key"));
        Path file = dir.resolve("site.toml");
        Files.writeString(file, "[site]\nname = \"a\"\ntap = \"t\"\nprivate-key-file = \"site.key\"\n[switch]\n"
                + switchLines);
        return file;
    }

    @Test
    void isOffUnlessAskedFor() throws Exception {
        SwitchSettings off = ConfigLoader.load(write("mac-table-limit = 100\n")).switchSettings();
        assertFalse(off.arpSuppression());
        assertEquals(SwitchSettings.DEFAULT_NEIGHBOR_TABLE_LIMIT, off.neighborTableLimit());
        assertEquals(SwitchSettings.DEFAULT_NEIGHBOR_AGING_SECONDS, off.neighborAgingSeconds());
    }

    @Test
    void readsTheThreeKeys() throws Exception {
        SwitchSettings on = ConfigLoader.load(write(
                "arp-suppression = true\nneighbor-table-limit = 512\nneighbor-aging-seconds = 60\n")).switchSettings();
        assertTrue(on.arpSuppression());
        assertEquals(512, on.neighborTableLimit());
        assertEquals(60, on.neighborAgingSeconds());
        assertEquals(on, on.toBuilder().build());
    }

    @Test
    void rejectsBadValuesNamingFileLineAndKey() throws Exception {
        Path notBoolean = write("mac-table-limit = 100\narp-suppression = \"yes\"\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(notBoolean));
        assertEquals("switch.arp-suppression", e.key());
        assertTrue(e.getMessage().contains(":7:"), e.getMessage());
        Path zero = write("neighbor-table-limit = 0\n");
        ConfigException limit = assertThrows(ConfigException.class, () -> ConfigLoader.load(zero));
        assertEquals("switch.neighbor-table-limit", limit.key());
        assertTrue(limit.getMessage().contains("neighbor-table-limit=0 < 1"), limit.getMessage());
    }
}
