package org.tapbridge.cli;

import org.tapbridge.control.ControlRequest;
import picocli.CommandLine.Command;

/** {@code tapbridge stats}. */
@Command(name = "stats", description = "Show the switch, link and TAP counters.")
final class StatsCommand extends QueryCommand {
    @Override
    ControlRequest.Command command() {
        return ControlRequest.Command.STATS;
    }
}
