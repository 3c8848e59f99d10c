package org.tapbridge.os;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.SaveError;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * Two network namespaces ({@code nat<pid>-<n>a}/{@code b}) joined by a veth pair with 198.18.0.1/30 and
 * 198.18.0.2/30, deleted on close. {@link #inA}/{@link #inB} run code on a fresh thread that has joined the
 * namespace with setns(2), so that the sockets it opens live there; the thread ends with the call, and the
 * descriptors stay usable from any thread.
 */
final class NatVeth implements AutoCloseable {
    static final String ADDRESS_A = "198.18.0.1";
    static final String ADDRESS_B = "198.18.0.2";

    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;

    /** Only what joining a namespace needs; test code, never the daemon's boundary. */
    public interface SetnsLibC {
        @SaveError
        int open(String path, int flags);

        @SaveError
        int setns(int fd, int nstype);

        int close(int fd);
    }

    private static final SetnsLibC LIBC = LibraryLoader.create(SetnsLibC.class).failImmediately().load("c");

    final String nsA;
    final String nsB;
    final String devA;
    final String devB;

    private NatVeth(String base) {
        this.nsA = base + "a";
        this.nsB = base + "b";
        this.devA = base + "a";
        this.devB = base + "b";
    }

    /** Creates both namespaces and the link with {@code mtu} on both ends; cleans up if any step fails. */
    static NatVeth create(int mtu) {
        return create(mtu, "nat");
    }

    /** As {@link #create(int)}, with names starting with {@code prefix} instead of "nat" (at most 4 characters). */
    static NatVeth create(int mtu, String prefix) {
        Privileges.requireNetworkAdmin();
        String base = prefix + ProcessHandle.current().pid() % 100000 + "-" + SEQUENCE.incrementAndGet();
        NatVeth veth = new NatVeth(base);
        try {
            Shell.run("ip", "netns", "add", veth.nsA);
            Shell.run("ip", "netns", "add", veth.nsB);
            Shell.run("ip", "link", "add", veth.devA, "netns", veth.nsA, "mtu", Integer.toString(mtu), "type", "veth",
                    "peer", "name", veth.devB, "netns", veth.nsB, "mtu", Integer.toString(mtu));
            veth.runIn(veth.nsA, "ip", "link", "set", "lo", "up");
            veth.runIn(veth.nsB, "ip", "link", "set", "lo", "up");
            veth.runIn(veth.nsA, "ip", "addr", "add", ADDRESS_A + "/30", "dev", veth.devA);
            veth.runIn(veth.nsB, "ip", "addr", "add", ADDRESS_B + "/30", "dev", veth.devB);
            veth.runIn(veth.nsA, "ip", "link", "set", veth.devA, "up");
            veth.runIn(veth.nsB, "ip", "link", "set", veth.devB, "up");
            return veth;
        } catch (RuntimeException | Error e) {
            veth.close();
            throw e;
        }
    }

    String runIn(String ns, String... command) {
        String[] full = new String[command.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = ns;
        System.arraycopy(command, 0, full, 4, command.length);
        return Shell.run(full);
    }

    <T> T inA(Callable<T> work) throws Exception {
        return inNamespace(nsA, work);
    }

    <T> T inB(Callable<T> work) throws Exception {
        return inNamespace(nsB, work);
    }

    private static <T> T inNamespace(String ns, Callable<T> work) throws Exception {
        FutureTask<T> task = new FutureTask<>(() -> {
            int fd = LIBC.open("/var/run/netns/" + ns, O_RDONLY_CLOEXEC);
            if (fd < 0) {
                throw new IllegalStateException("open /var/run/netns/" + ns + ": errno "
                        + jnr.ffi.Runtime.getRuntime(LIBC).getLastError());
            }
            try {
                if (LIBC.setns(fd, CLONE_NEWNET) != 0) {
                    throw new IllegalStateException("setns(" + ns + "): errno "
                            + jnr.ffi.Runtime.getRuntime(LIBC).getLastError());
                }
            } finally {
                LIBC.close(fd);
            }
            return work.call();
        });
        Thread thread = new Thread(task, "in-" + ns);
        thread.setDaemon(true);
        thread.start();
        try {
            return task.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw (Error) cause;
        } catch (TimeoutException e) {
            thread.interrupt();
            throw e;
        }
    }

    @Override
    public void close() {
        // Deleting a namespace deletes the veth end inside it, and with it the peer.
        Shell.quiet("ip", "netns", "del", nsA);
        Shell.quiet("ip", "netns", "del", nsB);
    }
}
