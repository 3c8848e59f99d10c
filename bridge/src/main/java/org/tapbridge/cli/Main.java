package org.tapbridge.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code tapbridge}: sub-commands for the daemon, config checks and operator queries. */
@Command(name = "tapbridge", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Layer-2 gateway joining distant Ethernet LANs over authenticated peer links.",
        subcommands = {RunCommand.class, CheckCommand.class, MacsCommand.class, NeighborsCommand.class, PeersCommand.class,
                StatsCommand.class, ReloadCommand.class, GenKeyCommand.class, PubKeyCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    /** Exit status when the command ran and failed. */
    public static final int FAILED = 1;
    /** Exit status for bad usage or a bad configuration. */
    public static final int USAGE = 2;

    /**
     * After the command, the shutdown hooks get this long to stop the daemon; then the JVM halts, so that a
     * stuck thread (the very reason a daemon may be failing) cannot keep a dead site's process alive.
     */
    static final long EXIT_DEADLINE_MS = 10_000;

    public static void main(String[] args) {
        int status = run(args);
        Thread deadline = new Thread(() -> {
            try {
                Thread.sleep(EXIT_DEADLINE_MS);
            } catch (InterruptedException e) {
                return;
            }
            Runtime.getRuntime().halt(status == 0 ? FAILED : status);
        }, "exit-deadline");
        deadline.setDaemon(true);
        deadline.start();
        System.exit(status);
    }

    /** Runs a command line and returns its exit status. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs a command line with the given output streams; for tests. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        Logging.configure();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("tapbridge: " + e.getMessage());
            return FAILED;
        });
        return cli.execute(args);
    }
}
