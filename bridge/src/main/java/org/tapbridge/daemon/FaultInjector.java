package org.tapbridge.daemon;

import java.util.function.Consumer;

/**
 * Faults a test injects into a running daemon, to check that a thread dying ends the process. Reachable
 * only from code in this package, which outside the tests there is none of; no flag or property sets it,
 * so no production run can by accident. Both hooks are null unless a test set them.
 */
final class FaultInjector {
    /** Runs on the starting thread once a daemon's threads run, e.g. to hand its loop a failing task. */
    static volatile Consumer<Daemon> afterStartHook;
    /** Runs on the control thread before each request is answered. */
    static volatile Runnable controlRequestHook;

    private FaultInjector() {
    }

    static void afterStart(Daemon daemon) {
        Consumer<Daemon> hook = afterStartHook;
        if (hook != null) {
            hook.accept(daemon);
        }
    }

    static void beforeControlRequest() {
        Runnable hook = controlRequestHook;
        if (hook != null) {
            hook.run();
        }
    }
}
