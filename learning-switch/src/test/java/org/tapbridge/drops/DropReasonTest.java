package org.tapbridge.drops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class DropReasonTest {

    /** Codes index counter arrays: two reasons sharing a code (say, after a merge) would add up silently. */
    @Test
    void everyReasonHasItsOwnCodeAndToken() throws IllegalAccessException {
        Map<Integer, String> byCode = new HashMap<>();
        for (Field field : DropReason.class.getFields()) {
            if (!Modifier.isStatic(field.getModifiers()) || field.getType() != int.class
                    || field.getName().equals("COUNT") || field.getName().equals("SWITCH_COUNT")) {
                continue;
            }
            int code = field.getInt(null);
            String previous = byCode.put(code, field.getName());
            assertEquals(null, previous, field.getName() + " and " + previous + " share code " + code);
            assertTrue(code >= 0 && code < DropReason.COUNT, field.getName() + "=" + code);
        }
        assertEquals(DropReason.COUNT, byCode.size(), "codes 0..COUNT-1 are all used");
        Set<String> tokens = new HashSet<>();
        for (int reason = 0; reason < DropReason.COUNT; reason++) {
            assertTrue(tokens.add(DropReason.name(reason)), DropReason.name(reason));
        }
    }

    @Test
    void theSwitchReasonsIncludeTheFloodLimitAndLoopBlocks() {
        assertTrue(DropReason.isSwitch(DropReason.UNKNOWN_UNICAST_LIMIT));
        assertTrue(DropReason.isSwitch(DropReason.LOOP_BLOCKED));
        assertEquals("unknown-unicast-limit", DropReason.name(DropReason.UNKNOWN_UNICAST_LIMIT));
        assertEquals("loop-blocked", DropReason.name(DropReason.LOOP_BLOCKED));
        assertTrue(DropReason.isLink(DropReason.TRUNCATED) && !DropReason.isSwitch(DropReason.TRUNCATED));
    }
}
