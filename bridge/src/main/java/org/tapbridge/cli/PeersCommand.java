package org.tapbridge.cli;

import org.tapbridge.control.ControlRequest;
import picocli.CommandLine.Command;

/** {@code tapbridge peers}. */
@Command(name = "peers", description = "Show the peers: endpoint, transport, state, traffic, drops.")
final class PeersCommand extends QueryCommand {
    @Override
    ControlRequest.Command command() {
        return ControlRequest.Command.PEERS;
    }
}
