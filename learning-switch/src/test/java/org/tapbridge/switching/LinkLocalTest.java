package org.tapbridge.switching;

import org.tapbridge.drops.DropReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.tapbridge.switching.LearningSwitch.DROP;
import static org.tapbridge.switching.LearningSwitch.FLOOD;
import static org.tapbridge.switching.LearningSwitch.NO_GROUP;
import static org.tapbridge.switching.Macs.A;
import static org.tapbridge.switching.Macs.T0;

import org.junit.jupiter.api.Test;

class LinkLocalTest {
    private static final long STP = 0x01_80_C2_00_00_00L;

    private static LearningSwitch switchWith(SwitchSettings settings) {
        LearningSwitch sw = new LearningSwitch(settings);
        sw.addPort(1, NO_GROUP);
        sw.addPort(2, NO_GROUP);
        return sw;
    }

    @Test
    void neverForwardsTheIeeeLinkLocalRangeByDefault() {
        LearningSwitch sw = switchWith(SwitchSettings.defaults());
        for (int last = 0x00; last <= 0x0F; last++) {
            assertEquals(DROP, sw.forward(1, 0, A, STP | last, T0), "01:80:c2:00:00:0" + Integer.toHexString(last));
            assertEquals(DropReason.LINK_LOCAL, sw.lastDropReason());
        }
        assertEquals(16, sw.snapshot().dropped(1, DropReason.LINK_LOCAL));
    }

    @Test
    void forwardsStpBpdusOnlyWhenConfiguredAndStillDropsTheRestOfTheRange() {
        LearningSwitch sw = switchWith(SwitchSettings.builder().forwardStpBpdus(true).build());
        assertEquals(FLOOD, sw.forward(1, 0, A, STP, T0));
        for (int last = 0x01; last <= 0x0F; last++) {
            assertEquals(DROP, sw.forward(1, 0, A, STP | last, T0), "01:80:c2:00:00:0" + Integer.toHexString(last));
        }
    }

    @Test
    void floodsGroupAddressesJustOutsideTheRange() {
        LearningSwitch sw = switchWith(SwitchSettings.defaults());
        assertEquals(FLOOD, sw.forward(1, 0, A, STP | 0x10, T0));
        assertEquals(FLOOD, sw.forward(1, 0, A, 0x01_80_C2_00_01_00L, T0));
    }
}
