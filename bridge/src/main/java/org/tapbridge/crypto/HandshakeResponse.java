package org.tapbridge.crypto;

/**
 * Layout of a HANDSHAKE_RESP message: Noise IKpsk2 message 2 behind the prefix and the receiver index.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  version = 1  |   type = 2    |        reserved = 0           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        receiver index (the initiator's sender index)          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        responder ephemeral public key (32 bytes, offset 8)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | encrypted payload + tag (20 bytes, offset 40):                |
 * |          responder's sender index (4) | tag (16)              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * 60 bytes. The receiver index is clear so the initiator finds its handshake; a forged one only fails
 * that handshake's authentication, which leaves it intact. Constants only.
 */
public final class HandshakeResponse {
    public static final int RECEIVER_INDEX_OFFSET = WireFormat.PREFIX_LENGTH;
    public static final int NOISE_OFFSET = RECEIVER_INDEX_OFFSET + 4;
    public static final int PAYLOAD_LENGTH = 4;
    public static final int LENGTH = NOISE_OFFSET + HandshakeState.message2Length(PAYLOAD_LENGTH);

    private HandshakeResponse() {
    }
}
