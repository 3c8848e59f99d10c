package org.tapbridge.tap;

import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Negotiates the vnet header and the offloads on a descriptor just attached with IFF_VNET_HDR: header
 * length 12 (else 10), little-endian fields, then the requested offloads with fallbacks on EINVAL. Keeps
 * the kernel's reason for each refusal. Control path, once per open.
 */
final class VnetSetup {
    private VnetSetup() {
    }

    /**
     * What the device ended up with.
     *
     * @param vnetHeaderLength 0 (no header), 10 or 12
     * @param offloads         the TapOffloads mask the kernel accepted
     * @param requested        the mask asked for
     * @param refusals         "what: why" for every step the kernel refused, in order
     */
    record Outcome(int vnetHeaderLength, int offloads, int requested, List<String> refusals) {
        Outcome {
            refusals = List.copyOf(refusals);
        }

        static Outcome none() {
            return new Outcome(0, 0, 0, List.of());
        }

        static Outcome noHeader(int requested, String why) {
            return new Outcome(0, 0, requested, List.of(why));
        }

        /** For logs and stats: "vnet header 12 B, offloads csum tso4 ...; refused: ...". */
        String describe() {
            StringBuilder sb = new StringBuilder();
            if (vnetHeaderLength == 0) {
                sb.append("no vnet header, offloads none");
            } else {
                sb.append("vnet header ").append(vnetHeaderLength).append(" B (")
                        .append(vnetHeaderLength == VnetHeader.LENGTH_V1 ? "virtio_net_hdr_v1" : "virtio_net_hdr")
                        .append("), offloads ").append(TapOffloads.describe(offloads));
            }
            if (!refusals.isEmpty()) {
                sb.append("; refused: ").append(String.join("; ", refusals));
            }
            return sb.toString();
        }
    }

    /**
     * What to attach with: the TUNSETIFF flags, the offloads asked for, and why a requested vnet header
     * cannot be had (null when it can, or was not asked for).
     */
    record Plan(int flags, boolean vnetHeader, int requested, String noVnetHeader) {
    }

    /** IFF_TAP|IFF_NO_PI, plus IFF_VNET_HDR when asked for and the tun driver has it (TUNGETFEATURES). */
    static Plan plan(NativeLibC.LibC libc, int fd, TapOptions options) {
        int plain = LinuxConstants.IFF_TAP | LinuxConstants.IFF_NO_PI;
        if (!options.vnetHeader()) {
            return new Plan(plain, false, 0, null);
        }
        int features = features(libc, fd);
        if (features >= 0 && (features & LinuxConstants.IFF_VNET_HDR) == 0) {
            return new Plan(plain, false, options.offloads(), "vnet header: this kernel's tun driver lacks"
                    + " IFF_VNET_HDR (features 0x" + Integer.toHexString(features) + ")");
        }
        return new Plan(plain | LinuxConstants.IFF_VNET_HDR, true, options.offloads(), null);
    }

    /**
     * Once attached with {@code plan}: negotiates header and offloads, or, for a plain attach to a
     * persistent device, switches off what a previous attach may have left on.
     *
     * @param attachedFlags the flags TUNGETIFF read back after the attach
     */
    static Outcome afterAttach(NativeLibC.LibC libc, int fd, String device, Plan plan, int attachedFlags,
            boolean createdByUs, String user) throws TapException {
        if (plan.vnetHeader()) {
            if ((attachedFlags & LinuxConstants.IFF_VNET_HDR) == 0) {
                throw new TapException(device, "ioctl(TUNGETIFF)", 0, null, TapErrors.vnetHeaderNotTaken(device, user));
            }
            return negotiate(libc, fd, device, plan.requested());
        }
        if (plan.noVnetHeader() != null) {
            return Outcome.noHeader(plan.requested(), plan.noVnetHeader());
        }
        if (!createdByUs) {
            // Never seen to fail for the attached owner; if it did, the description says so rather than
            // the open failing, which it never did for this before.
            int errno = resetOffloads(libc, fd);
            if (errno != 0) {
                return Outcome.noHeader(0, "switching off offloads left on by a previous attach: "
                        + LinuxConstants.errnoName(errno));
            }
        }
        return Outcome.none();
    }

