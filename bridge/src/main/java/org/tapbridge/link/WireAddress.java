package org.tapbridge.link;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.tapbridge.crypto.HandshakeSource;

/**
 * A UDP source or destination held as plain fields, so that the data path can compare and copy the
 * address of every datagram without creating objects. Mutable; owned by whoever holds it (a receive
 * batch entry, a ring slot, a peer link). {@link #toInetSocketAddress()} allocates, for the rare paths.
 */
public final class WireAddress {
    public static final int NONE = 0;
    public static final int IPV4 = 4;
    public static final int IPV6 = 6;

    private int family;
    /** IPv6: the first 64 bits; IPv4: 0. */
    private long high;
    /** IPv6: the last 64 bits; IPv4: the address as an unsigned 32-bit value. */
    private long low;
    private int port;
    /** IPv6 scope (link-local addresses); 0 otherwise. */
    private int scopeId;

    public int family() {
        return family;
    }

    public long high() {
        return high;
    }

    public long low() {
        return low;
    }

    public int port() {
        return port;
    }

    public int scopeId() {
        return scopeId;
    }

    public boolean isSet() {
        return family != NONE;
    }

    public WireAddress clear() {
        family = NONE;
        high = 0;
        low = 0;
        port = 0;
        scopeId = 0;
        return this;
    }

    public WireAddress setIpv4(int address, int port) {
        this.family = IPV4;
        this.high = 0;
        this.low = address & 0xFFFF_FFFFL;
        this.port = port;
        this.scopeId = 0;
        return this;
    }

    public WireAddress setIpv6(long high, long low, int port, int scopeId) {
        this.family = IPV6;
        this.high = high;
        this.low = low;
        this.port = port;
        this.scopeId = scopeId;
        return this;
    }

    public WireAddress set(WireAddress other) {
        this.family = other.family;
        this.high = other.high;
        this.low = other.low;
        this.port = other.port;
        this.scopeId = other.scopeId;
        return this;
    }

    /** Takes a socket address from configuration or a rare path; null clears. */
    public WireAddress set(InetSocketAddress address) {
        if (address == null || address.getAddress() == null) {
            return clear();
        }
        byte[] raw = address.getAddress().getAddress();
        if (raw.length == 4) {
            return setIpv4((int) bytesToLong(raw, 0, 4), address.getPort());
        }
        int scope = address.getAddress() instanceof Inet6Address v6 ? v6.getScopeId() : 0;
        return setIpv6(bytesToLong(raw, 0, 8), bytesToLong(raw, 8, 8), address.getPort(), scope);
    }

    public boolean sameAs(WireAddress other) {
        return family == other.family && port == other.port && low == other.low && high == other.high
                && scopeId == other.scopeId;
    }

    /** Writes this address into {@code into} for the handshake layer (rate limiting, cookies); flags cleared. */
    public HandshakeSource describe(HandshakeSource into) {
        return switch (family) {
            case IPV4 -> into.ipv4((int) low, port);
            case IPV6 -> into.ipv6(high, low, port);
            default -> into.none();
        };
    }

    /** Allocates: for logs, roaming and the control path only. */
    public InetSocketAddress toInetSocketAddress() {
        if (family == NONE) {
            return null;
        }
        try {
            InetAddress address;
            if (family == IPV4) {
                address = InetAddress.getByAddress(longToBytes(low, 4));
            } else {
                byte[] raw = new byte[16];
                System.arraycopy(longToBytes(high, 8), 0, raw, 0, 8);
                System.arraycopy(longToBytes(low, 8), 0, raw, 8, 8);
                address = scopeId != 0 ? Inet6Address.getByAddress(null, raw, scopeId) : InetAddress.getByAddress(raw);
            }
            return new InetSocketAddress(address, port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
        }
    }

    public boolean isIpv4() {
        return family == IPV4;
    }

    @Override
    public String toString() {
        InetSocketAddress a = toInetSocketAddress();
        if (a == null) {
            return "(none)";
        }
        String host = a.getAddress().getHostAddress();
        return (a.getAddress() instanceof Inet4Address ? host : "[" + host + "]") + ":" + port;
    }

    private static long bytesToLong(byte[] raw, int from, int count) {
        long v = 0;
        for (int i = 0; i < count; i++) {
            v = v << 8 | (raw[from + i] & 0xFF);
        }
        return v;
    }

    private static byte[] longToBytes(long v, int count) {
        byte[] out = new byte[count];
        for (int i = count - 1; i >= 0; i--) {
            out[i] = (byte) v;
            v >>>= 8;
        }
        return out;
    }
}
