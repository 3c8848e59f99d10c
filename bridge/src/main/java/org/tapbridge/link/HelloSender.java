package org.tapbridge.link;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.tapbridge.pipeline.RateLimitedLog;

/** Sends HELLO messages; used by the receive threads (answers) and the egress thread (probes). */
final class HelloSender {
    private static final System.Logger LOG = System.getLogger(HelloSender.class.getName());

    private final byte[] siteName;
    private final DatagramPort socket;
    private final RateLimitedLog errors = new RateLimitedLog(LOG, 10_000_000_000L);

    HelloSender(String siteName, DatagramPort socket) {
        this.siteName = siteName.getBytes(StandardCharsets.US_ASCII);
        this.socket = socket;
    }

    byte[] siteName() {
        return siteName;
    }

    void sendUdp(Peer peer, boolean replyWanted) {
        if (peer.endpoint() == null) {
            return;
        }
        ByteBuffer buffer = ByteBuffer.allocate(Hello.NAME_OFFSET + siteName.length);
        buffer.limit(Hello.write(buffer, siteName, replyWanted));
        try {
            socket.send(buffer, peer.endpoint());
        } catch (IOException e) {
            errors.warn("sending HELLO to peer " + peer.name() + " at " + peer.endpoint() + " failed: "
                    + e.getMessage());
        }
    }
}
