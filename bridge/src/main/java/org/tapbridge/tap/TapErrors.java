package org.tapbridge.tap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns an errno from the TAP set-up calls into the cause and the fix in plain words, using what sysfs
 * said about the device. Pure functions of their arguments (except {@link #holders}), so tests can feed
 * them any situation.
 */
final class TapErrors {
    private TapErrors() {
    }

    /** Why open(path) of the clone device failed. */
    static String openCloneDevice(String path, int errno) {
        switch (errno) {
            case LinuxConstants.ENOENT:
                return path + " does not exist, so the tun driver is not available. Load it with"
                        + " 'modprobe tun' (add 'tun' to /etc/modules-load.d/tun.conf to keep it across"
                        + " reboots); in a container, pass the device in (e.g. --device /dev/net/tun)";
            case LinuxConstants.ENODEV:
            case LinuxConstants.ENXIO:
                return path + " exists but no driver answers: the tun module is not loaded. Load it with"
                        + " 'modprobe tun'; in a container the host has to load it";
            case LinuxConstants.EACCES:
            case LinuxConstants.EPERM:
                return "this process may not open " + path + " (uid " + euid() + "). Check its mode with"
                        + " 'ls -l " + path + "' (normally crw-rw-rw-); in a container, allow character device"
                        + " 10:200";
            default:
                return "cannot open the tun clone device " + path;
        }
    }

    /** Why TUNSETIFF with IFF_TAP|IFF_NO_PI failed, given what sysfs said just before the call. */
    static String setIff(String device, int errno, NetDeviceFacts facts, long euid, String user,
            List<String> holders) {
        return setIff(device, errno, facts, euid, user, holders, LinuxConstants.IFF_TAP | LinuxConstants.IFF_NO_PI);
    }

    /** Why TUNSETIFF with {@code flags} failed, given what sysfs said just before the call. */
    static String setIff(String device, int errno, NetDeviceFacts facts, long euid, String user,
            List<String> holders, int flags) {
        return setIff(device, errno, facts, euid, user, holders, flags, 1);
    }

    /**
     * Why TUNSETIFF with {@code flags} failed, given what sysfs said about the device; {@code queues} is
     * {@link TapOptions#queues()}, for the fix when the kernel refused a multi-queue attach.
     */
    static String setIff(String device, int errno, NetDeviceFacts facts, long euid, String user,
            List<String> holders, int flags, int queues) {
        switch (errno) {
            case LinuxConstants.EPERM:
                return notPermitted(device, facts, euid, user);
            case LinuxConstants.EBUSY:
                return device + " is already attached to another open file: a single-queue TAP accepts one"
                        + " reader at a time" + (holders.isEmpty() ? "" : " (held by " + String.join(", ", holders) + ")")
                        + ". Stop the other tapbridge, VM or VPN using it, or choose another name";
            case LinuxConstants.EINVAL:
                return facts.exists() ? modeMismatch(device, facts, user, flags, queues)
                        : "the kernel rejected the request for TAP " + device + " (flags " + flagNames(flags) + ");"
                                + " check that the name is a valid interface name";
            case LinuxConstants.E2BIG:
                return device + " already has the most queues the kernel allows (256 attached or detached);"
                        + " close some, or ask for fewer queues";
            default:
                return "cannot create or attach TAP " + device;
        }
    }

    private static String flagNames(int flags) {
        StringBuilder sb = new StringBuilder((flags & LinuxConstants.IFF_TUN) != 0 ? "IFF_TUN" : "IFF_TAP");
        if ((flags & LinuxConstants.IFF_NO_PI) != 0) {
            sb.append("|IFF_NO_PI");
        }
        if ((flags & LinuxConstants.IFF_VNET_HDR) != 0) {
            sb.append("|IFF_VNET_HDR");
        }
        if ((flags & LinuxConstants.IFF_MULTI_QUEUE) != 0) {
            sb.append("|IFF_MULTI_QUEUE");
        }
        return sb.toString();
    }

    /**
     * EINVAL from TUNSETIFF on an existing device: the kernel says no more, so the mode it is in (TUN,
     * not a TAP, single- or multi-queue against what {@code flags} asked for) is the likely cause.
     */
    private static String modeMismatch(String device, NetDeviceFacts facts, String user, int flags, int queues) {
        String kind = wrongKind(device, facts, user);
        if (kind != null) {
            return kind;
        }
        boolean askedMultiQueue = (flags & LinuxConstants.IFF_MULTI_QUEUE) != 0;
        if (askedMultiQueue && !facts.isMultiQueue()) {
            return singleQueue(device, user, Math.max(2, queues));
        }
        if (!askedMultiQueue && facts.isMultiQueue()) {
            return device + " is a multi-queue TAP, but tapbridge attached single-queue (the device changed while"
                    + " tapbridge opened it, or it is not persistent and another process holds it). Start tapbridge"
                    + " again; if it persists, delete it ('ip tuntap del dev " + device + " mode tap multi_queue')"
                    + " and recreate it with scripts/setup-bridge.sh";
        }
        return "the kernel rejected the request for TAP " + device + " (flags " + flagNames(flags) + ") although"
                + " sysfs shows " + facts.kindForPeople() + " (tun_flags 0x" + Integer.toHexString(facts.tunFlags())
                + "); delete it ('ip link del " + device + "') and let scripts/setup-bridge.sh recreate it";
    }

    /**
     * The TAP exists single-queue but {@code queues} (above 1) loops want one queue each: the queue mode is
     * fixed when a TAP is created, so it has to be recreated, or the site run with one queue.
     */
    static String singleQueue(String device, String user, int queues) {
        return device + " is a single-queue TAP, but [site] queues = " + queues + " needs a multi-queue TAP."
                + " Recreate it with 'scripts/setup-bridge.sh ... --queues " + queues + "' (or 'ip tuntap del dev "
                + device + " mode tap', then 'ip tuntap add dev " + device + " mode tap multi_queue user " + user
                + " vnet_hdr'), or set queues = 1";
    }

    /**
     * Null when a device that exists can be opened with {@code queues} queues, else why not: a single-queue
     * TAP cannot give more than one, and a multi-queue TAP that is not persistent belongs to the process
     * that created it (attaching would quietly take a share of its frames). Call after {@link #wrongKind}.
     */
    static String queueMismatch(String device, NetDeviceFacts facts, String user, int queues) {
        if (!facts.isTapMode()) {
            return null;
        }
        if (queues > 1 && !facts.isMultiQueue()) {
            return singleQueue(device, user, queues);
        }
        if (facts.isMultiQueue() && !facts.isPersistent()) {
            return device + " is a multi-queue TAP created by another process (it is not persistent): attaching"
                    + " would take a share of that process's frames. Stop that process (the other tapbridge, VM or"
                    + " VPN), or choose another name; for tapbridge, prepare a persistent TAP with"
                    + " scripts/setup-bridge.sh";
        }
        return null;
    }

    /**
     * TUNSETIFF with IFF_VNET_HDR succeeded but the flags read back lack it. Kernels since 2.6 take the
     * flags from every attach, also to a persistent TAP created without them (checked on 6.18, as its
     * unprivileged owner too); should one not, the flag has to be set when the TAP is made.
     */
    static String vnetHeaderNotTaken(String device, String user) {
        return "attached to " + device + " with IFF_VNET_HDR, but the kernel kept the device's own flags, which"
                + " lack it: recreate the TAP with the flag ('ip tuntap del dev " + device + " mode tap', then 'ip tuntap"
                + " add dev " + device + " mode tap user " + user + " vnet_hdr'),"
                + " or run without offloads";
    }

    /**
     * The device exists but is not a TAP, so TUNSETIFF(IFF_TAP) would fail with EINVAL. Null when the facts
     * show nothing wrong; whether its queue mode fits is {@link #queueMismatch}'s question.
     */
    static String wrongKind(String device, NetDeviceFacts facts, String user) {
        if (facts.isTunMode()) {
            return device + " exists in the wrong mode: it is a TUN (layer 3, mode tun) device, but tapbridge"
                    + " needs a TAP (layer 2, mode tap). Recreate it with 'ip tuntap del dev " + device
                    + " mode tun' and 'ip tuntap add dev " + device + " mode tap user " + user
                    + "', or choose another name";
        }
        if (!facts.isTunTap()) {
            return device + " already exists as " + facts.kindForPeople() + ", not a TAP device."
                    + " Choose another name for the TAP (it must not clash with existing interfaces)";
        }
        return null;
    }

    private static String notPermitted(String device, NetDeviceFacts facts, long euid, String user) {
        String fix = "Fix: run tapbridge as the owner, let root prepare the device for this user ('ip tuntap"
                + " add dev " + device + " mode tap user " + user + "', as scripts/setup-bridge.sh does), or"
                + " grant the daemon CAP_NET_ADMIN (AmbientCapabilities=CAP_NET_ADMIN in its systemd unit)";
        if (!facts.exists()) {
            return "creating TAP " + device + " needs CAP_NET_ADMIN, which this process (uid " + euid
                    + ") does not have. " + fix;
        }
        if (facts.owner() >= 0 || facts.group() >= 0) {
            StringBuilder who = new StringBuilder();
            if (facts.owner() >= 0) {
                who.append("uid ").append(facts.owner());
            }
            if (facts.group() >= 0) {
                who.append(who.length() > 0 ? " and " : "").append("gid ").append(facts.group());
            }
            return "not the owner: " + device + " belongs to " + who + ", this process runs as uid " + euid
                    + " without CAP_NET_ADMIN. " + fix;
        }
        return device + " has no owner or group restriction, so the refusal comes from a security module"
                + " (SELinux, AppArmor) or a user namespace without CAP_NET_ADMIN; check the audit log";
    }

    /** Why setting the MTU or the up flag of an attached device failed. */
    static String configure(String device, String what, int errno, String command) {
        if (errno == LinuxConstants.EPERM || errno == LinuxConstants.EACCES) {
            return what + " needs CAP_NET_ADMIN, which this process (uid " + euid() + ") does not have."
                    + " Either let root prepare the device once ('" + command + "', as scripts/setup-bridge.sh"
                    + " does) or grant the daemon CAP_NET_ADMIN";
        }
        if (errno == LinuxConstants.EINVAL) {
            return what + " was refused: the value is outside what " + device + " accepts";
        }
        return what + " failed";
    }

    /** Processes holding {@code device} open, as "pid 123 (qemu)"; best effort, for the EBUSY message. */
    static List<String> holders(String device) {
        List<String> found = new ArrayList<>();
        String needle = "iff:\t" + device + "\n";
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                if (found.size() >= 5) {
                    break;
                }
                if (holds(proc, needle)) {
                    found.add("pid " + proc.getFileName() + " (" + comm(proc) + ")");
                }
            }
        } catch (IOException | RuntimeException e) {
            // Best effort: the message is still clear without the holder.
        }
        return found;
    }

    private static boolean holds(Path proc, String needle) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fdinfo"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readString(fd, StandardCharsets.UTF_8).contains(needle)) {
                        return true;
                    }
                } catch (IOException | RuntimeException e) {
                    // fd closed meanwhile, or not ours to read.
                }
            }
        } catch (IOException | RuntimeException e) {
            // Process gone or not ours to read.
        }
        return false;
    }

    private static String comm(Path proc) {
        try {
            return Files.readString(proc.resolve("comm"), StandardCharsets.UTF_8).trim();
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static long euid() {
        return NativeLibC.unavailableCause() == null ? NativeLibC.libcOrNull().geteuid() : -1;
    }
}
