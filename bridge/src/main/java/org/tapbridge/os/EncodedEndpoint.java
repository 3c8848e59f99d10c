package org.tapbridge.os;

import static org.tapbridge.os.NativeSockets.MEMORY;

import java.net.Inet6Address;
import java.net.InetSocketAddress;

/**
 * An immutable UDP/TCP endpoint encoded once (on the control path) into the primitive form the data path
 * compares and writes without allocating: family, port, the address as two big-endian {@code long}s and
 * the IPv6 scope id. Compare received sources with {@link DatagramBatch#sameSource} or
 * {@link EndpointKey#sameAs}; address datagrams with {@link DatagramBatch#setTarget}. Any thread.
 *
 * <p>IPv4 {@code a.b.c.d} is {@code hi = 0, lo = 0xaabbccdd}; IPv6 is bytes 0..7 in {@code hi} and 8..15 in
 * {@code lo}, most significant first, so {@code ::1} is {@code hi = 0, lo = 1}.
 */
public final class EncodedEndpoint {
    private final InetSocketAddress address;
    private final int family;
    private final int port;
    private final long hi;
    private final long lo;
    private final int scopeId;
    // The same values in the byte order a native store needs, computed once.
    private final short nativePort;
    private final int nativeIpv4;
    private final long nativeHi;
    private final long nativeLo;

    private EncodedEndpoint(InetSocketAddress address, int family, long hi, long lo, int port, int scopeId) {
        this.address = address;
        this.family = family;
        this.hi = hi;
        this.lo = lo;
        this.port = port;
        this.scopeId = scopeId;
        this.nativePort = SockAddr.toNativePort(port);
        this.nativeIpv4 = SockAddr.toNetworkInt((int) lo);
        this.nativeHi = SockAddr.toNetworkLong(hi);
        this.nativeLo = SockAddr.toNetworkLong(lo);
    }

    /** Encodes a resolved address; IllegalArgumentException for an unresolved one. Allocates. */
    public static EncodedEndpoint of(InetSocketAddress address) {
        int family = SockAddr.family(address);
        byte[] b = address.getAddress().getAddress();
        if (family == SockAddr.AF_INET) {
            long lo = (b[0] & 0xffL) << 24 | (b[1] & 0xffL) << 16 | (b[2] & 0xffL) << 8 | (b[3] & 0xffL);
            return new EncodedEndpoint(address, family, 0, lo, address.getPort(), 0);
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = hi << 8 | (b[i] & 0xffL);
            lo = lo << 8 | (b[8 + i] & 0xffL);
        }
        int scopeId = ((Inet6Address) address.getAddress()).getScopeId();
        return new EncodedEndpoint(address, family, hi, lo, address.getPort(), scopeId);
    }

    /** Builds one from decoded parts (for {@link EndpointKey#toEncoded}); allocates an InetSocketAddress. */
    static EncodedEndpoint of(int family, long hi, long lo, int port, int scopeId) {
        InetSocketAddress address = SockAddr.toInetSocketAddress(family, hi, lo, port, scopeId);
        return new EncodedEndpoint(address, family, hi, lo, port, scopeId);
    }

    /** AF_INET (2) or AF_INET6 (10). */
    public int family() {
        return family;
    }

    public int port() {
        return port;
    }

    /** IPv6 bytes 0..7, big-endian; 0 for IPv4. */
    public long hi() {
        return hi;
    }

    /** IPv6 bytes 8..15, or the IPv4 address in the low 32 bits; big-endian. */
    public long lo() {
        return lo;
    }

    /** The IPv6 scope (interface index) of a link-local address; 0 otherwise. */
    public int scopeId() {
        return scopeId;
    }

    /** The address this was encoded from, or built from the decoded parts; no allocation. */
    public InetSocketAddress toInetSocketAddress() {
        return address;
    }

    /** Same value as {@link EndpointKey#hash()} for the same endpoint, for primitive open-addressing maps. */
    public int hash() {
        return EndpointKey.hash(family, hi, lo, port, scopeId);
    }

    public boolean sameAs(EndpointKey key) {
        return key.sameAs(this);
    }

    /** Writes the native sockaddr at {@code memory} (at least {@link SockAddr#IN6_SIZE} bytes); returns its length. */
    int writeTo(long memory) {
        MEMORY.putShort(memory + SockAddr.FAMILY_OFFSET, (short) family);
        MEMORY.putShort(memory + SockAddr.PORT_OFFSET, nativePort);
        if (family == SockAddr.AF_INET) {
            MEMORY.putInt(memory + SockAddr.IN_ADDR_OFFSET, nativeIpv4);
            MEMORY.putLong(memory + 8, 0L); // sin_zero
            return SockAddr.IN_SIZE;
        }
        MEMORY.putInt(memory + SockAddr.IN6_FLOWINFO_OFFSET, 0);
        MEMORY.putLong(memory + SockAddr.IN6_ADDR_OFFSET, nativeHi);
        MEMORY.putLong(memory + SockAddr.IN6_ADDR_OFFSET + 8, nativeLo);
        MEMORY.putInt(memory + SockAddr.IN6_SCOPE_ID_OFFSET, scopeId);
        return SockAddr.IN6_SIZE;
    }

    /** True when the native sockaddr at {@code memory} is this endpoint (IPv6 flowinfo ignored). */
    boolean matches(long memory) {
        if ((MEMORY.getShort(memory + SockAddr.FAMILY_OFFSET) & 0xffff) != family
                || MEMORY.getShort(memory + SockAddr.PORT_OFFSET) != nativePort) {
            return false;
        }
        if (family == SockAddr.AF_INET) {
            return MEMORY.getInt(memory + SockAddr.IN_ADDR_OFFSET) == nativeIpv4;
        }
        return MEMORY.getLong(memory + SockAddr.IN6_ADDR_OFFSET) == nativeHi
                && MEMORY.getLong(memory + SockAddr.IN6_ADDR_OFFSET + 8) == nativeLo
                && MEMORY.getInt(memory + SockAddr.IN6_SCOPE_ID_OFFSET) == scopeId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncodedEndpoint e && e.family == family && e.port == port && e.hi == hi && e.lo == lo
                && e.scopeId == scopeId;
    }

    @Override
    public int hashCode() {
        return hash();
    }

    @Override
    public String toString() {
        return SockAddr.format(family, hi, lo, port, scopeId);
    }
}
