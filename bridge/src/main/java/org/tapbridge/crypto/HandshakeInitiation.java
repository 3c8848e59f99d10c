package org.tapbridge.crypto;

/**
 * Layout of a HANDSHAKE_INIT message: Noise IKpsk2 message 1 behind the common prefix, then the two MACs
 * of {@link HandshakeMacs}.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  version = 2  |   type = 1    |        reserved = 0           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        initiator ephemeral public key (32 bytes, offset 4)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  encrypted initiator static public key + tag (48, offset 36)  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       encrypted payload + tag (32 bytes, offset 84):          |
 * |   TAI64N timestamp (12) | initiator's sender index (4) | tag  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  mac1 (16 bytes, offset 116): MAC of bytes 0-115 keyed by the |
 * |  responder's public key                                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  mac2 (16 bytes, offset 132): MAC of bytes 0-131 keyed by the |
 * |  responder's cookie for this source, or zero without one      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * 148 bytes (116 in version 1, which had no MACs). The sender index travels encrypted, so the handshake
 * authenticates it; a cookie reply therefore names the initiation by its mac1. Constants only.
 */
public final class HandshakeInitiation {
    public static final int NOISE_OFFSET = WireFormat.PREFIX_LENGTH;
    public static final int TIMESTAMP_LENGTH = Tai64n.LENGTH;
    public static final int PAYLOAD_LENGTH = TIMESTAMP_LENGTH + 4;
    public static final int NOISE_LENGTH = HandshakeState.message1Length(PAYLOAD_LENGTH);
    public static final int MAC1_OFFSET = NOISE_OFFSET + NOISE_LENGTH;
    public static final int MAC2_OFFSET = MAC1_OFFSET + HandshakeMacs.MAC_LENGTH;
    public static final int LENGTH = MAC2_OFFSET + HandshakeMacs.MAC_LENGTH;

    private HandshakeInitiation() {
    }
}
