package org.tapbridge.cli;

import org.tapbridge.control.ControlRequest;
import picocli.CommandLine.Command;

/** {@code tapbridge neighbors}. */
@Command(name = "neighbors", description = "Show the ARP/ND suppression table: VLAN, IP, MAC, port, age, state.")
final class NeighborsCommand extends QueryCommand {
    @Override
    ControlRequest.Command command() {
        return ControlRequest.Command.NEIGHBORS;
    }
}
