package org.tapbridge.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Looks a host name up. May block for seconds (a DNS server that does not answer), so it is only ever
 * called on the {@code resolver} thread, never on the data path. Tests answer from a script instead of the
 * machine's resolver.
 */
@FunctionalInterface
public interface HostResolver {
    /** The addresses {@code host} has now, in the order to try them; throws when it has none. */
    List<InetAddress> resolve(String host) throws UnknownHostException;

    /** The operating system's resolver ({@code /etc/hosts}, DNS, as {@code nsswitch.conf} says). */
    HostResolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));
}
