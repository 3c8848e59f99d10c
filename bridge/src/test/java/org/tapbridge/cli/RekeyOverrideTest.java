package org.tapbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tapbridge.crypto.SessionSettings;

class RekeyOverrideTest {
    private static final String KEY = "tapbridge.rekey-after-seconds";

    @AfterEach
    void clear() {
        System.clearProperty(KEY);
    }

    @Test
    void withoutThePropertyTheDaemonUsesWireGuardsTimers() {
        assertEquals(SessionSettings.defaults(), RunCommand.sessionSettings());
    }

    @Test
    void aShorterRekeyKeepsTheMinuteOfGraceBeforeKeysAreRejected() {
        System.setProperty(KEY, "15");
        SessionSettings s = RunCommand.sessionSettings();
        assertEquals(TimeUnit.SECONDS.toNanos(15), s.rekeyAfterTimeNs());
        assertEquals(TimeUnit.SECONDS.toNanos(75), s.rejectAfterTimeNs());
        assertEquals(SessionSettings.defaults().rekeyTimeoutNs(), s.rekeyTimeoutNs());
    }

    @Test
    void aValueOutsideTenToOneHundredTwentySecondsIsRefusedWithItsName() {
        for (String bad : new String[] {"9", "121", "fast", "", "-5"}) {
            System.setProperty(KEY, bad);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, RunCommand::sessionSettings);
            assertTrue(e.getMessage().contains("-Dtapbridge.rekey-after-seconds=" + bad), e.getMessage());
        }
    }
}
