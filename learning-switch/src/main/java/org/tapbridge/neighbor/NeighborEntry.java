package org.tapbridge.neighbor;

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

    /** The address in its usual text form: {@code 192.0.2.1}, and IPv6 as RFC 5952 writes it ({@code fe80::1}). */
    public String addressText() {
        if (address.length == 4) {
            return (address[0] & 0xFF) + "." + (address[1] & 0xFF) + "." + (address[2] & 0xFF) + "." + (address[3] & 0xFF);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (address[2 * i] & 0xFF) << 8 | (address[2 * i + 1] & 0xFF);
        }
        // The longest run of two or more zero groups (the first of equal runs) becomes "::".
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    static byte[] bytes(long high, long low) {
        if (NeighborTable.isIpv4(high, low)) {
            return ByteBuffer.allocate(4).putInt((int) low).array();
        }
        return ByteBuffer.allocate(16).putLong(high).putLong(low).array();
    }
}
