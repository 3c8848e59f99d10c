package org.tapbridge.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code tapbridge}: sub-commands for the daemon, config checks and operator queries. */
@Command(name = "tapbridge", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Layer-2 gateway joining distant Ethernet LANs over authenticated peer links.",
        subcommands = {RunCommand.class, CheckCommand.class, MacsCommand.class, PeersCommand.class,
                StatsCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    /** Exit status when the command ran and failed. */
    public static final int FAILED = 1;
    /** Exit status for bad usage or a bad configuration. */
    public static final int USAGE = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit status; for tests and {@link #main}. */
    public static int run(String... args) {
        Logging.configure();
        CommandLine cli = new CommandLine(new Main());
        cli.setExitCodeExceptionMapper(e -> FAILED);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("tapbridge: " + e.getMessage());
            return FAILED;
        });
        return cli.execute(args);
    }
}
