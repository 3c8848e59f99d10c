package org.tapbridge.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.tapbridge.config.ConfigException;
import org.tapbridge.config.ConfigLoader;
import org.tapbridge.control.ControlClient;
import org.tapbridge.control.ControlRequest;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Shared body of {@code macs}, {@code peers} and {@code stats}: find the socket, ask, print. */
abstract class QueryCommand implements Callable<Integer> {
    private static final Path RUN_DIR = Path.of("/run/tapbridge");

    static final class Target {
        @Option(names = {"-s", "--socket"}, paramLabel = "PATH", description = "The daemon's control socket.")
        Path socket;

        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "The site file; its [site] control-socket is used.")
        Path config;
    }

    @ArgGroup(exclusive = true)
    Target target;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    abstract ControlRequest.Command command();

    @Override
    public Integer call() {
        Path socket;
        try {
            socket = socket();
        } catch (ConfigException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return Main.USAGE;
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("tapbridge " + command().wireName() + ": " + e.getMessage());
            return Main.USAGE;
        }
        try {
            String reply = ControlClient.query(socket, new ControlRequest(command(), json));
            if (reply.startsWith("error: ")) {
                spec.commandLine().getErr().print("tapbridge " + command().wireName() + ": " + reply.substring(7));
                spec.commandLine().getErr().flush();
                return Main.FAILED;
            }
            spec.commandLine().getOut().print(reply);
            spec.commandLine().getOut().flush();
            return 0;
        } catch (IOException e) {
            spec.commandLine().getErr().println("tapbridge " + command().wireName() + ": " + e.getMessage());
            return Main.FAILED;
        }
    }

    /** --socket, else --config's control-socket, else the only socket in /run/tapbridge. */
    private Path socket() throws ConfigException {
        if (target != null && target.socket != null) {
            return target.socket;
        }
        if (target != null && target.config != null) {
            return ConfigLoader.load(target.config).controlSocket();
        }
        return onlySocket();
    }

    /** The only socket in /run/tapbridge; IllegalArgumentException when there is none or several. */
    static Path onlySocket() {
        List<Path> sockets;
        try (Stream<Path> files = Files.list(RUN_DIR)) {
            sockets = files.filter(p -> p.toString().endsWith(".sock")).sorted().toList();
        } catch (IOException e) {
            sockets = List.of();
        }
        if (sockets.size() == 1) {
            return sockets.get(0);
        }
        throw new IllegalArgumentException(sockets.isEmpty()
                ? "no daemon socket in " + RUN_DIR + "; give --socket PATH or --config FILE"
                : "several daemons run here (" + sockets + "); choose one with --socket or --config");
    }
}
