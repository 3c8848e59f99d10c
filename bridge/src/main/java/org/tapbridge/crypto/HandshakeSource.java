package org.tapbridge.crypto;

import java.net.InetSocketAddress;
import java.security.SecureRandom;

/**
 * Where a handshake message came from, as the link layer saw it: the address and port, whether that is a
 * configured peer's authenticated endpoint ({@link #known}), and whether the transport already proved that
 * the sender receives there ({@link #proven}: a TCP connection, whose own handshake did). Mutable and
 * reused, so the data path creates nothing per message; owned by the thread that owns {@link PeerCrypto}.
 */
public final class HandshakeSource {
    static final int NONE = 0;
    static final int IPV4 = 4;
    static final int IPV6 = 6;
    /** Bytes {@link #writeAddress} writes at most: an IPv6 address and the port. */
    static final int MAX_ADDRESS_BYTES = 16 + 2;
    /**
     * Keys are hashed under a per-process secret, so nobody can choose sources whose buckets collide
     * with a peer's (the IPv6 address and port do not fit 64 bits, so keys cannot simply be the address).
     */
    private static final long SEED = new SecureRandom().nextLong();
    private static final long ADDRESS = 1;
    private static final long ENDPOINT = 2;
    private static final long PROVEN = 4;

    private int family;
    private long high;
    private long low;
    private int port;
    private boolean known;
    private boolean proven;

    /** An IPv4 source; clears the flags. */
    public HandshakeSource ipv4(int address, int port) {
        return set(IPV4, 0, address & 0xFFFF_FFFFL, port);
    }

    /** An IPv6 source given its two halves, most significant first; clears the flags. */
    public HandshakeSource ipv6(long high, long low, int port) {
        return set(IPV6, high, low, port);
    }

    /** No address at all (a test, or a socket that lost its peer): no cookie can be sent to it. */
    public HandshakeSource none() {
        return set(NONE, 0, 0, 0);
    }

    /** Takes a socket address; allocates, for the rare paths (a new TCP connection). */
    public HandshakeSource set(InetSocketAddress address) {
        if (address == null || address.getAddress() == null) {
            return none();
        }
        byte[] raw = address.getAddress().getAddress();
        if (raw.length == 4) {
            return ipv4((int) bytesToLong(raw, 0, 4), address.getPort());
        }
        return ipv6(bytesToLong(raw, 0, 8), bytesToLong(raw, 8, 8), address.getPort());
    }

    /** The message came from a configured peer's authenticated endpoint (or a connection bound to a peer). */
    public HandshakeSource known(boolean known) {
        this.known = known;
        return this;
    }

    /** The transport proved the sender receives at this address (TCP): no cookie round trip is needed. */
    public HandshakeSource proven(boolean proven) {
        this.proven = proven;
        return this;
    }

    private HandshakeSource set(int family, long high, long low, int port) {
        this.family = family;
        this.high = high;
        this.low = low;
        this.port = port & 0xFFFF;
        this.known = false;
        this.proven = false;
        return this;
    }

    boolean hasAddress() {
        return family != NONE;
    }

    boolean isKnown() {
        return known;
    }

    boolean isProven() {
        return proven;
    }

    /**
     * The bucket of everything from this address, whatever the port: the IPv4 address or the IPv6 /64
     * (one host owns a whole prefix). {@code proven} keeps senders that proved the address apart from
     * anyone merely spoofing it.
     */
    long addressKey(boolean proven) {
        long kind = ADDRESS | (proven ? PROVEN : 0);
        return family == IPV6 ? hash(kind, high, 0, 0) : hash(kind, 0, low, 0);
    }

    /** The bucket of this exact address and port: a known peer's endpoint, apart from its neighbours. */
    long endpointKey(boolean proven) {
        long kind = ENDPOINT | (proven ? PROVEN : 0);
        return hash(kind, high, low, port);
    }

    /** The address and port in network order, what a cookie is bound to; returns the byte count. */
    int writeAddress(byte[] out) {
        int n = 0;
        if (family == IPV6) {
            n = putLong(out, n, high, 8);
            n = putLong(out, n, low, 8);
        } else {
            n = putLong(out, n, low, 4);
        }
        return putLong(out, n, port, 2);
    }

    private long hash(long kind, long a, long b, int withPort) {
        long h = mix(SEED ^ (kind << 56 | (long) family << 48 | withPort));
        h = mix(h ^ a);
        return mix(h ^ b);
    }

    /** MurmurHash3's 64-bit finaliser: every input bit moves every output bit. */
    private static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xFF51AFD7ED558CCDL;
        k ^= k >>> 33;
        k *= 0xC4CEB9FE1A85EC53L;
        return k ^ (k >>> 33);
    }

    private static long bytesToLong(byte[] raw, int from, int count) {
        long v = 0;
        for (int i = 0; i < count; i++) {
            v = v << 8 | (raw[from + i] & 0xFF);
        }
        return v;
    }

    private static int putLong(byte[] out, int at, long v, int count) {
        for (int i = count - 1; i >= 0; i--) {
            out[at + i] = (byte) v;
            v >>>= 8;
        }
        return at + count;
    }

    @Override
    public String toString() {
        return "source(family=" + family + ", port=" + port + ", known=" + known + ", proven=" + proven + ")";
    }
}
