package org.tapbridge.cli;

import org.tapbridge.control.ControlRequest;
import picocli.CommandLine.Command;

/** {@code tapbridge macs}. */
@Command(name = "macs", description = "Show the MAC table: VLAN, MAC, port, age, type.")
final class MacsCommand extends QueryCommand {
    @Override
    ControlRequest.Command command() {
        return ControlRequest.Command.MACS;
    }
}
