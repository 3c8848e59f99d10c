package org.tapbridge.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/** The deployment scripts run as root on gateways: they must pass shellcheck without exceptions. */
class ShellScriptLintTest {
    @Test
    void deploymentScriptsPassShellcheck() {
        Privileges.requireCommand("shellcheck", "shellcheck");
        // -x follows the sourced helper, run from the repo root so its relative path resolves.
        Shell.Result r = Shell.exec(60, "sh", "-c", "cd \"$1\" && shellcheck -x --severity=style scripts/setup-bridge.sh "
                + "scripts/install.sh scripts/tapbridge scripts/demo.sh scripts/test.sh scripts/fuzz.sh scripts/soak.sh "
                + "scripts/bench/ping-sweep.sh scripts/bench/ping-rounds.sh scripts/bench/measure-ab.sh "
                + "scripts/bench/reuseport-icmp.sh scripts/bench/wire-gw.sh .ci/run", "lint",
                Repo.path("."));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    }

    @Test
    void shellcheckWouldReportAnUnquotedExpansion() throws Exception {
        // Shows that the lint above can fail.
        Privileges.requireCommand("shellcheck", "shellcheck");
        Path bad = Files.createTempFile("tb-lint", ".sh");
        try {
            Files.writeString(bad, "#!/bin/bash\nrm $1\n");
            Shell.Result r = Shell.exec(60, "shellcheck", bad.toString());
            assertEquals(1, r.exitCode(), r.stdout());
        } finally {
            Files.delete(bad);
        }
    }
}
