package org.tapbridge.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * The systemd units: {@code systemd-analyze verify} on the units as install.sh lays them out in a
 * temporary root (verify checks that ExecStart binaries exist, so it needs them installed, and
 * {@code --root} keeps it off the real system; the distribution's own units are copied into that
 * root because ours depend on sysinit.target and friends). Verify knows keys but not intent, so
 * the keys the issue asks for are also checked one by one.
 */
class UnitFilesTest {
    private Path root;
    private Path inputs;

    @BeforeEach
    void installedIntoATemporaryRoot() throws IOException {
        Privileges.requireNetworkAdmin(); // install.sh insists on root
        root = Files.createTempDirectory("tb-units-root");
        inputs = Files.createTempDirectory("tb-units-inputs");
        List<String> cmd = new ArrayList<>(List.of(Repo.path("scripts/install.sh"), "--root", root.toString()));
        cmd.addAll(InstallTest.artifactArgs(inputs));
        Shell.run(cmd.toArray(new String[0]));
    }

    @AfterEach
    void removeRoot() throws IOException {
        for (Path dir : new Path[] {root, inputs}) {
            if (dir != null) {
                try (Stream<Path> all = Files.walk(dir)) {
                    for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
    }

    private Shell.Result verify() {
        Privileges.requireCommand("systemd-analyze", "systemd");
        Path systemUnits = Path.of("/usr/lib/systemd/system");
        if (!Files.isDirectory(root.resolve("usr/lib/systemd/system"))) {
            Shell.run("mkdir", "-p", root.resolve("usr/lib/systemd").toString());
            Shell.run("cp", "-r", systemUnits.toString(), root.resolve("usr/lib/systemd/").toString());
        }
        return Shell.exec(60, "systemd-analyze", "verify", "--man=no", "--root=" + root,
                "tapbridge@site1.service", "tapbridge-setup@site1.service");
    }

    @Test
    void systemdAnalyzeVerifyFindsNothingToReport() {
        Shell.Result r = verify();
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertEquals("", (r.stdout() + r.stderr()).trim(), "verify reported something");
    }

    @Test
    void systemdAnalyzeVerifyWouldReportAMisspelledKey() throws IOException {
        // Shows that the check above can fail: verify only warns about unknown keys, on its output.
        Path unit = root.resolve("usr/local/lib/systemd/system/tapbridge@.service");
        Files.writeString(unit, Files.readString(unit).replace("WatchdogSec=", "WatchdogSecs="));
        Shell.Result r = verify();
        assertTrue((r.stdout() + r.stderr()).contains("Unknown key 'WatchdogSecs'"), r.stdout() + r.stderr());
    }

    /** Key to values (a key may repeat) of one section, from the repository's unit file. */
    private static Map<String, List<String>> section(String unit, String name) throws IOException {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        String current = null;
        for (String line : Files.readAllLines(Repo.root().resolve("systemd").resolve(unit))) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#") || t.startsWith(";")) {
                continue;
            }
            if (t.startsWith("[")) {
                current = t;
                continue;
            }
            int eq = t.indexOf('=');
            if (eq < 0) {
                fail(unit + ": not a key=value line: " + line);
            }
            if (("[" + name + "]").equals(current)) {
                keys.computeIfAbsent(t.substring(0, eq).strip(), k -> new ArrayList<>()).add(t.substring(eq + 1).strip());
            }
        }
        return keys;
    }

    private static String one(Map<String, List<String>> keys, String key) {
        List<String> values = keys.get(key);
        if (values == null || values.size() != 1) {
            fail("expected exactly one " + key + "=, found " + values);
        }
        return values.get(0);
    }

    @Test
    void daemonUnitRunsAsNotifyServiceWithoutCapabilitiesAndHardened() throws IOException {
        Map<String, List<String>> s = section("tapbridge@.service", "Service");
        assertEquals("notify", one(s, "Type"));
        assertEquals("tapbridge", one(s, "User"));
        assertEquals("/usr/local/bin/tapbridge run --config /etc/tapbridge/%i.toml", one(s, "ExecStart"));
        assertFalse(s.containsKey("ExecStartPre"),
                "RestartPreventExitStatus=2 ignores ExecStartPre=, so a bad config there would restart in a loop");
        assertEquals("", one(s, "CapabilityBoundingSet"), "no capabilities: the TAP is persistent");
        assertEquals("", one(s, "AmbientCapabilities"));
        assertEquals("on-failure", one(s, "Restart"));
        assertTrue(s.containsKey("WatchdogSec"));
        // Through the control socket rather than kill -HUP: systemctl reload then fails on a refused file.
        assertEquals("/usr/local/bin/tapbridge reload --config /etc/tapbridge/%i.toml", one(s, "ExecReload"));
        assertEquals("strict", one(s, "ProtectSystem"));
        assertEquals("yes", one(s, "ProtectHome"));
        assertEquals("yes", one(s, "PrivateTmp"));
        assertEquals("yes", one(s, "NoNewPrivileges"));
        assertEquals("AF_UNIX AF_INET AF_INET6", one(s, "RestrictAddressFamilies"));
        assertEquals("/dev/net/tun rw", one(s, "DeviceAllow"));
        assertEquals("tapbridge", one(s, "RuntimeDirectory"));
        assertFalse(s.containsKey("MemoryDenyWriteExecute"), "it breaks the JIT");
        assertFalse(s.containsKey("PrivateDevices"), "it would hide /dev/net/tun");
        Map<String, List<String>> u = section("tapbridge@.service", "Unit");
        assertEquals("tapbridge-setup@%i.service", one(u, "Requires"));
        assertTrue(one(u, "After").contains("tapbridge-setup@%i.service"));
    }

    @Test
    void setupUnitIsAOneshotThatRunsTheScriptFromTheBridgeFile() throws IOException {
        Map<String, List<String>> s = section("tapbridge-setup@.service", "Service");
        assertEquals("oneshot", one(s, "Type"));
        assertEquals("yes", one(s, "RemainAfterExit"));
        assertEquals("/usr/local/lib/tapbridge/setup-bridge.sh --config /etc/tapbridge/%i.bridge", one(s, "ExecStart"));
        assertEquals("/usr/local/lib/tapbridge/setup-bridge.sh --config /etc/tapbridge/%i.bridge --down",
                one(s, "ExecStop"));
        assertEquals("CAP_NET_ADMIN", one(s, "CapabilityBoundingSet"));
        assertEquals("tapbridge-setup", one(s, "RuntimeDirectory"), "setup-bridge.sh's default --state-dir");
        assertEquals("tapbridge@%i.service", one(section("tapbridge-setup@.service", "Unit"), "Before"));
    }
}
