package org.tapbridge.testing;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network namespace created for one test and deleted on close, with a name unique to this JVM
 * ({@code tbt<pid>-<n>-<label>}) so that parallel runs and leftovers never collide.
 */
public final class Netns implements AutoCloseable {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private final String name;

    private Netns(String name) {
        this.name = name;
    }

    /** Creates a namespace with loopback up. The label is for people reading {@code ip netns}. */
    public static Netns create(String label) {
        Privileges.requireNetworkAdmin();
        String name = uniquePrefix() + SEQUENCE.incrementAndGet() + "-" + label;
        if (name.length() > 40) {
            name = name.substring(0, 40);
        }
        Shell.run("ip", "netns", "add", name);
        Netns ns = new Netns(name);
        ns.run("ip", "link", "set", "lo", "up");
        return ns;
    }

    /** Prefix shared by every namespace and device this JVM creates. */
    public static String uniquePrefix() {
        return "tbt" + ProcessHandle.current().pid() % 100000 + "-";
    }

    /** A device name (at most 15 characters) unique to this JVM. */
    public static String deviceName(String label) {
        String n = "t" + ProcessHandle.current().pid() % 100000 + SEQUENCE.incrementAndGet() + label;
        return n.length() > 15 ? n.substring(0, 15) : n;
    }

    public String name() {
        return name;
    }

    /** Runs a command inside the namespace; throws unless it exits 0. */
    public String run(String... command) {
        return Shell.run(inside(command));
    }

    /** Runs a command inside the namespace and returns its result, whatever the exit status. */
    public Shell.Result exec(long timeoutSeconds, String... command) {
        return Shell.exec(timeoutSeconds, inside(command));
    }

    /** The argv that runs {@code command} inside this namespace, for ProcessBuilder. */
    public String[] inside(String... command) {
        return Shell.concat(List.of("ip", "netns", "exec", name), command).toArray(new String[0]);
    }

    /** Joins this namespace and another with a veth pair, one end in each. */
    public void vethTo(Netns other, String localName, String remoteName) {
        String tmp = deviceName("v");
        Shell.run("ip", "link", "add", tmp, "type", "veth", "peer", "name", remoteName, "netns", other.name);
        Shell.run("ip", "link", "set", tmp, "netns", name);
        run("ip", "link", "set", tmp, "name", localName);
        run("ip", "link", "set", localName, "up");
        other.run("ip", "link", "set", remoteName, "up");
    }

    @Override
    public void close() {
        // Processes still inside would keep devices alive: the tests kill their own by PID first.
        Shell.quiet("ip", "netns", "del", name);
    }
}
