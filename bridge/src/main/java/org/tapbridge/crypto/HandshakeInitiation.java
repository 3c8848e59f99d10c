package org.tapbridge.crypto;

/**
 * Layout of a HANDSHAKE_INIT message: Noise IKpsk2 message 1 behind the common prefix.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  version = 1  |   type = 1    |        reserved = 0           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        initiator ephemeral public key (32 bytes, offset 4)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  encrypted initiator static public key + tag (48, offset 36)  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       encrypted payload + tag (32 bytes, offset 84):          |
 * |   TAI64N timestamp (12) | initiator's sender index (4) | tag  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * 116 bytes. The sender index travels encrypted, so the handshake authenticates it. Constants only.
 */
public final class HandshakeInitiation {
    public static final int NOISE_OFFSET = WireFormat.PREFIX_LENGTH;
    public static final int TIMESTAMP_LENGTH = Tai64n.LENGTH;
    public static final int PAYLOAD_LENGTH = TIMESTAMP_LENGTH + 4;
    public static final int LENGTH = NOISE_OFFSET + HandshakeState.message1Length(PAYLOAD_LENGTH);

    private HandshakeInitiation() {
    }
}
