package org.tapbridge.inet;

/**
 * IP protocol numbers (the IPv4 Protocol and IPv6 Next Header values) the header walkers care about.
 * Constants only.
 */
public final class IpProtocol {
    /** IPv6 hop-by-hop options (RFC 8200); only valid as the first IPv6 extension header. */
    public static final int HOP_BY_HOP = 0;
    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;
    /** IPv6 routing header. */
    public static final int ROUTING = 43;
    /** IPv6 fragment header. */
    public static final int FRAGMENT = 44;
    /** Encapsulating security payload: what follows is encrypted. */
    public static final int ESP = 50;
    /** Authentication header (RFC 4302): its length counts 4-byte units minus 2. */
    public static final int AH = 51;
    public static final int ICMPV6 = 58;
    public static final int NO_NEXT_HEADER = 59;
    /** IPv6 destination options. */
    public static final int DESTINATION_OPTIONS = 60;

    private IpProtocol() {
    }
}
