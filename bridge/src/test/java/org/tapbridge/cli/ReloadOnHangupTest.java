package org.tapbridge.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReloadOnHangupTest {
    private static final String STATUS = "Name:\tjava\nSigQ:\t0/95654\nSigPnd:\t0000000000000000\n"
            + "SigBlk:\t0000000000000000\nSigIgn:\t%s\nSigCgt:\t0000000000004000\n";

    @Test
    void seesSighupIgnoredAsUnderNohup() {
        assertTrue(ReloadOnHangup.hangupIgnored(String.format(STATUS, "0000000000000001")));
        assertTrue(ReloadOnHangup.hangupIgnored(String.format(STATUS, "0000000000001003")));
    }

    @Test
    void seesSighupHandledWhenOnlyOtherSignalsAreIgnored() {
        assertFalse(ReloadOnHangup.hangupIgnored(String.format(STATUS, "0000000000000000")));
        assertFalse(ReloadOnHangup.hangupIgnored(String.format(STATUS, "0000000000001002")));
        assertFalse(ReloadOnHangup.hangupIgnored("Name:\tjava\n"));
        assertFalse(ReloadOnHangup.hangupIgnored(""));
    }
}
