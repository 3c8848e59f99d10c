package org.tapbridge.neighbor;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * One binding as {@code tapbridge neighbors} shows it; an immutable copy for any thread.
 *
 * @param address IPv4 (4 bytes) or IPv6 (16 bytes)
 * @param state {@link #STATE_REACHABLE}, {@link #STATE_CONFLICT} or {@link #STATE_UNCONFIRMED}
 * @param challenger the MAC of a pending conflicting claim, or 0
 */
public record NeighborEntry(int vlan, byte[] address, long mac, int port, long ageMillis, String state,
                            long challenger, int moves) {
    /** Answered for when learned on a peer port. */
    public static final String STATE_REACHABLE = "reachable";
    /** Another MAC claimed the address lately: requests are flooded until the claims settle. */
    public static final String STATE_CONFLICT = "conflict";
    /** IPv6 learned only from a solicitation: its router flag is unknown, so it is not answered for yet. */
    public static final String STATE_UNCONFIRMED = "unconfirmed";

    public NeighborEntry {
        address = address.clone();
    }

    @Override
    public byte[] address() {
        return address.clone();
    }

    public boolean isIpv4() {
        return address.length == 4;
    }

    /** The address in its usual text form ({@code 192.0.2.1}, {@code fe80::1}). */
    public String addressText() {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of " + address.length + " bytes", e);
        }
    }

    static byte[] bytes(long high, long low) {
        if (NeighborTable.isIpv4(high, low)) {
            return ByteBuffer.allocate(4).putInt((int) low).array();
        }
        return ByteBuffer.allocate(16).putLong(high).putLong(low).array();
    }
}
