package org.tapbridge.tap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What sysfs says about an interface before we touch it: whether it exists, whether it is a TUN/TAP
 * device and in which mode, and who may attach to it. Used to explain failures, never to decide alone.
 *
 * @param tunFlags {@code /sys/class/net/NAME/tun_flags}, or -1 when the device is not a TUN/TAP device
 * @param owner    uid allowed to attach, -1 for anyone
 * @param group    gid allowed to attach, -1 for any
 * @param devType  DEVTYPE from uevent ("bridge", "veth"...), or "" when none is given
 */
record NetDeviceFacts(String name, boolean exists, int tunFlags, long owner, long group, String devType) {
    static final Path SYS_CLASS_NET = Path.of("/sys/class/net");

    static NetDeviceFacts read(String name) {
        return read(SYS_CLASS_NET, name);
    }

    static NetDeviceFacts read(Path sysClassNet, String name) {
        Path dir = sysClassNet.resolve(name);
        if (!Files.isDirectory(dir)) {
            return new NetDeviceFacts(name, false, -1, -1, -1, "");
        }
        int tunFlags = (int) parse(readOrNull(dir.resolve("tun_flags")), -1);
        long owner = parse(readOrNull(dir.resolve("owner")), -1);
        long group = parse(readOrNull(dir.resolve("group")), -1);
        return new NetDeviceFacts(name, true, tunFlags, owner, group, devType(readOrNull(dir.resolve("uevent"))));
    }

    boolean isTunTap() {
        return tunFlags >= 0;
    }

    boolean isTapMode() {
        return isTunTap() && (tunFlags & LinuxConstants.IFF_TAP) != 0;
    }

    boolean isTunMode() {
        return isTunTap() && (tunFlags & LinuxConstants.IFF_TUN) != 0;
    }

    boolean isMultiQueue() {
        return isTunTap() && (tunFlags & LinuxConstants.IFF_MULTI_QUEUE) != 0;
    }

    boolean isPersistent() {
        return isTunTap() && (tunFlags & LinuxConstants.IFF_PERSIST) != 0;
    }

    /** "a bridge", "a veth device", "a device of an unknown kind" for messages. */
    String kindForPeople() {
        if (isTunMode()) {
            return "a TUN (layer 3, mode tun) device";
        }
        if (isTapMode()) {
            return "a TAP device";
        }
        return devType.isEmpty() ? "an interface that is not a TUN/TAP device" : "a " + devType + " interface";
    }

    private static String readOrNull(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Parses "0x1002", "1000" or "-1"; the fallback when absent or malformed. */
    static long parse(String text, long fallback) {
        if (text == null || text.isEmpty()) {
            return fallback;
        }
        try {
            if (text.startsWith("0x") || text.startsWith("0X")) {
                return Long.parseLong(text.substring(2), 16);
            }
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static String devType(String uevent) {
        if (uevent == null) {
            return "";
        }
        for (String line : uevent.split("\n")) {
            if (line.startsWith("DEVTYPE=")) {
                return line.substring("DEVTYPE=".length()).trim();
            }
        }
        return "";
    }
}
