package org.tapbridge.switching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SwitchSettingsTest {

    private static void assertRejected(String message, Executable build) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, build).getMessage());
    }

    @Test
    void defaultsAreTheDocumentedValues() {
        SwitchSettings settings = SwitchSettings.defaults();
        assertEquals(300, settings.macAgingSeconds());
        assertEquals(300_000_000_000L, settings.macAgingNanos());
        assertEquals(16_384, settings.macTableLimit());
        assertEquals(16_384, settings.perPortMacLimit());
        assertEquals(1_000, settings.moveDampingMillis());
        assertEquals(1_000_000_000L, settings.moveDampingNanos());
        assertFalse(settings.forwardStpBpdus());
        assertEquals(2_000, settings.stormControlPacketsPerSecond());
        assertEquals(1_000, settings.stormControlBurst());
        assertTrue(settings.stormControlEnabled());
        assertEquals(256, settings.maxPorts());
    }

    @Test
    void perPortLimitFollowsTheTableLimitUnlessSet() {
        assertEquals(5_000, SwitchSettings.builder().macTableLimit(5_000).build().perPortMacLimit());
        assertEquals(100, SwitchSettings.builder().macTableLimit(5_000).perPortMacLimit(100).build().perPortMacLimit());
    }

    @Test
    void rejectionsNameTheKeyTheValueAndTheLimit() {
        assertRejected("mac-table-limit=0 < 1", () -> SwitchSettings.builder().macTableLimit(0).build());
        assertRejected("mac-table-limit=1048577 > 1048576",
                () -> SwitchSettings.builder().macTableLimit(1_048_577).build());
        assertRejected("mac-aging-seconds=0 < 1", () -> SwitchSettings.builder().macAgingSeconds(0).build());
        assertRejected("per-port-mac-limit=0 < 1", () -> SwitchSettings.builder().perPortMacLimit(0).build());
        assertRejected("per-port-mac-limit=20000 > mac-table-limit=16384",
                () -> SwitchSettings.builder().perPortMacLimit(20_000).build());
        assertRejected("move-damping-ms=-1 < 0", () -> SwitchSettings.builder().moveDampingMillis(-1).build());
        assertRejected("storm-control-pps=-5 < 0",
                () -> SwitchSettings.builder().stormControlPacketsPerSecond(-5).build());
        assertRejected("storm-control-burst=0 < 1", () -> SwitchSettings.builder().stormControlBurst(0).build());
        assertRejected("max-ports=0 < 1", () -> SwitchSettings.builder().maxPorts(0).build());
        assertRejected("max-ports=4097 > 4096", () -> SwitchSettings.builder().maxPorts(4097).build());
    }

    @Test
    void burstMayBeZeroWhenStormControlIsOff() {
        SwitchSettings off = SwitchSettings.builder().stormControlPacketsPerSecond(0).stormControlBurst(0).build();
        assertFalse(off.stormControlEnabled());
    }

    @Test
    void setsValuesByTheirTomlKeys() {
        SwitchSettings settings = SwitchSettings.builder()
                .set("mac-aging-seconds", 60).set("mac-table-limit", 1000).set("per-port-mac-limit", 10)
                .set("move-damping-ms", 0).set("storm-control-pps", 0).set("storm-control-burst", 0)
                .set("max-ports", 8).build();
        assertEquals("mac-aging-seconds=60 mac-table-limit=1000 per-port-mac-limit=10 move-damping-ms=0"
                + " forward-stp=false storm-control-pps=0 storm-control-burst=0 max-ports=8", settings.toString());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> SwitchSettings.builder().set("mac-table-size", 5));
        assertTrue(unknown.getMessage().startsWith("unknown switch setting \"mac-table-size\"; known: mac-aging-seconds"));
        assertRejected("mac-table-limit=4294967296 > 2147483647",
                () -> SwitchSettings.builder().set("mac-table-limit", 1L << 32));
        assertThrows(IllegalArgumentException.class, () -> SwitchSettings.builder().set("forward-stp", 1));
    }

    @Test
    void toBuilderKeepsEveryValue() {
        SwitchSettings settings = SwitchSettings.builder().macAgingSeconds(42).macTableLimit(100).perPortMacLimit(7)
                .moveDampingMillis(5).forwardStpBpdus(true).stormControlPacketsPerSecond(9).stormControlBurst(3)
                .maxPorts(12).build();
        assertEquals(settings, settings.toBuilder().build());
        assertEquals(settings.hashCode(), settings.toBuilder().build().hashCode());
        assertEquals(200, SwitchSettings.defaults().toBuilder().macTableLimit(200).build().perPortMacLimit(),
                "an unset per-port limit keeps following the table limit");
    }
}
