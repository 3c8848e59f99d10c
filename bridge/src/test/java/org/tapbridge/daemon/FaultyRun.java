package org.tapbridge.daemon;

import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import org.tapbridge.cli.Main;

/**
 * {@code tapbridge} with one fault injected through {@link FaultInjector}, run as its own JVM by
 * {@link DaemonExitTest}: {@code FaultyRun FAULT ARGS...}. Prints {@code FAULT-INJECTED-AT-MS <epoch ms>}
 * when the fault fires, so the test can time the exit from there.
 */
public final class FaultyRun {
    private FaultyRun() {
    }

    public static void main(String[] args) {
        switch (args[0]) {
            case "none" -> { }
            case "datapath-error" -> FaultInjector.afterStartHook = d -> d.loop().mailbox().post(() -> {
                announce();
                throw new NoSuchMethodError("injected by FaultyRun");
            });
            case "datapath-stall" -> FaultInjector.afterStartHook = d -> d.loop().mailbox().post(() -> {
                announce();
                while (true) {
                    LockSupport.park();
                }
            });
            case "control-error" -> FaultInjector.controlRequestHook = () -> {
                announce();
                throw new StackOverflowError("injected by FaultyRun");
            };
            default -> throw new IllegalArgumentException("unknown fault " + args[0]);
        }
        Main.main(Arrays.copyOfRange(args, 1, args.length));
    }

    private static void announce() {
        System.out.println("FAULT-INJECTED-AT-MS " + System.currentTimeMillis());
        System.out.flush();
    }
}
