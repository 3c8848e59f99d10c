package org.tapbridge.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SessionSettingsTest {
    @Test
    void defaultsAreWireGuardsTimersAndTheIssuesLimits() {
        SessionSettings d = SessionSettings.defaults();
        assertEquals(120_000_000_000L, d.rekeyAfterTimeNs());
        assertEquals(180_000_000_000L, d.rejectAfterTimeNs());
        assertEquals(1L << 60, d.rekeyAfterMessages());
        assertEquals("18446744073709543424", Long.toUnsignedString(d.rejectAfterMessages()), "2^64 - 2^13");
    }

    @Test
    void namesBothNumbersWhenRejectComesBeforeRekey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SessionSettings.defaults().withRekeyAfterMessages(100, 50));
        assertEquals("reject-after-messages=50 must be > rekey-after-messages=100 and <= 18446744073709543424",
                e.getMessage());
    }

    @Test
    void refusesANonPositiveRate() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SessionSettings.defaults().withHandshakeRates(0, 1, 1));
        assertEquals("handshakes-per-second-per-source=0 < 1", e.getMessage());
    }
}