    /** The IFF_* flags this kernel's tun driver accepts (TUNGETFEATURES), or -errno. */
    private static int features(NativeLibC.LibC libc, int fd) {
        Pointer value = Memory.allocateDirect(NativeLibC.runtime(), Integer.BYTES, true);
        try {
            if (LinuxTapDevice.ioctl(libc, fd, LinuxConstants.TUNGETFEATURES, value.address()) < 0) {
                return -NativeLibC.errno();
            }
            return value.getInt(0);
        } finally {
            Reference.reachabilityFence(value);
        }
    }

    /** Header length, byte order, offloads; throws only for failures that are not a polite refusal. */
    static Outcome negotiate(NativeLibC.LibC libc, int fd, String device, int requested) throws TapException {
        List<String> refusals = new ArrayList<>();
        Pointer value = Memory.allocateDirect(NativeLibC.runtime(), Integer.BYTES, true);
        try {
            int length = VnetHeader.LENGTH_V1;
            int errno = setInt(libc, fd, LinuxConstants.TUNSETVNETHDRSZ, value, length);
            if (errno == LinuxConstants.EINVAL) {
                refusals.add("vnet header length " + length + ": EINVAL, using " + VnetHeader.LENGTH_LEGACY);
                length = VnetHeader.LENGTH_LEGACY;
                errno = setInt(libc, fd, LinuxConstants.TUNSETVNETHDRSZ, value, length);
            }
            if (errno != 0) {
                throw new TapException(device, "ioctl(TUNSETVNETHDRSZ=" + length + ")", errno, null,
                        "the kernel refused the vnet header length; open without offloads");
            }
            errno = setInt(libc, fd, LinuxConstants.TUNSETVNETLE, value, 1);
            if (errno != 0) {
                // Legacy headers are in host order, which is little-endian on every host we run on.
                if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
                    throw new TapException(device, "ioctl(TUNSETVNETLE)", errno, null, "this big-endian host cannot"
                            + " have little-endian vnet headers; open without offloads");
                }
                refusals.add("TUNSETVNETLE: " + LinuxConstants.errnoName(errno) + " (harmless: host order is"
                        + " little-endian)");
            }
            int enabled = -1;
            for (int mask : TapOffloads.fallbacks(requested)) {
                errno = setOffload(libc, fd, mask);
                if (errno == 0) {
                    enabled = mask;
                    break;
                }
                if (errno != LinuxConstants.EINVAL) {
                    throw new TapException(device, "ioctl(TUNSETOFFLOAD=0x" + Integer.toHexString(mask) + ")", errno,
                            null, "cannot set the offloads '" + TapOffloads.describe(mask) + "'");
                }
                refusals.add("offloads " + TapOffloads.describe(mask) + ": EINVAL");
            }
            if (enabled < 0) {
                // Even "none" was refused: nothing in the kernel does that, but say so rather than guess.
                throw new TapException(device, "ioctl(TUNSETOFFLOAD=0)", LinuxConstants.EINVAL, null,
                        "the kernel refused to turn the offloads off");
            }
            return new Outcome(length, enabled, requested, refusals);
        } finally {
            Reference.reachabilityFence(value);
        }
    }

    /**
     * Switches the offloads of a persistent device off for a plain attach. They belong to the device and
     * outlive the descriptor that set them: without this, a daemon that attaches without a vnet header
     * after one that had offloads would read 64 KB super-frames with partial checksums and no header to
     * say so. Returns 0 or the errno (a new device has them off anyway, so the caller only reports it).
     */
    private static int resetOffloads(NativeLibC.LibC libc, int fd) {
        return setOffload(libc, fd, 0);
    }

    private static int setOffload(NativeLibC.LibC libc, int fd, int mask) {
        // TUNSETOFFLOAD takes the mask as the argument itself.
        return LinuxTapDevice.ioctl(libc, fd, LinuxConstants.TUNSETOFFLOAD, Integer.toUnsignedLong(mask)) < 0
                ? NativeLibC.errno() : 0;
    }

    private static int setInt(NativeLibC.LibC libc, int fd, long request, Pointer value, int v) {
        value.putInt(0, v);
        return LinuxTapDevice.ioctl(libc, fd, request, value.address()) < 0 ? NativeLibC.errno() : 0;
    }
}
