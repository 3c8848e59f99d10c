package org.tapbridge.crypto;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Two sites' crypto layers joined in memory: each outbox queues messages that the test delivers by hand.
 * It also plays the link layer's part: it remembers where each side last authenticated its peer (the
 * "known endpoint" of the rate limiter), and queues the replies {@link PeerCrypto#receive} hands back.
 */
final class BackToBack {
    /** Where each crypto layer's replies go, and the endpoint it knows its (one) peer at. */
    private static final Map<PeerCrypto, Consumer<byte[]>> REPLIES = new IdentityHashMap<>();
    private static final Map<PeerCrypto, SocketAddress> KNOWN = new IdentityHashMap<>();
    static final InetSocketAddress ADDRESS_A = address(1);
    static final InetSocketAddress ADDRESS_B = address(2);

    /** One message some outbox sent. */
    record Sent(PeerSession peer, SocketAddress to, byte[] bytes) {
    }

    final Deque<Sent> fromA = new ArrayDeque<>();
    final Deque<Sent> fromB = new ArrayDeque<>();
    final byte[] privateA;
    final byte[] privateB;
    final PeerCrypto a;
    final PeerCrypto b;
    /** A's view of B, and B's view of A. */
    final PeerSession peerB;
    final PeerSession peerA;
    long wallClockNs = 1_700_000_000_000_000_000L;

    BackToBack(SessionSettings settings, byte[] psk) {
        this(settings, psk, 0);
    }

    /** Two sites' loops of index {@code lane} (see {@code [site] queues}). */
    BackToBack(SessionSettings settings, byte[] psk, int lane) {
        SecureRandom random = seeded(1);
        privateA = Keys.generatePrivate(random);
        privateB = Keys.generatePrivate(random);
        a = crypto(privateA, settings, m -> fromA.add(new Sent(null, ADDRESS_B, m)), seeded(2), this::tickWallClock, lane);
        b = crypto(privateB, settings, m -> fromB.add(new Sent(null, ADDRESS_A, m)), seeded(3), this::tickWallClock, lane);
        peerB = a.addPeer("berlin", Keys.publicFromPrivate(privateB), psk);
        peerA = b.addPeer("amsterdam", Keys.publicFromPrivate(privateA), psk);
        KNOWN.put(a, ADDRESS_B);
        KNOWN.put(b, ADDRESS_A);
    }

    BackToBack(SessionSettings settings) {
        this(settings, null);
    }

    /** Delivers everything queued in both directions until both queues are empty. */
    void pump(long nowNs) {
        while (!fromA.isEmpty() || !fromB.isEmpty()) {
            if (!fromA.isEmpty()) {
                deliver(b, fromA.poll().bytes(), ADDRESS_A, nowNs);
            }
            if (!fromB.isEmpty()) {
                deliver(a, fromB.poll().bytes(), ADDRESS_B, nowNs);
            }
        }
    }

    /** A handshake from A to B, completed and confirmed by A's keepalive. */
    void handshake(long nowNs) {
        a.connect(peerB, nowNs);
        pump(nowNs);
    }

    /**
     * A crypto layer whose initiations and keepalives, and the replies {@link #deliver} gets back from it, all
     * go to {@code sent}; it can always reach its peers.
     */
    static PeerCrypto crypto(byte[] privateKey, SessionSettings settings, Consumer<byte[]> sent, SecureRandom random,
                             java.util.function.LongSupplier wallClockNs) {
        return crypto(privateKey, settings, sent, random, wallClockNs, 0);
    }

    static PeerCrypto crypto(byte[] privateKey, SessionSettings settings, Consumer<byte[]> sent, SecureRandom random,
                             java.util.function.LongSupplier wallClockNs, int lane) {
        PeerCrypto crypto = new PeerCrypto(privateKey, settings, new Outbox() {
            @Override
            public boolean canReach(PeerSession peer) {
                return true;
            }

            @Override
            public void send(PeerSession peer, ByteBuffer message) {
                sent.accept(copy(message));
            }
        }, random, wallClockNs, lane);
        REPLIES.put(crypto, sent);
        return crypto;
    }

    /** Delivers a message as the link would: with the source's rate-limit key, and its reply sent back. */
    static PeerCrypto.Received deliver(PeerCrypto to, byte[] message, SocketAddress source, long nowNs) {
        return receive(to, ByteBuffer.wrap(message.clone()), 0, message.length, source, nowNs, new Inbound());
    }

    static PeerCrypto.Received receive(PeerCrypto to, ByteBuffer buf, int offset, int length, SocketAddress source,
                                       long nowNs, Inbound in) {
        boolean known = source != null && source.equals(KNOWN.get(to));
        HandshakeSource from = new HandshakeSource().set((InetSocketAddress) source).known(known);
        PeerCrypto.Received r = to.receive(buf, offset, length, from, nowNs, in);
        if (in.peer() != null && r != PeerCrypto.Received.DROPPED) {
            KNOWN.put(to, source);
        }
        if (in.reply() != null) {
            Consumer<byte[]> sink = REPLIES.get(to);
            if (sink != null) {
                sink.accept(copy(in.reply()));
            }
        }
        return r;
    }

    /** Where {@code crypto} last authenticated its peer, as the link layer would track it. */
    static SocketAddress knownEndpoint(PeerCrypto crypto) {
        return KNOWN.get(crypto);
    }

    /** A DATA message from {@code from} to {@code peer} carrying {@code frame}, or null if no session. */
    static byte[] seal(PeerCrypto from, PeerSession peer, byte[] frame, long nowNs) {
        ByteBuffer buf = ByteBuffer.allocate(frame.length + WireFormat.DATA_OVERHEAD);
        buf.put(DataMessage.HEADER_LENGTH, frame);
        int length = from.seal(peer, buf, 0, frame.length, nowNs);
        if (length == PeerCrypto.NO_SESSION) {
            return null;
        }
        byte[] out = new byte[length];
        buf.get(0, out);
        return out;
    }

    /** Opens a DATA message and returns its frame, or null with the message dropped. */
    static byte[] open(PeerCrypto to, byte[] message, SocketAddress source, long nowNs) {
        ByteBuffer buf = ByteBuffer.wrap(message.clone());
        Inbound in = new Inbound();
        PeerCrypto.Received r = receive(to, buf, 0, message.length, source, nowNs, in);
        if (r != PeerCrypto.Received.FRAME) {
            return null;
        }
        byte[] frame = new byte[in.plaintextLength()];
        buf.get(in.plaintextOffset(), frame);
        return frame;
    }

    static byte[] frame(int length, int seed) {
        byte[] f = new byte[length];
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int i = 0; i < length; i++) {
            f[i] = (byte) r.nextInt();
        }
        return f;
    }

    static SecureRandom seeded(long seed) {
        try {
            // SHA1PRNG seeded before first use is deterministic: fixed test data, as the style asks.
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static InetSocketAddress address(int host) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 198, 18, 0, (byte) host}), 51820);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private long tickWallClock() {
        return wallClockNs += 1_000_000;
    }

    static byte[] copy(ByteBuffer m) {
        byte[] out = new byte[m.remaining()];
        m.duplicate().get(out);
        return out;
    }
}
