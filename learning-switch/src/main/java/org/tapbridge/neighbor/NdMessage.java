package org.tapbridge.neighbor;

import java.nio.ByteBuffer;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.inet.InternetChecksum;
import org.tapbridge.inet.IpProtocol;
import org.tapbridge.inet.Ipv6Header;

/**
 * Reusable view of an IPv6 neighbour solicitation or advertisement (RFC 4861 sections 4.3 and 4.4) that
 * follows the fixed IPv6 header directly; {@link #wrap} re-points it at the IPv6 header. Accessors read the
 * buffer directly and check nothing; {@link #hasValidChecksum} and the option walk check their own bounds
 * against {@link #icmpLength()}. Owned by the data-path thread.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          IPv6 header (40 bytes, next header 58, hop limit 255)|  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Type 135/136  |   Code (0)    |          Checksum             | 40
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|S|O|                Reserved (NA flags; NS: all reserved)    | 44
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Target Address (16 bytes)                  | 48
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Option type  | Length (x 8 B)|  value ... (source link-layer | 64
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  address 1, target 2: a MAC)  +
 * </pre>
 *
 * The checksum covers a pseudo-header (source, destination, ICMPv6 length as 32 bits, next header 58) and
 * the whole ICMPv6 message.
 */
public final class NdMessage {
    public static final int TYPE_NEIGHBOR_SOLICITATION = 135;
    public static final int TYPE_NEIGHBOR_ADVERTISEMENT = 136;
    /** Hop limit every valid ND message carries: proof that it was not forwarded by a router. */
    public static final int HOP_LIMIT = 255;

    /** Offsets from the start of the ICMPv6 message. */
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int FLAGS_OFFSET = 4;
    public static final int TARGET_OFFSET = 8;
    public static final int OPTIONS_OFFSET = 24;
    /** The message without options. */
    public static final int MIN_LENGTH = 24;

    public static final int FLAG_ROUTER = 0x80;
    public static final int FLAG_SOLICITED = 0x40;
    public static final int FLAG_OVERRIDE = 0x20;

    public static final int OPTION_SOURCE_LINK_LAYER = 1;
    public static final int OPTION_TARGET_LINK_LAYER = 2;
    /** Option length unit. A link-layer address option for Ethernet is one unit: type, length, MAC. */
    public static final int OPTION_UNIT = 8;

    /** {@link #linkLayerOption} result when the option is absent. */
    public static final long NO_OPTION = -1L;
    /** {@link #linkLayerOption} result when an option has length 0, overruns the message or has a bad size. */
    public static final long MALFORMED_OPTIONS = -2L;

    private ByteBuffer buffer;
    private int ipIndex;
    private int icmpIndex;

    /** Points this view at the IPv6 header at absolute {@code index}; checks nothing. */
    public NdMessage wrap(ByteBuffer buffer, int index) {
        this.buffer = buffer;
        this.ipIndex = index;
        this.icmpIndex = index + Ipv6Header.LENGTH;
        return this;
    }

    public int version() {
        return Wire.u8(buffer, ipIndex) >>> 4;
    }

    public int nextHeader() {
        return Wire.u8(buffer, ipIndex + Ipv6Header.NEXT_HEADER_OFFSET);
    }

    public int hopLimit() {
        return Wire.u8(buffer, ipIndex + Ipv6Header.HOP_LIMIT_OFFSET);
    }

    /** The IPv6 payload length: the ICMPv6 message and its options. */
    public int icmpLength() {
        return Wire.u16(buffer, ipIndex + Ipv6Header.PAYLOAD_LENGTH_OFFSET);
    }

    public long sourceHigh() {
        return Wire.s64(buffer, ipIndex + Ipv6Header.SOURCE_OFFSET);
    }

    public long sourceLow() {
        return Wire.s64(buffer, ipIndex + Ipv6Header.SOURCE_OFFSET + 8);
    }

    public long destinationHigh() {
        return Wire.s64(buffer, ipIndex + Ipv6Header.DESTINATION_OFFSET);
    }

    public long destinationLow() {
        return Wire.s64(buffer, ipIndex + Ipv6Header.DESTINATION_OFFSET + 8);
    }

    public int type() {
        return Wire.u8(buffer, icmpIndex + TYPE_OFFSET);
    }

    public int code() {
        return Wire.u8(buffer, icmpIndex + CODE_OFFSET);
    }

    public int checksum() {
        return Wire.u16(buffer, icmpIndex + CHECKSUM_OFFSET);
    }

    /** The first byte of the flags word: R, S and O for an advertisement. */
    public int flags() {
        return Wire.u8(buffer, icmpIndex + FLAGS_OFFSET);
    }

    public long targetHigh() {
        return Wire.s64(buffer, icmpIndex + TARGET_OFFSET);
    }

    public long targetLow() {
        return Wire.s64(buffer, icmpIndex + TARGET_OFFSET + 8);
    }

    /** True when the checksum over the pseudo-header and the {@link #icmpLength()} bytes verifies. */
    public boolean hasValidChecksum() {
        int length = icmpLength();
        int sum = pseudoHeaderSum(buffer, ipIndex, length);
        sum = InternetChecksum.sum(buffer, icmpIndex, length, sum);
        return sum == 0xFFFF;
    }

    /**
     * The MAC of the first link-layer address option of {@code optionType}, walking every option up to
     * {@link #icmpLength()} so that a malformed one anywhere is seen.
     *
     * @return the MAC, {@link #NO_OPTION}, or {@link #MALFORMED_OPTIONS}
     */
    public long linkLayerOption(int optionType) {
        int end = icmpIndex + icmpLength();
        long found = NO_OPTION;
        int at = icmpIndex + OPTIONS_OFFSET;
        while (at < end) {
            if (end - at < 2) {
                return MALFORMED_OPTIONS;
            }
            int type = Wire.u8(buffer, at);
            int length = Wire.u8(buffer, at + 1) * OPTION_UNIT;
            if (length == 0 || length > end - at) {
                return MALFORMED_OPTIONS;
            }
            if (type == OPTION_SOURCE_LINK_LAYER || type == OPTION_TARGET_LINK_LAYER) {
                if (length != OPTION_UNIT) {
                    // Ethernet addresses fill exactly one unit; anything else is not for this link.
                    return MALFORMED_OPTIONS;
                }
                if (type == optionType && found == NO_OPTION) {
                    found = MacAddress.read(buffer, at + 2);
                }
            }
            at += length;
        }
        return found;
    }

    /** The folded sum of the IPv6 pseudo-header for an ICMPv6 message of {@code icmpLength} bytes. */
    static int pseudoHeaderSum(ByteBuffer buffer, int ipIndex, int icmpLength) {
        int sum = InternetChecksum.sum(buffer, ipIndex + Ipv6Header.SOURCE_OFFSET, 32, 0);
        sum = InternetChecksum.addWord(sum, icmpLength >>> 16);
        sum = InternetChecksum.addWord(sum, icmpLength);
        return InternetChecksum.addWord(sum, IpProtocol.ICMPV6);
    }
}
