package org.tapbridge.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of {@link ControlRequest#parse} on what a client of the control socket can send
 * (Jazzer; see scripts/fuzz.sh). The input is the raw bytes on the socket; like the server, the harness takes
 * them up to the first newline, at most {@link ControlRequest#MAX_LINE} bytes, decoded as UTF-8. Invariants:
 * parse returns a request or throws IllegalArgumentException, nothing else; its message, which goes back to
 * the client after "error: ", is one line of printable ASCII (a client cannot make the reply carry text of
 * its choosing on further lines); a parsed request survives its own wire form. Seeds and regression inputs:
 * {@code src/test/resources/org/tapbridge/control/ControlRequestFuzzTestInputs/}.
 */
class ControlRequestFuzzTest {
    @FuzzTest
    void parsesAnyLineIntoARequestOrAOneLineError(byte[] input) {
        int end = Math.min(input.length, ControlRequest.MAX_LINE);
        for (int i = 0; i < end; i++) {
            if (input[i] == '\n') {
                end = i;
                break;
            }
        }
        String line = new String(input, 0, end, StandardCharsets.UTF_8);
        ControlRequest request;
        try {
            request = ControlRequest.parse(line);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            assertNotNull(message, "an error without a message");
            for (int i = 0; i < message.length(); i++) {
                char c = message.charAt(i);
                assertTrue(c >= 0x20 && c < 0x7F, "error message carries char " + (int) c + ": " + message);
            }
            return;
        }
        assertNotNull(request.command());
        String wire = request.toLine();
        assertTrue(wire.endsWith("\n") && wire.indexOf('\n') == wire.length() - 1, "wire form " + wire);
        assertEquals(request, ControlRequest.parse(wire.substring(0, wire.length() - 1)), "round trip");
    }
}
