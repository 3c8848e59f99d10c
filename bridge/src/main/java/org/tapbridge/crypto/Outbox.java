package org.tapbridge.crypto;

import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * How the crypto layer sends its own messages (handshakes, keepalives): implemented by the link layer,
 * called on the link thread from {@link PeerCrypto}'s methods.
 */
@FunctionalInterface
public interface Outbox {
    /**
     * Sends {@code message} (position to limit, a complete crypto message) to the peer at the endpoint.
     * The buffer is only valid during the call. For TCP links, route by {@code peer}.
     */
    void send(PeerSession peer, SocketAddress endpoint, ByteBuffer message);
}
