package org.tapbridge.crypto;

/**
 * Layout of a HANDSHAKE_RESP message: Noise IKpsk2 message 2 behind the prefix and the receiver index,
 * then mac1 of {@link HandshakeMacs}.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  version = 2  |   type = 2    |        reserved = 0           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        receiver index (the initiator's sender index)          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        responder ephemeral public key (32 bytes, offset 8)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | encrypted payload + tag (20 bytes, offset 40):                |
 * |          responder's sender index (4) | tag (16)              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  mac1 (16 bytes, offset 60): MAC of bytes 0-59 keyed by the   |
 * |  initiator's public key                                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * 76 bytes (60 in version 1). The receiver index is clear so the initiator finds its handshake; a forged
 * one only fails that handshake's authentication, which leaves it intact. No mac2: a response answers an
 * initiation we sent, so it is never asked for a cookie; a handshake in flight accepts only a few response
 * attempts instead (see {@link PeerCrypto}). Constants only.
 */
public final class HandshakeResponse {
    public static final int RECEIVER_INDEX_OFFSET = WireFormat.PREFIX_LENGTH;
    public static final int NOISE_OFFSET = RECEIVER_INDEX_OFFSET + 4;
    public static final int PAYLOAD_LENGTH = 4;
    public static final int NOISE_LENGTH = HandshakeState.message2Length(PAYLOAD_LENGTH);
    public static final int MAC1_OFFSET = NOISE_OFFSET + NOISE_LENGTH;
    public static final int LENGTH = MAC1_OFFSET + HandshakeMacs.MAC_LENGTH;

    private HandshakeResponse() {
    }
}
