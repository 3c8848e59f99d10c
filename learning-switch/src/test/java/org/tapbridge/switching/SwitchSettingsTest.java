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
        assertEquals(8_192, settings.perPortMacLimit());
        assertEquals(4_096, settings.localMacReserve());
        assertEquals(10_000, settings.unknownUnicastPacketsPerSecond());
        assertEquals(10_000, settings.unknownUnicastBurst());
        assertEquals(50, settings.loopFlapsPerSecond());
        assertEquals(10, settings.loopBlockSeconds());
        assertEquals(320, settings.loopBlockMaxSeconds());
        assertEquals(1_000, settings.moveDampingMillis());
        assertEquals(1_000_000_000L, settings.moveDampingNanos());
        assertFalse(settings.forwardStpBpdus());
        assertEquals(2_000, settings.stormControlPacketsPerSecond());
        assertEquals(1_000, settings.stormControlBurst());
        assertTrue(settings.stormControlEnabled());
        assertEquals(256, settings.maxPorts());
    }

    @Test
    void perPortLimitIsHalfTheTableUnlessSet() {
        assertEquals(2_500, SwitchSettings.builder().macTableLimit(5_000).build().perPortMacLimit());
        assertEquals(3, SwitchSettings.builder().macTableLimit(5).build().perPortMacLimit(), "rounded up");
        assertEquals(1, SwitchSettings.builder().macTableLimit(1).build().perPortMacLimit());
        assertEquals(100, SwitchSettings.builder().macTableLimit(5_000).perPortMacLimit(100).build().perPortMacLimit());
    }

    @Test
    void localReserveIsAQuarterOfTheTableAtMostThePerPortLimitUnlessSet() {
        assertEquals(1_250, SwitchSettings.builder().macTableLimit(5_000).build().localMacReserve());
        assertEquals(100, SwitchSettings.builder().macTableLimit(5_000).perPortMacLimit(100).build().localMacReserve());
        assertEquals(0, SwitchSettings.builder().macTableLimit(1).build().localMacReserve());
        assertEquals(7, SwitchSettings.builder().localMacReserve(7).build().localMacReserve());
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
        assertRejected("local-mac-reserve=-1 < 0", () -> SwitchSettings.builder().localMacReserve(-1).build());
        assertRejected("local-mac-reserve=9000 > per-port-mac-limit=8192",
                () -> SwitchSettings.builder().localMacReserve(9_000).build());
        assertRejected("local-mac-reserve=10 >= mac-table-limit=10, which leaves peers no room",
                () -> SwitchSettings.builder().macTableLimit(10).perPortMacLimit(10).localMacReserve(10).build());
        assertRejected("unknown-unicast-pps=-1 < 0",
                () -> SwitchSettings.builder().unknownUnicastPacketsPerSecond(-1).build());
        assertRejected("unknown-unicast-burst=0 < 1", () -> SwitchSettings.builder().unknownUnicastBurst(0).build());
        assertRejected("loop-flaps-per-second=-1 < 0", () -> SwitchSettings.builder().loopFlapsPerSecond(-1).build());
        assertRejected("loop-block-seconds=0 < 1", () -> SwitchSettings.builder().loopBlockSeconds(0).build());
        assertRejected("loop-block-max-seconds=86401 > 86400",
                () -> SwitchSettings.builder().loopBlockMaxSeconds(86_401).build());
        assertRejected("loop-block-max-seconds=5 < loop-block-seconds=10",
                () -> SwitchSettings.builder().loopBlockMaxSeconds(5).build());
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
                .set("max-ports", 8).set("local-mac-reserve", 5).set("unknown-unicast-pps", 0)
                .set("unknown-unicast-burst", 0).set("loop-flaps-per-second", 0).set("loop-block-seconds", 2)
                .set("loop-block-max-seconds", 4).set("neighbor-table-limit", 64).set("neighbor-aging-seconds", 30)
                .build();
        assertEquals("mac-aging-seconds=60 mac-table-limit=1000 per-port-mac-limit=10 move-damping-ms=0"
                + " forward-stp=false storm-control-pps=0 storm-control-burst=0 max-ports=8 local-mac-reserve=5"
                + " unknown-unicast-pps=0 unknown-unicast-burst=0 loop-flaps-per-second=0 loop-block-seconds=2"
                + " loop-block-max-seconds=4 arp-suppression=false neighbor-table-limit=64 neighbor-aging-seconds=30",
                settings.toString());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> SwitchSettings.builder().set("mac-table-size", 5));
        assertTrue(unknown.getMessage().startsWith("unknown switch setting \"mac-table-size\"; known: mac-aging-seconds"));
        assertRejected("mac-table-limit=4294967296 > 2147483647",
                () -> SwitchSettings.builder().set("mac-table-limit", 1L << 32));
        assertThrows(IllegalArgumentException.class, () -> SwitchSettings.builder().set("forward-stp", 1));
        assertThrows(IllegalArgumentException.class, () -> SwitchSettings.builder().set("arp-suppression", 1));
        assertRejected("neighbor-table-limit=0 < 1", () -> SwitchSettings.builder().neighborTableLimit(0).build());
        assertRejected("neighbor-aging-seconds=0 < 1", () -> SwitchSettings.builder().neighborAgingSeconds(0).build());
    }

    @Test
    void toBuilderKeepsEveryValue() {
        SwitchSettings settings = SwitchSettings.builder().macAgingSeconds(42).macTableLimit(100).perPortMacLimit(7)
                .moveDampingMillis(5).forwardStpBpdus(true).stormControlPacketsPerSecond(9).stormControlBurst(3)
                .maxPorts(12).localMacReserve(3).unknownUnicastPacketsPerSecond(11).unknownUnicastBurst(13)
                .loopFlapsPerSecond(17).loopBlockSeconds(19).loopBlockMaxSeconds(23).arpSuppression(true)
                .neighborTableLimit(29).neighborAgingSeconds(31).build();
        assertEquals(settings, settings.toBuilder().build());
        assertEquals(settings.hashCode(), settings.toBuilder().build().hashCode());
        assertEquals(100, SwitchSettings.defaults().toBuilder().macTableLimit(200).build().perPortMacLimit(),
                "an unset per-port limit keeps following the table limit");
        assertEquals(50, SwitchSettings.defaults().toBuilder().macTableLimit(200).build().localMacReserve(),
                "so does an unset local reserve");
    }
}
