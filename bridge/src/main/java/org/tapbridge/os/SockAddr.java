package org.tapbridge.os;

import static org.tapbridge.os.NativeSockets.MEMORY;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * Codec between {@link InetSocketAddress} and native {@code struct sockaddr_in} / {@code sockaddr_in6}.
 * The allocation-free path decodes into an {@link EndpointKey}; the allocating one builds an
 * InetSocketAddress for the rare cases (a roaming peer, a log line). Stateless; any thread.
 *
 * <pre>
 * sockaddr_in (16 bytes)                    sockaddr_in6 (28 bytes)
 *  0      2      4              8    16      0      2      4          8                  24      28
 * +------+------+--------------+----+       +------+------+----------+------------------+-------+
 * |family| port | IPv4 address |zero|       |family| port | flowinfo | IPv6 address (16)|scope  |
 * |host  | net  | network order|    |       |host  | net  |          | network order    |id host|
 * +------+------+--------------+----+       +------+------+----------+------------------+-------+
 * </pre>
 */
public final class SockAddr {
    public static final int FAMILY_OFFSET = 0;
    public static final int PORT_OFFSET = 2;
    public static final int IN_ADDR_OFFSET = 4;
    public static final int IN_SIZE = 16;
    public static final int IN6_FLOWINFO_OFFSET = 4;
    public static final int IN6_ADDR_OFFSET = 8;
    public static final int IN6_SCOPE_ID_OFFSET = 24;
    public static final int IN6_SIZE = 28;
    /** Room for either form, rounded up to 8 so that consecutive slots keep the 64-bit fields aligned. */
    public static final int STORAGE_SIZE = 32;

    public static final int AF_INET = SocketConstants.AF_INET;
    public static final int AF_INET6 = SocketConstants.AF_INET6;

    static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private SockAddr() {
    }

    /** AF_INET or AF_INET6 for a resolved address; IllegalArgumentException for an unresolved one. */
    public static int family(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            throw new IllegalArgumentException("address " + address + " is unresolved: resolve host names before"
                    + " handing them to the socket layer");
        }
        return ip instanceof Inet6Address ? AF_INET6 : AF_INET;
    }

    /** Writes {@code address} at native {@code memory} (at least {@link #IN6_SIZE} bytes); returns the length. */
    public static int encode(InetSocketAddress address, long memory) {
        return EncodedEndpoint.of(address).writeTo(memory);
    }

    /**
     * Reads the sockaddr at {@code memory} into {@code key} without allocating. Returns false, leaving the key
     * cleared, when the family is neither AF_INET nor AF_INET6 or {@code length} is too short for it.
     */
    public static boolean decode(long memory, int length, EndpointKey key) {
        int family = MEMORY.getShort(memory + FAMILY_OFFSET) & 0xffff;
        int port = toHostPort(MEMORY.getShort(memory + PORT_OFFSET));
        if (family == AF_INET && length >= IN_SIZE) {
            key.set(AF_INET, 0, Integer.toUnsignedLong(toNetworkInt(MEMORY.getInt(memory + IN_ADDR_OFFSET))), port, 0);
            return true;
        }
        if (family == AF_INET6 && length >= IN6_SIZE) {
            key.set(AF_INET6, toNetworkLong(MEMORY.getLong(memory + IN6_ADDR_OFFSET)),
                    toNetworkLong(MEMORY.getLong(memory + IN6_ADDR_OFFSET + 8)), port,
                    MEMORY.getInt(memory + IN6_SCOPE_ID_OFFSET));
            return true;
        }
        key.clear();
        return false;
    }

    /** The sockaddr at {@code memory} as an InetSocketAddress (allocates); null for another family. */
    public static InetSocketAddress decode(long memory, int length) {
        EndpointKey key = new EndpointKey();
        return decode(memory, length, key) ? key.toInetSocketAddress() : null;
    }

    /** Host-order port from the native-order short read at PORT_OFFSET (the bytes are big-endian). */
    static int toHostPort(short nativeShort) {
        return (LITTLE_ENDIAN ? Short.reverseBytes(nativeShort) : nativeShort) & 0xffff;
    }

    /** The native-order short that stores {@code port} big-endian. */
    static short toNativePort(int port) {
        short s = (short) port;
        return LITTLE_ENDIAN ? Short.reverseBytes(s) : s;
    }

    /** Network-order (big-endian) value of 4 address bytes read with a native-order getInt; an involution. */
    static int toNetworkInt(int nativeInt) {
        return LITTLE_ENDIAN ? Integer.reverseBytes(nativeInt) : nativeInt;
    }

    /** Network-order (big-endian) value of 8 address bytes read with a native-order getLong; an involution. */
    static long toNetworkLong(long nativeLong) {
        return LITTLE_ENDIAN ? Long.reverseBytes(nativeLong) : nativeLong;
    }

    /** Builds the InetSocketAddress of a decoded endpoint (allocates; never resolves names). */
    static InetSocketAddress toInetSocketAddress(int family, long hi, long lo, int port, int scopeId) {
        try {
            if (family == AF_INET) {
                byte[] b = {(byte) (lo >>> 24), (byte) (lo >>> 16), (byte) (lo >>> 8), (byte) lo};
                return new InetSocketAddress(Inet4Address.getByAddress(b), port);
            }
            byte[] b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (hi >>> (56 - 8 * i));
                b[8 + i] = (byte) (lo >>> (56 - 8 * i));
            }
            InetAddress ip = scopeId != 0 ? Inet6Address.getByAddress(null, b, scopeId) : InetAddress.getByAddress(b);
            return new InetSocketAddress(ip, port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("cannot happen: the address has the right length", e);
        }
    }

    /** "198.18.0.1:4790" or "[fe80::1%2]:4790" (RFC 5952 compression), for messages. */
    static String format(int family, long hi, long lo, int port, int scopeId) {
        StringBuilder sb = new StringBuilder(48);
        if (family == AF_INET) {
            sb.append(lo >>> 24 & 0xff).append('.').append(lo >>> 16 & 0xff).append('.')
                    .append(lo >>> 8 & 0xff).append('.').append(lo & 0xff);
        } else {
            sb.append('[');
            appendIpv6(sb, hi, lo);
            if (scopeId != 0) {
                sb.append('%').append(Integer.toUnsignedString(scopeId));
            }
            sb.append(']');
        }
        return sb.append(':').append(port).toString();
    }

    /** Formats an InetSocketAddress the same way, without name lookups. */
    static String format(InetSocketAddress address) {
        if (address.getAddress() == null) {
            return address.getHostString() + ":" + address.getPort() + " (unresolved)";
        }
        EncodedEndpoint e = EncodedEndpoint.of(address);
        return format(e.family(), e.hi(), e.lo(), e.port(), e.scopeId());
    }

    private static void appendIpv6(StringBuilder sb, long hi, long lo) {
        int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
            groups[4 + i] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
        }
        // RFC 5952: the longest run of two or more zero groups becomes "::", the first one on a tie.
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8;) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (i > 0 && i != bestStart + bestLength) {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
    }
}
