package org.tapbridge.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/** {@code reload [json] [PATH]} on the wire, and who may send it. */
class ReloadRequestTest {
    @TempDir
    Path dir;

    @Test
    void parsesReloadWithOrWithoutJsonAndAPathThatMayHoldSpaces() {
        assertEquals(new ControlRequest(ControlRequest.Command.RELOAD, false, null), ControlRequest.parse("reload"));
        assertEquals(new ControlRequest(ControlRequest.Command.RELOAD, true, null), ControlRequest.parse("reload json"));
        ControlRequest request = ControlRequest.parse("reload json /etc/tapbridge/site a.toml ");
        assertEquals(new ControlRequest(ControlRequest.Command.RELOAD, true, "/etc/tapbridge/site a.toml"), request);
        assertEquals("reload json /etc/tapbridge/site a.toml\n", request.toLine());
        assertEquals(request, ControlRequest.parse("reload json /etc/tapbridge/site a.toml"));
        assertEquals("/json", ControlRequest.parse("reload /json").path());
    }

    @Test
    void refusesARelativePathOrControlCharactersWithAOneLineMessage() {
        IllegalArgumentException relative = assertThrows(IllegalArgumentException.class,
                () -> ControlRequest.parse("reload site.toml"));
        assertEquals("reload: 'site.toml' is not an absolute path", relative.getMessage());
        IllegalArgumentException control = assertThrows(IllegalArgumentException.class,
                () -> ControlRequest.parse("reload /etc/a\u001b[2Jb.toml"));
        assertEquals("reload: the path holds a control character", control.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ControlRequest.parse("peers /etc/x.toml"));
    }

    @Test
    void onlyRootOrTheDaemonsUserMayReloadWhileTheSocketsGroupMayStillQuery() throws IOException {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("setpriv", "util-linux");
        Privileges.requireCommand("nc", "netcat-openbsd");
        Path socket = dir.resolve("site.sock");
        ControlServer server = ControlServer.bind(socket, request -> request.command().wireName() + " done\n");
        server.start();
        try {
            // The group "nogroup" may use the socket, as the group tapbridge does under systemd.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Shell.run("chgrp", "65534", socket.toString());

            assertEquals("reload done\n", ControlClient.query(socket,
                    new ControlRequest(ControlRequest.Command.RELOAD, false, null)), "root may reload");
            assertEquals("peers done\n", asNobody(socket, "peers"), "the group may query");
            String refused = asNobody(socket, "reload /tmp/evil.toml");
            assertTrue(refused.startsWith("error: reload needs root or the daemon's own user (root); "), refused);
            assertTrue(refused.endsWith(" may only query\n"), refused);
        } finally {
            server.close();
        }
    }

    /** Sends one request line as uid/gid 65534 (nobody/nogroup) and returns the reply. */
    private static String asNobody(Path socket, String line) {
        Shell.Result r = Shell.exec(20, "sh", "-c", "printf '%s\\n' \"$1\" | setpriv --reuid=65534 --regid=65534"
                + " --clear-groups nc -N -U \"$2\"", "sh", line, socket.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        return r.stdout();
    }
}
