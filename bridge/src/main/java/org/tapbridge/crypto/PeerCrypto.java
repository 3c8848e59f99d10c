package org.tapbridge.crypto;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The crypto side of all peer links: seals outgoing frames, opens incoming messages, answers and starts
 * handshakes, and runs the session timers. No threads, no I/O: the link layer calls it, on one thread,
 * with the time, and sends what it hands to the {@link Outbox}.
 *
 * <p>Sending: {@link #seal} the frame placed 16 bytes into the buffer, send the returned length to
 * {@link PeerSession#endpoint()}. Receiving: {@link #receive} each datagram (or TCP message) and deliver
 * the frame when it returns {@link Received#FRAME}. Timers: {@link #tick} a few times a second.
 */
public final class PeerCrypto {
    /** {@link #seal} result: no usable keys; the frame was not sealed and a handshake has been started. */
    public static final int NO_SESSION = -1;
    /** Largest frame {@link #seal} takes: the biggest UDP payload minus our overhead. */
    public static final int MAX_FRAME_LENGTH = 65_507 - WireFormat.DATA_OVERHEAD;

    /** What {@link #receive} made of a message. */
    public enum Received {
        /** A frame authenticated; it lies in the buffer at {@link Inbound#plaintextOffset()}. */
        FRAME,
        /** An authenticated empty DATA message: the peer is alive, nothing to deliver. */
        KEEPALIVE,
        /** A handshake message was consumed (and answered through the outbox if needed). */
        HANDSHAKE,
        /** Dropped and counted; {@link Inbound#dropReason()} says why. */
        DROPPED
    }

    private final SessionSettings settings;
    private final Outbox outbox;
    private final byte[] localPublicKey;
    private final Map<ByteBuffer, PeerSession> peersByKey = new HashMap<>();
    private final Map<SocketAddress, PeerSession> peersByEndpoint = new HashMap<>();
    private final List<PeerSession> peers = new ArrayList<>();
    private final IndexTable<Object> indices = new IndexTable<>(64);
    private final Handshakes handshakes;
    private final HandshakeRateLimiter rateLimiter;
    private final CryptoCounters counters = new CryptoCounters();
    private final DataMessage data = new DataMessage();
    /** Direct buffers are copied through here: the JCE is faster and allocates less on byte[] (see the JMH). */
    private final byte[] scratch = new byte[DataMessage.HEADER_LENGTH + MAX_FRAME_LENGTH + TransportCipher.TAG_LENGTH];
    private final ByteBuffer keepalive = ByteBuffer.allocate(DataMessage.MIN_LENGTH);

    /**
     * @param localPrivateKey the site's static key, from {@link PrivateKeyFile#load}
     * @param random          ephemeral keys and session indices
     * @param wallClockNs     nanoseconds since the epoch, only for initiation timestamps: peers refuse an
     *                        initiation not newer than the last one, so this must grow across restarts
     */
    public PeerCrypto(byte[] localPrivateKey, SessionSettings settings, Outbox outbox, SecureRandom random,
            LongSupplier wallClockNs) {
        this(localPrivateKey, settings, outbox, random, wallClockNs, KeyPairSource.random(random));
    }

    PeerCrypto(byte[] localPrivateKey, SessionSettings settings, Outbox outbox, SecureRandom random,
            LongSupplier wallClockNs, KeyPairSource ephemerals) {
        HandshakeState.LocalStatic local = HandshakeState.LocalStatic.of(Keys.checkPrivate(localPrivateKey));
        this.settings = settings;
        this.outbox = outbox;
        this.localPublicKey = local.publicKey();
        this.handshakes = new Handshakes(local, ephemerals, random, wallClockNs, peersByKey, indices, settings);
        this.rateLimiter = new HandshakeRateLimiter(settings);
    }

    /**
     * Adds a configured peer. {@code presharedKey} may be null (none); {@code endpoint} may be null for a
     * peer that only calls us. Control path, before the link starts.
     */
    public PeerSession addPeer(String name, byte[] publicKey, byte[] presharedKey, SocketAddress endpoint) {
        Keys.checkPublic(publicKey, "peer " + name + " public-key");
        if (Arrays.equals(publicKey, localPublicKey)) {
            throw new IllegalArgumentException("peer " + name + " has this site's own public key;"
                    + " give it the public key of the other site (tapbridge pubkey on that site)");
        }
        PeerSession existing = peersByKey.get(ByteBuffer.wrap(publicKey));
        if (existing != null) {
            throw new IllegalArgumentException("peer " + name + " has the same public-key as peer "
                    + existing.name() + "; a peer is identified by its key, so each needs its own");
        }
        byte[] psk = presharedKey == null ? new byte[HandshakeState.PSK_LENGTH] : presharedKey;
        if (psk.length != HandshakeState.PSK_LENGTH) {
            throw new IllegalArgumentException("peer " + name + " preshared-key has " + psk.length
                    + " bytes, expected " + HandshakeState.PSK_LENGTH);
        }
        PeerSession peer = new PeerSession(peers.size(), name, publicKey, psk, endpoint);
        peers.add(peer);
        peersByKey.put(ByteBuffer.wrap(peer.publicKey()), peer);
        if (endpoint != null) {
            peersByEndpoint.put(endpoint, peer);
        }
        return peer;
    }

    public List<PeerSession> peers() {
        return List.copyOf(peers);
    }

    public byte[] localPublicKey() {
        return localPublicKey.clone();
    }

    public CryptoCounters counters() {
        return counters;
    }

    /** Starts a handshake with the peer unless one is in flight: at start-up, so the first frame finds keys. */
    public void connect(PeerSession peer, long nowNs) {
        if (!peer.handshakeInFlight()) {
            startHandshake(peer, nowNs);
        }
    }

    /**
     * Sends a fresh initiation now, even while one is in flight: a new TCP connection must not wait for
     * the retransmit timer when the previous initiation left on a connection that has since died.
     */
    public void handshakeNow(PeerSession peer, long nowNs) {
        if (peer.endpoint == null) {
            return;
        }
        if (peer.pending == null) {
            peer.attemptsStartedNs = nowNs;
        }
        sendInitiation(peer, nowNs);
    }

    /**
     * Seals the frame at {@code buf[offset + 16, +frameLength)} into a DATA message starting at
     * {@code offset}; the buffer needs 16 more bytes after the frame for the tag. Returns the message
     * length to send to {@link PeerSession#endpoint()}, or {@link #NO_SESSION} (frame dropped, counted,
     * handshake started). Data path: allocates nothing in our code.
     */
    public int seal(PeerSession peer, ByteBuffer buf, int offset, int frameLength, long nowNs) {
        if (frameLength < 0 || frameLength > MAX_FRAME_LENGTH
                || offset + WireFormat.DATA_OVERHEAD + frameLength > buf.capacity()) {
            throw new IllegalArgumentException("frame of " + frameLength + " bytes at " + offset
                    + " does not fit a DATA message in a buffer of " + buf.capacity());
        }
        Keypair keypair = peer.current;
        if (keypair == null || keypair.ageNs(nowNs) >= settings.rejectAfterTimeNs()
                || Long.compareUnsigned(keypair.sendCounter, settings.rejectAfterMessages()) >= 0) {
            counters.drop(DropReason.NO_SESSION);
            connect(peer, nowNs);
            return NO_SESSION;
        }
        int length = sealWith(keypair, buf, offset, frameLength);
        peer.lastSentNs = nowNs;
        peer.keepaliveOwed = false;
        if (!peer.replyAwaited) {
            peer.replyAwaited = true;
            peer.replyAwaitedSinceNs = nowNs;
        }
        counters.sealed();
        if (!peer.handshakeInFlight()
                && (Long.compareUnsigned(keypair.sendCounter, settings.rekeyAfterMessages()) >= 0
                        || (keypair.initiator && keypair.ageNs(nowNs) >= settings.rekeyAfterTimeNs()))) {
            startHandshake(peer, nowNs);
        }
        return length;
    }

    /**
     * Takes one received message (UDP datagram, or one message of a TCP stream) at
     * {@code buf[offset, +length)} from {@code source}. A frame is decrypted in place; see {@link Inbound}.
     * Data path: allocates nothing in our code for DATA messages.
     */
    public Received receive(ByteBuffer buf, int offset, int length, SocketAddress source, long nowNs,
            Inbound result) {
        result.reset();
        switch (WireFormat.typeOf(buf, offset, length)) {
            case WireFormat.TYPE_DATA:
                return receiveData(buf, offset, length, source, nowNs, result);
            case WireFormat.TYPE_HANDSHAKE_INIT:
                return length == HandshakeInitiation.LENGTH
                        ? receiveInitiation(buf, offset, source, nowNs, result)
                        : drop(result, DropReason.MALFORMED);
            case WireFormat.TYPE_HANDSHAKE_RESP:
                return length == HandshakeResponse.LENGTH
                        ? receiveResponse(buf, offset, source, nowNs, result)
                        : drop(result, DropReason.MALFORMED);
            default:
                return drop(result, DropReason.MALFORMED);
        }
    }

    /**
     * Runs the session timers: retransmits unanswered initiations, sends owed keepalives, forgets dead
     * keys. Call every few hundred milliseconds from the link thread.
     */
    public void tick(long nowNs) {
        for (PeerSession peer : peers) {
            PendingHandshake pending = peer.pending;
            if (pending != null && nowNs - pending.sentNs >= settings.rekeyTimeoutNs()) {
                if (nowNs - peer.attemptsStartedNs >= settings.rekeyAttemptTimeNs()) {
                    peer.clearPending(indices);
                } else {
                    sendInitiation(peer, nowNs);
                }
            }
            if (peer.keepaliveOwed && nowNs - peer.keepaliveOwedSinceNs >= settings.keepaliveTimeoutNs()) {
                sendKeepalive(peer, nowNs);
            }
            // The peer answers frames within the keepalive timeout; silence past that plus a retry
            // interval suggests it restarted and lost our keys, so do not wait for the 2-minute rekey.
            if (peer.replyAwaited
                    && nowNs - peer.replyAwaitedSinceNs >= settings.keepaliveTimeoutNs() + settings.rekeyTimeoutNs()) {
                peer.replyAwaited = false;
                connect(peer, nowNs);
            }
            // Three times the reject time, as WireGuard: late enough that nothing in flight still needs them.
            peer.expire(nowNs, 3 * settings.rejectAfterTimeNs(), indices);
        }
    }

    private Received receiveData(ByteBuffer buf, int offset, int length, SocketAddress source, long nowNs,
            Inbound result) {
        if (length < DataMessage.MIN_LENGTH || length > scratch.length) {
            return drop(result, DropReason.MALFORMED);
        }
        data.wrap(buf, offset);
        if (!(indices.get(data.receiverIndex()) instanceof Keypair keypair)) {
            return drop(result, DropReason.UNKNOWN_INDEX);
        }
        result.claimedPeer = keypair.peer;
        if (keypair.ageNs(nowNs) >= settings.rejectAfterTimeNs()) {
            return drop(result, DropReason.EXPIRED_KEYS);
        }
        long counter = data.counter();
        if (!keypair.replay.isFresh(counter)) {
            return drop(result, DropReason.REPLAY);
        }
        int plaintextLength = openWith(keypair, counter, buf, offset, length);
        if (plaintextLength == TransportCipher.AUTH_FAILED) {
            return drop(result, DropReason.AUTH_FAILED);
        }
        keypair.replay.markSeen(counter);
        PeerSession peer = keypair.peer;
        peer.replyAwaited = false;
        result.peer = peer;
        result.plaintextOffset = offset + DataMessage.HEADER_LENGTH;
        result.plaintextLength = plaintextLength;
        roam(peer, source);
        if (keypair == peer.next) {
            peer.confirmNext(indices);
        }
        if (keypair == peer.current && keypair.initiator && !peer.handshakeInFlight()
                && keypair.ageNs(nowNs) >= settings.rejectAfterTimeNs() - settings.keepaliveTimeoutNs()
                        - settings.rekeyTimeoutNs()) {
            // We initiated these keys and they near their end while the peer still talks: renew them now.
            startHandshake(peer, nowNs);
        }
        counters.opened();
        if (plaintextLength == 0) {
            return Received.KEEPALIVE;
        }
        if (!peer.keepaliveOwed) {
            peer.keepaliveOwed = true;
            peer.keepaliveOwedSinceNs = nowNs;
        }
        return Received.FRAME;
    }

    private Received receiveInitiation(ByteBuffer buf, int offset, SocketAddress source, long nowNs,
            Inbound result) {
        if (!allowHandshake(source, nowNs)) {
            return drop(result, DropReason.RATE_LIMITED);
        }
        ByteBuffer response = handshakes.respond(buf, offset, nowNs, result);
        if (response == null) {
            return drop(result, result.dropReason);
        }
        PeerSession peer = result.peer;
        roam(peer, source);
        outbox.send(peer, source, response);
        peer.lastSentNs = nowNs;
        return Received.HANDSHAKE;
    }

    private Received receiveResponse(ByteBuffer buf, int offset, SocketAddress source, long nowNs,
            Inbound result) {
        // Only a response naming a handshake in flight costs X25519 work, and only such may spend tokens:
        // otherwise forged responses spoofing a peer's address could drain that peer's bucket.
        int receiverIndex = WireFormat.readInt(buf, offset + HandshakeResponse.RECEIVER_INDEX_OFFSET);
        if (!(indices.get(receiverIndex) instanceof PendingHandshake)) {
            return drop(result, DropReason.UNKNOWN_INDEX);
        }
        if (!allowHandshake(source, nowNs)) {
            return drop(result, DropReason.RATE_LIMITED);
        }
        Keypair keypair = handshakes.complete(buf, offset, nowNs, result);
        if (keypair == null) {
            return drop(result, result.dropReason);
        }
        counters.handshakeCompleted();
        keypair.peer.replyAwaited = false;
        roam(keypair.peer, source);
        // The responder holds these keys back until it sees them used: confirm at once.
        sendKeepalive(keypair.peer, nowNs);
        return Received.HANDSHAKE;
    }

    /** A peer's known endpoint skips the global bucket, so a flood from elsewhere cannot starve its rekeys. */
    private boolean allowHandshake(SocketAddress source, long nowNs) {
        return peersByEndpoint.containsKey(source)
                ? rateLimiter.allowKnownEndpoint(source, nowNs)
                : rateLimiter.allow(source, nowNs);
    }

    /** Follows a peer to a new address; only called once a message from there has authenticated. */
    private void roam(PeerSession peer, SocketAddress source) {
        if (source != null && !source.equals(peer.endpoint)) {
            if (peer.endpoint != null) {
                peersByEndpoint.remove(peer.endpoint, peer);
            }
            peer.endpoint = source;
            peersByEndpoint.put(source, peer);
        }
    }

    private void startHandshake(PeerSession peer, long nowNs) {
        if (peer.endpoint == null) {
            // Nowhere to send it: this peer has to call us first.
            return;
        }
        if (peer.pending != null && nowNs - peer.pending.sentNs < settings.rekeyTimeoutNs()) {
            return;
        }
        if (peer.pending == null) {
            peer.attemptsStartedNs = nowNs;
        }
        sendInitiation(peer, nowNs);
    }

    private void sendInitiation(PeerSession peer, long nowNs) {
        ByteBuffer message;
        try {
            message = handshakes.initiate(peer, nowNs);
        } catch (CryptoException e) {
            // A configured public key of low order: nothing to retry until the configuration changes.
            counters.drop(DropReason.AUTH_FAILED);
            peer.clearPending(indices);
            return;
        }
        counters.handshakeInitiated();
        outbox.send(peer, peer.endpoint, message);
        peer.lastSentNs = nowNs;
    }

    private void sendKeepalive(PeerSession peer, long nowNs) {
        Keypair keypair = peer.current;
        peer.keepaliveOwed = false;
        if (keypair == null || keypair.ageNs(nowNs) >= settings.rejectAfterTimeNs()
                || Long.compareUnsigned(keypair.sendCounter, settings.rejectAfterMessages()) >= 0) {
            return;
        }
        int length = sealWith(keypair, keepalive, 0, 0);
        keepalive.clear().limit(length);
        outbox.send(peer, peer.endpoint, keepalive);
        keepalive.clear();
        peer.lastSentNs = nowNs;
    }

    private int sealWith(Keypair keypair, ByteBuffer buf, int offset, int frameLength) {
        long counter = keypair.sendCounter++;
        data.wrap(buf, offset).writeHeader(keypair.remoteIndex, counter);
        int sealed;
        if (buf.hasArray()) {
            int base = buf.arrayOffset() + offset;
            sealed = keypair.sealer.seal(counter, buf.array(), base, DataMessage.HEADER_LENGTH,
                    base + DataMessage.HEADER_LENGTH, frameLength);
        } else {
            int plainEnd = DataMessage.HEADER_LENGTH + frameLength;
            buf.get(offset, scratch, 0, plainEnd);
            sealed = keypair.sealer.seal(counter, scratch, 0, DataMessage.HEADER_LENGTH,
                    DataMessage.HEADER_LENGTH, frameLength);
            buf.put(offset + DataMessage.HEADER_LENGTH, scratch, DataMessage.HEADER_LENGTH, sealed);
        }
        return DataMessage.HEADER_LENGTH + sealed;
    }

    private int openWith(Keypair keypair, long counter, ByteBuffer buf, int offset, int length) {
        int ciphertextLength = length - DataMessage.HEADER_LENGTH;
        if (buf.hasArray()) {
            int base = buf.arrayOffset() + offset;
            return keypair.opener.open(counter, buf.array(), base, DataMessage.HEADER_LENGTH,
                    base + DataMessage.HEADER_LENGTH, ciphertextLength);
        }
        buf.get(offset, scratch, 0, length);
        int opened = keypair.opener.open(counter, scratch, 0, DataMessage.HEADER_LENGTH,
                DataMessage.HEADER_LENGTH, ciphertextLength);
        if (opened > 0) {
            buf.put(offset + DataMessage.HEADER_LENGTH, scratch, DataMessage.HEADER_LENGTH, opened);
        }
        return opened;
    }

    private Received drop(Inbound result, DropReason reason) {
        result.dropReason = reason;
        counters.drop(reason);
        return Received.DROPPED;
    }
}
