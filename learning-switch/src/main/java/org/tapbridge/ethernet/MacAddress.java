package org.tapbridge.ethernet;

import java.nio.ByteBuffer;

/**
 * Helpers on a MAC address held in the low 48 bits of a {@code long}, first octet most significant.
 * Stateless; any thread. Text forms exist for people only.
 */
public final class MacAddress {
    /** ff:ff:ff:ff:ff:ff. */
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    /** 00:00:00:00:00:00, never a valid station. */
    public static final long ZERO = 0L;
    /** 01:80:c2:00:00:00, the bridge group address that STP BPDUs are sent to. */
    public static final long STP_BPDU = 0x0180_C200_0000L;

    /** The number of octets in a MAC address. */
    public static final int LENGTH = 6;

    // The I/G bit is the least significant bit of the first octet, transmitted first on the wire.
    private static final long GROUP_BIT = 0x0100_0000_0000L;
    private static final long LOCAL_BIT = 0x0200_0000_0000L;
    // IEEE 802.1D reserves 01:80:c2:00:00:00 to 01:80:c2:00:00:0f for link-local protocols.
    private static final long LINK_LOCAL_MASK = 0xFFFF_FFFF_FFF0L;
    private static final long MAC_MASK = 0xFFFF_FFFF_FFFFL;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private MacAddress() {
    }

    /** True for group addresses (multicast, and therefore broadcast too). */
    public static boolean isMulticast(long mac) {
        return (mac & GROUP_BIT) != 0;
    }

    /** True only for ff:ff:ff:ff:ff:ff. */
    public static boolean isBroadcast(long mac) {
        return mac == BROADCAST;
    }

    /** True for individual addresses other than all-zero: the only addresses a switch may learn. */
    public static boolean isLearnableUnicast(long mac) {
        return (mac & GROUP_BIT) == 0 && mac != ZERO && (mac & ~MAC_MASK) == 0;
    }

    /** True when the U/L bit marks a locally administered address. */
    public static boolean isLocallyAdministered(long mac) {
        return (mac & LOCAL_BIT) != 0;
    }

    /** True for 01:80:c2:00:00:00 to 01:80:c2:00:00:0f, which a bridge must not relay. */
    public static boolean isLinkLocal(long mac) {
        return (mac & LINK_LOCAL_MASK) == STP_BPDU;
    }

    /** Reads six octets at an absolute index without moving the buffer's position. */
    public static long read(ByteBuffer buffer, int index) {
        return (long) (buffer.get(index) & 0xFF) << 40
                | (long) (buffer.get(index + 1) & 0xFF) << 32
                | (long) (buffer.get(index + 2) & 0xFF) << 24
                | (long) (buffer.get(index + 3) & 0xFF) << 16
                | (long) (buffer.get(index + 4) & 0xFF) << 8
                | (long) (buffer.get(index + 5) & 0xFF);
    }

    /** Writes six octets at an absolute index without moving the buffer's position. */
    public static void write(ByteBuffer buffer, int index, long mac) {
        for (int i = 0; i < LENGTH; i++) {
            buffer.put(index + i, (byte) (mac >>> (40 - 8 * i)));
        }
    }

    /** Formats as six lowercase hex pairs separated by colons, e.g. {@code 02:00:5e:00:00:01}. */
    public static String format(long mac) {
        char[] text = new char[17];
        for (int i = 0; i < LENGTH; i++) {
            int octet = (int) (mac >>> (40 - 8 * i)) & 0xFF;
            int at = i * 3;
            text[at] = HEX[octet >>> 4];
            text[at + 1] = HEX[octet & 0xF];
            if (i < LENGTH - 1) {
                text[at + 2] = ':';
            }
        }
        return new String(text);
    }

    /**
     * Parses {@code aa:bb:cc:dd:ee:ff} (either case; '-' also accepted as separator).
     *
     * @throws IllegalArgumentException naming the text and the expected form
     */
    public static long parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("MAC address is missing: expected six hex pairs like 02:00:5e:00:00:01");
        }
        if (text.length() != 17) {
            throw invalid(text, "it has " + text.length() + " characters, not 17");
        }
        char separator = text.charAt(2);
        if (separator != ':' && separator != '-') {
            throw invalid(text, "octets must be separated by ':' or '-'");
        }
        long mac = 0;
        for (int i = 0; i < LENGTH; i++) {
            int at = i * 3;
            if (i > 0 && text.charAt(at - 1) != separator) {
                throw invalid(text, "separator at position " + (at - 1) + " is not '" + separator + "'");
            }
            int high = Character.digit(text.charAt(at), 16);
            int low = Character.digit(text.charAt(at + 1), 16);
            if (high < 0 || low < 0) {
                throw invalid(text, "octet " + (i + 1) + " is not two hex digits");
            }
            mac = mac << 8 | high << 4 | low;
        }
        return mac;
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException(
                "invalid MAC address \"" + text + "\": " + why + "; expected six hex pairs like 02:00:5e:00:00:01");
    }
}
