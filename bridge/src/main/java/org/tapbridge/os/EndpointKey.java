package org.tapbridge.os;

import java.net.InetSocketAddress;

/**
 * A mutable, reusable endpoint for the data path: {@link DatagramBatch#source(int, EndpointKey)} fills it
 * from a received datagram without allocating, and it compares with {@link EncodedEndpoint}s by primitive
 * fields. Same encoding as EncodedEndpoint. Owned by one thread.
 */
public final class EndpointKey {
    private int family;
    private int port;
    private long hi;
    private long lo;
    private int scopeId;

    /** AF_INET (2), AF_INET6 (10), or 0 when empty or the last decode saw another family. */
    public int family() {
        return family;
    }

    public int port() {
        return port;
    }

    public long hi() {
        return hi;
    }

    public long lo() {
        return lo;
    }

    public int scopeId() {
        return scopeId;
    }

    public boolean isEmpty() {
        return family == 0;
    }

    public EndpointKey set(int family, long hi, long lo, int port, int scopeId) {
        this.family = family;
        this.hi = hi;
        this.lo = lo;
        this.port = port;
        this.scopeId = scopeId;
        return this;
    }

    public EndpointKey set(EncodedEndpoint e) {
        return set(e.family(), e.hi(), e.lo(), e.port(), e.scopeId());
    }

    public EndpointKey set(EndpointKey k) {
        return set(k.family, k.hi, k.lo, k.port, k.scopeId);
    }

    public EndpointKey clear() {
        return set(0, 0, 0, 0, 0);
    }

    public boolean sameAs(EncodedEndpoint e) {
        return family == e.family() && port == e.port() && lo == e.lo() && hi == e.hi() && scopeId == e.scopeId();
    }

    public boolean sameAs(EndpointKey k) {
        return family == k.family && port == k.port && lo == k.lo && hi == k.hi && scopeId == k.scopeId;
    }

    /** A well-mixed hash of all fields, equal to {@link EncodedEndpoint#hash()} for the same endpoint. */
    public int hash() {
        return hash(family, hi, lo, port, scopeId);
    }

    static int hash(int family, long hi, long lo, int port, int scopeId) {
        long h = hi * 0x9E3779B97F4A7C15L + lo;
        h = (h ^ (h >>> 32)) * 0xC2B2AE3D27D4EB4FL + ((long) port << 32 | (long) family << 16) + scopeId;
        h = (h ^ (h >>> 29)) * 0x165667B19E3779F9L;
        return (int) (h ^ (h >>> 32));
    }

    /** An immutable copy (allocates); IllegalStateException when empty. */
    public EncodedEndpoint toEncoded() {
        requireFamily();
        return EncodedEndpoint.of(family, hi, lo, port, scopeId);
    }

    /** The endpoint as an InetSocketAddress (allocates); IllegalStateException when empty. */
    public InetSocketAddress toInetSocketAddress() {
        requireFamily();
        return SockAddr.toInetSocketAddress(family, hi, lo, port, scopeId);
    }

    private void requireFamily() {
        if (family != SockAddr.AF_INET && family != SockAddr.AF_INET6) {
            throw new IllegalStateException("endpoint key is empty (family " + family + ")");
        }
    }

    @Override
    public String toString() {
        return family == 0 ? "(empty)" : SockAddr.format(family, hi, lo, port, scopeId);
    }
}
