package org.tapbridge.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Gate for tests that need root, /dev/net/tun or network namespaces: under CI=true a missing privilege fails. */
public final class Privileges {
    private Privileges() {
    }

    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Root, a usable /dev/net/tun and the ip(8) tool; skips outside CI, fails inside it. */
    public static void requireNetworkAdmin() {
        String missing = missingNetworkAdmin();
        if (missing == null) {
            return;
        }
        if (inCi()) {
            fail("CI=true but this test cannot run: " + missing);
        }
        assumeTrue(false, "skipped: " + missing);
    }

    /** A command on PATH (e.g. tcpdump); skips outside CI, fails inside it. */
    public static void requireCommand(String command, String debianPackage) {
        if (Shell.onPath(command)) {
            return;
        }
        String why = "'" + command + "' is not installed (apt-get install " + debianPackage + ")";
        if (inCi()) {
            fail("CI=true but " + why);
        }
        assumeTrue(false, "skipped: " + why);
    }

    private static String missingNetworkAdmin() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "not running as root (user " + System.getProperty("user.name") + ")";
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            return "/dev/net/tun is missing (modprobe tun)";
        }
        if (!Shell.onPath("ip")) {
            return "the ip command is missing (apt-get install iproute2)";
        }
        return null;
    }
}
