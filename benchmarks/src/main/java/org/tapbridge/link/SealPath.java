package org.tapbridge.link;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.crypto.PeerSession;

/**
 * Benchmark-only door to the package-private {@link SecureChannel}: seals for one peer exactly as
 * {@link PeerSender} does (through the channel's lock), without a socket. Lives in this package only
 * because SecureChannel and Peer#session(PeerSession) are package-private; one thread, as egress.
 */
public final class SealPath {
    private final SecureChannel channel;
    private final Peer peer;

    /** @param session the crypto session of the only peer, already added to {@code crypto} (id 0) */
    public SealPath(PeerCrypto crypto, PeerSession session) {
        PeerTable peers = new PeerTable(List.of(
                new PeerConfig(session.name(), null, Transport.UDP, null, null, false)));
        peer = peers.peers().get(0);
        peer.session(session);
        channel = new SecureChannel(crypto, new NoSocket(), peers);
    }

    /** {@link SecureChannel#seal}: the frame at {@code buf[16, 16 + frameLength)}, sealed in place. */
    public int seal(ByteBuffer buf, int frameLength, long nowNs) {
        return channel.seal(peer, buf, frameLength, nowNs);
    }

    /** Sealing never sends; handshakes are done before the benchmark starts. */
    private static final class NoSocket implements DatagramPort {
        @Override
        public InetSocketAddress receive(ByteBuffer buffer) throws IOException {
            throw new IOException("the seal benchmark has no socket");
        }

        @Override
        public void send(ByteBuffer buffer, InetSocketAddress target) {
            buffer.position(buffer.limit());
        }

        @Override
        public InetSocketAddress localAddress() {
            return null;
        }

        @Override
        public void close() {
        }
    }
}
