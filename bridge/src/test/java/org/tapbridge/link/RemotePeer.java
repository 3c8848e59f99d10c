package org.tapbridge.link;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.Inbound;
import org.tapbridge.crypto.Keys;
import org.tapbridge.crypto.Outbox;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.crypto.PeerSession;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.fakes.MemoryNetwork;
import org.tapbridge.switching.SwitchSettings;

/**
 * For the link fuzz targets: site "a" under test is a real {@link PeerLinks}; its one peer "b" is only a
 * {@link PeerCrypto}, driven by hand, so that a harness can seal any payload as "b" and hand "a" the bytes.
 * Keys and "b"'s randomness come from fixed seeds. Owned by the test thread.
 */
final class RemotePeer {
    static final InetSocketAddress WAN_A = MemoryNetwork.address("198.18.0.1", 4790);
    static final InetSocketAddress WAN_B = MemoryNetwork.address("198.18.0.2", 4790);
    static final byte[] PRIVATE_A = Keys.generatePrivate(seeded(11));
    static final byte[] PRIVATE_B = Keys.generatePrivate(seeded(12));

    /** Messages "b"'s crypto layer sent on its own (initiations, keepalives), oldest first. */
    final Deque<byte[]> sent = new ArrayDeque<>();
    final PeerCrypto crypto;
    /** "b"'s view of "a". */
    final PeerSession a;
    private final Inbound inbound = new Inbound();
    private long wallClockNs = 1_700_000_000_000_000_000L;

    RemotePeer() {
        crypto = new PeerCrypto(PRIVATE_B.clone(), SessionSettings.defaults(), new Outbox() {
            @Override
            public boolean canReach(PeerSession peer) {
                return true;
            }

            @Override
            public void send(PeerSession peer, ByteBuffer message) {
                sent.add(copy(message));
            }
        }, seeded(13), () -> wallClockNs += 1_000_000);
        a = crypto.addPeer("a", Keys.publicFromPrivate(PRIVATE_A), null);
    }

    /** "a"'s configuration: one peer "b" by {@code transport}, at WAN_B for UDP, dialling in for TCP. */
    static SiteConfig siteA(Transport transport) {
        PeerConfig b = new PeerConfig("b", transport == Transport.UDP ? WAN_B : null, transport,
                Keys.encode(Keys.publicFromPrivate(PRIVATE_B)), null, false);
        java.nio.file.Path dir = java.nio.file.Path.of("/nonexistent-fuzz");
        return new SiteConfig(dir.resolve("a.toml"), "a", "tapa", 0, WAN_A, dir.resolve("a.sock"), dir.resolve("a.key"),
                SwitchSettings.defaults(), List.of(b), List.of());
    }

    static LinkSecurity securityA() {
        return new LinkSecurity(PRIVATE_A.clone(), Map.of("b", Keys.publicFromPrivate(PRIVATE_B)), Map.of(),
                SessionSettings.defaults());
    }

    /** Hands "b" a message from "a"; returns the reply "b" owes (a confirming keepalive), or null. */
    byte[] receive(byte[] message, long nowNs) {
        ByteBuffer buf = ByteBuffer.wrap(message.clone());
        crypto.receive(buf, 0, message.length, new org.tapbridge.crypto.HandshakeSource().known(true), nowNs, inbound);
        return inbound.reply() == null ? null : copy(inbound.reply());
    }

    /** {@code payload} sealed by "b" as a message of {@code type}, or null when "b" has no keys (a handshake started). */
    byte[] seal(byte type, byte[] payload, int offset, int length, long nowNs) {
        ByteBuffer src = ByteBuffer.wrap(payload);
        ByteBuffer dst = ByteBuffer.allocate(length + 32);
        int sealed = crypto.seal(a, type, src, offset, length, dst, 0, nowNs);
        if (sealed < 0) {
            return null;
        }
        byte[] out = new byte[sealed];
        dst.get(0, out);
        return out;
    }

    static byte[] copy(ByteBuffer message) {
        byte[] out = new byte[message.remaining()];
        message.duplicate().get(out);
        return out;
    }

    static SecureRandom seeded(long seed) {
        try {
            // SHA1PRNG seeded before first use is deterministic: an input replays alike.
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
