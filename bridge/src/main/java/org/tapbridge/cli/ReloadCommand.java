package org.tapbridge.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.tapbridge.config.ConfigException;
import org.tapbridge.config.ConfigLoader;
import org.tapbridge.control.ControlClient;
import org.tapbridge.control.ControlRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tapbridge reload}: the running daemon re-reads a configuration file and applies what may change
 * live (see docs/reload.md). Exit 0 applied, 1 failed (no daemon, no answer), 2 the file was refused.
 */
@Command(name = "reload", description = {"Make the running daemon re-read its configuration and apply peers,"
        + " static MACs and switch limits without a restart.",
        "A file that is invalid, or changes what only a restart can change, is refused and nothing is applied."})
final class ReloadCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "The site file to apply; its [site]"
            + " control-socket finds the daemon unless --socket is given. Default: the file the daemon started from.")
    Path config;

    @Option(names = {"-s", "--socket"}, paramLabel = "PATH", description = "The daemon's control socket.")
    Path socket;

    @Option(names = "--json", description = "Print what changed as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        // Absolute: the daemon reads it from its own working directory.
        Path file = config == null ? null : config.toAbsolutePath().normalize();
        if (file != null && file.toString().chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            err.println("tapbridge reload: the path " + file + " holds a control character");
            return Main.USAGE;
        }
        Path target = socket;
        try {
            if (target == null && file != null) {
                target = ConfigLoader.load(file).controlSocket();
            }
            if (target == null) {
                target = QueryCommand.onlySocket();
            }
        } catch (ConfigException e) {
            err.println(e.getMessage());
            err.println("tapbridge reload: nothing was sent; the running configuration stays");
            return Main.USAGE;
        } catch (IllegalArgumentException e) {
            err.println("tapbridge reload: " + e.getMessage());
            return Main.USAGE;
        }
        String reply;
        try {
            reply = ControlClient.query(target, new ControlRequest(ControlRequest.Command.RELOAD, json,
                    file == null ? null : file.toString()));
        } catch (IOException e) {
            err.println("tapbridge reload: " + e.getMessage());
            return Main.FAILED;
        }
        if (reply.startsWith("error: refused: ")) {
            err.print(reply.substring("error: refused: ".length()));
            err.println("tapbridge reload: refused; the running configuration stays");
            err.flush();
            return Main.USAGE;
        }
        if (reply.startsWith("error: ") || reply.isEmpty()) {
            err.print("tapbridge reload: " + (reply.isEmpty() ? "no answer from the daemon\n" : reply.substring(7)));
            err.flush();
            return Main.FAILED;
        }
        spec.commandLine().getOut().print(reply);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
