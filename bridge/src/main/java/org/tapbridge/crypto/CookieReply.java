package org.tapbridge.crypto;

/**
 * Layout of a COOKIE_REPLY message: what a responder under load sends instead of a handshake response,
 * so that the initiator proves it receives at its address before it may cost X25519 work.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  version = 2  |   type = 5    |        reserved = 0           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  mac1 of the initiation answered (16 bytes, offset 4): names   |
 * |  it, since its sender index is encrypted                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  nonce (24 random bytes, offset 20)                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  encrypted cookie (16) + tag (16) (32 bytes, offset 44)       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * 76 bytes, less than the 148 of the initiation it answers: a spoofed initiation cannot be turned into
 * a larger flood at its victim. Constants only.
 */
public final class CookieReply {
    public static final int MAC1_OFFSET = WireFormat.PREFIX_LENGTH;
    public static final int NONCE_OFFSET = MAC1_OFFSET + HandshakeMacs.MAC_LENGTH;
    public static final int NONCE_LENGTH = 24;
    public static final int COOKIE_OFFSET = NONCE_OFFSET + NONCE_LENGTH;
    public static final int LENGTH = COOKIE_OFFSET + HandshakeMacs.MAC_LENGTH + Aead.TAG_LENGTH;

    private CookieReply() {
    }
}
