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
        return create(uniquePrefix(), label);
    }

    /**
     * As {@link #create(String)}, named {@code <prefix><pid>-<n>-<label>} for a test suite that owns the
     * prefix (e.g. "off" for the offload tests), so that its leftovers can be told from others'.
     */
    public static Netns createWithPrefix(String prefix, String label) {
        return create(prefix + ProcessHandle.current().pid() % 100000 + "-", label);
    }

    private static Netns create(String prefix, String label) {
        Privileges.requireNetworkAdmin();
        String name = prefix + SEQUENCE.incrementAndGet() + "-" + label;
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
        return deviceName("t", label);
    }

    /** A device name (at most 15 characters) unique to this JVM, starting with {@code prefix}. */
    public static String deviceName(String prefix, String label) {
        String n = prefix + ProcessHandle.current().pid() % 100000 + SEQUENCE.incrementAndGet() + label;
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

    /** Only what joining a namespace needs: test code, never the daemon's native boundary. */
    public interface SetnsLibC {
        @jnr.ffi.annotations.SaveError
        int open(String path, int flags);

        @jnr.ffi.annotations.SaveError
        int setns(int fd, int nstype);

        int close(int fd);
    }

    private static final class Setns {
        static final SetnsLibC LIBC = jnr.ffi.LibraryLoader.create(SetnsLibC.class).failImmediately().load("c");
        static final int CLONE_NEWNET = 0x40000000;
        static final int O_RDONLY_CLOEXEC = 0x80000;
    }

    /**
     * Runs {@code work} on a fresh thread that has joined this namespace (setns), so that the devices it
     * creates or attaches by name and the sockets it opens are this namespace's; descriptors stay usable
     * from any thread afterwards. Note that /sys/class/net still shows the test JVM's own namespace.
     */
    public <T> T call(java.util.concurrent.Callable<T> work) throws Exception {
        java.util.concurrent.FutureTask<T> task = new java.util.concurrent.FutureTask<>(() -> {
            int fd = Setns.LIBC.open("/var/run/netns/" + name, Setns.O_RDONLY_CLOEXEC);
            if (fd < 0) {
                throw new IllegalStateException("open /var/run/netns/" + name + ": errno "
                        + jnr.ffi.Runtime.getRuntime(Setns.LIBC).getLastError());
            }
            try {
                if (Setns.LIBC.setns(fd, Setns.CLONE_NEWNET) != 0) {
                    throw new IllegalStateException("setns(" + name + "): errno "
                            + jnr.ffi.Runtime.getRuntime(Setns.LIBC).getLastError());
                }
            } finally {
                Setns.LIBC.close(fd);
            }
            return work.call();
        });
        Thread thread = new Thread(task, "in-" + name);
        thread.setDaemon(true);
        thread.start();
        try {
            return task.get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw (Error) e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            thread.interrupt();
            throw e;
        }
    }

    @Override
    public void close() {
        // Processes still inside would keep devices alive: the tests kill their own by PID first.
        Shell.quiet("ip", "netns", "del", name);
    }
}
