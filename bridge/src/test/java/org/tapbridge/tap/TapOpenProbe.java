package org.tapbridge.tap;

/**
 * Child-process entry point for permission tests: opens a TAP as whatever user runs it and reports the
 * outcome on stdout. The clone device path is an argument because the test hands the child its own node;
 * a fifth argument asks for a vnet header and those offloads (hex). Exit 0 attached, 3 TapException (its
 * message printed), 2 usage.
 */
public final class TapOpenProbe {
    private TapOpenProbe() {
    }

    public static void main(String[] args) {
        if (args.length != 4 && args.length != 5) {
            System.out.println("usage: TapOpenProbe NAME MTU BRING_UP CLONE_DEVICE [OFFLOADS_HEX]");
            System.exit(2);
        }
        TapOptions options = new TapOptions(args[0], Integer.parseInt(args[1]), Boolean.parseBoolean(args[2]));
        if (args.length == 5) {
            options = options.withOffloads(Integer.parseInt(args[4], 16));
        }
        try (LinuxTapDevice tap = LinuxTapDevice.open(options, args[3])) {
            System.out.println("attached " + tap.name() + " mtu=" + tap.mtu() + " createdByUs=" + tap.createdByUs()
                    + (args.length == 5 ? " vnet=" + tap.vnetHeaderLength() + " offloads=0x"
                            + Integer.toHexString(tap.offloads()) + " (" + tap.offloadDescription() + ")" : "")
                    + " refusals=" + tap.offloadRefusals());
            System.exit(0);
        } catch (TapException e) {
            System.out.println(e.getMessage());
            System.exit(3);
        }
    }
}
