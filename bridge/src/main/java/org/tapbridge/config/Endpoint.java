package org.tapbridge.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Parses {@code host:port} and {@code [v6]:port} strings from the config into socket addresses. A peer's
 * host name is only checked for its form here, never looked up: a name that does not resolve at boot
 * must not stop the site (issue 11, defect 5); the daemon resolves it in the background.
 */
final class Endpoint {
    /** RFC 1123: letters, digits and inner hyphens, 1 to 63 per label. */
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
    /** Only these before a {@code %scope}: the JDK then parses a literal and never asks DNS. */
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");
    private static final int MAX_NAME_LENGTH = 253;

    private Endpoint() {
    }

    /**
     * Returns the address, resolving a host name now (for {@code [site] listen}, an address of this host),
     * or throws IllegalArgumentException with a message fit for an operator.
     */
    static InetSocketAddress parse(String text) {
        InetSocketAddress parsed = parseDeferred(text);
        if (!parsed.isUnresolved()) {
            return parsed;
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(parsed.getHostString()), parsed.getPort());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve host '" + parsed.getHostString() + "' in '" + text
                    + "'");
        }
    }

    /**
     * Returns the address of an IP literal, or an unresolved address ({@link InetSocketAddress#isUnresolved()})
     * holding a well-formed host name, without any DNS lookup; throws IllegalArgumentException with a message
     * fit for an operator when the text is neither.
     */
    static InetSocketAddress parseDeferred(String text) {
        String host;
        String port;
        boolean bracketed = text.startsWith("[");
        if (bracketed) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "' is not [IPv6]:port");
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || text.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + text + "' is not host:port (write IPv6 as [addr]:port)");
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        int portNumber;
        try {
            portNumber = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port '" + port + "' in '" + text + "' is not a number");
        }
        if (portNumber < 1 || portNumber > 65535) {
            throw new IllegalArgumentException("port " + portNumber + " in '" + text + "' is outside 1..65535");
        }
        if (bracketed) {
            return new InetSocketAddress(ipv6(host, text), portNumber);
        }
        byte[] ipv4 = ipv4(host, text);
        if (ipv4 != null) {
            try {
                return new InetSocketAddress(InetAddress.getByAddress(ipv4), portNumber);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("four bytes are always an IPv4 address", e);
            }
        }
        checkHostName(host, text);
        return InetSocketAddress.createUnresolved(host, portNumber);
    }

    private static InetAddress ipv6(String host, String text) {
        int scope = host.indexOf('%');
        String address = scope < 0 ? host : host.substring(0, scope);
        if (address.indexOf(':') < 0 || !IPV6_CHARS.matcher(address).matches()) {
            throw new IllegalArgumentException("'" + host + "' in '" + text + "' is not an IPv6 address");
        }
        try {
            // With a colon in it the JDK parses the text as an IPv6 literal and never asks DNS.
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + host + "' in '" + text + "' is not an IPv6 address");
        }
    }

    /** The four bytes of a dotted quad, null for text that is not all digits and dots (a host name). */
    private static byte[] ipv4(String host, String text) {
        String[] parts = (host.endsWith(".") ? host.substring(0, host.length() - 1) : host).split("\\.", -1);
        // No top-level domain is all digits, so such a last label means the operator wrote an address.
        if (!DIGITS.matcher(parts[parts.length - 1]).matches()) {
            return null;
        }
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + host + "' in '" + text + "' is not an IPv4 address (a.b.c.d)");
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (!DIGITS.matcher(parts[i]).matches() || parts[i].length() > 3 || Integer.parseInt(parts[i]) > 255) {
                throw new IllegalArgumentException("'" + host + "' in '" + text
                        + "' is not an IPv4 address (four numbers 0..255)");
            }
            bytes[i] = (byte) Integer.parseInt(parts[i]);
        }
        return bytes;
    }

    private static void checkHostName(String host, String text) {
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("'" + host + "' in '" + text + "' is not a host name (1.."
                    + MAX_NAME_LENGTH + " characters)");
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("'" + host + "' in '" + text + "' is not a host name: label '"
                        + label + "' must be 1..63 letters, digits or inner '-'");
            }
        }
    }
}
