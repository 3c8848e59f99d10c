package org.tapbridge.crypto;

import org.tapbridge.drops.DropReason;
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
 * handshakes, and runs the session timers. No threads, no I/O, no endpoints: the link layer calls it, on
 * the one thread that owns it, with the time; it sends what it is handed, and decides where peers are.
 *
 * <p>Sending: {@link #seal} a frame into a DATA message (or a link control payload into a CONTROL one)
 * and send it to the peer. Receiving: {@link #receive} each datagram (or TCP message); deliver the frame
 * when it returns {@link Received#FRAME}, and send {@link Inbound#reply()} back the way the message came
 * (even for a dropped message: a cookie reply goes back to the source of an initiation refused under load).
 * Timers: {@link #tick} a few times a second; initiations and owed keepalives leave by the {@link Outbox}.
 */
public final class PeerCrypto {
    /** {@link #seal} result: no usable keys; the frame was not sealed and a handshake has been started. */
    public static final int NO_SESSION = -1;
    /**
     * Responses tried per initiation in flight. The genuine one needs one; forging one that names our
     * index takes an on-path attacker, who could drop the genuine one anyway. Responses do not spend the
     * rate limiter's tokens, so a flood of initiations from a peer's address cannot starve our own rekey.
     */
    static final int RESPONSE_ATTEMPTS = 4;
    /** Largest frame {@link #seal} takes: the biggest UDP payload minus our overhead. */
    public static final int MAX_FRAME_LENGTH = 65_507 - WireFormat.DATA_OVERHEAD;

    /** What {@link #receive} made of a message. */
    public enum Received {
        /** A frame authenticated; it lies in the buffer at {@link Inbound#plaintextOffset()}. */
        FRAME,
        /** An authenticated empty DATA message: the peer is alive, nothing to deliver. */
        KEEPALIVE,
        /** An authenticated CONTROL message for the link layer (path-MTU probes, fragments). */
        CONTROL,
        /** A handshake message was consumed; {@link Inbound#reply()} holds the answer to send, if any. */
        HANDSHAKE,
        /**
         * A cookie reply to one of our initiations was taken: the next initiation to that peer carries
         * mac2. It proves nothing about the peer, so names none: nothing to follow, nothing to send.
         */
        COOKIE,
        /** Dropped and counted; {@link Inbound#dropReason()} says why. */
        DROPPED
    }

    private final SessionSettings settings;
    private final Outbox outbox;
    private final byte[] localPublicKey;
    private final Map<ByteBuffer, PeerSession> peersByKey = new HashMap<>();
    private final List<PeerSession> peers = new ArrayList<>();
    private final IndexTable<Object> indices = new IndexTable<>(64);
    private final Handshakes handshakes;
    private final HandshakeRateLimiter rateLimiter;
    private final HandshakeMacs macs;
    private final CryptoCounters counters = new CryptoCounters();
    private final DataMessage data = new DataMessage();
    /** Direct buffers are copied through here: the JCE is faster and allocates less on byte[] (see the JMH). */
    private final byte[] scratch = new byte[DataMessage.HEADER_LENGTH + MAX_FRAME_LENGTH + TransportCipher.TAG_LENGTH];
    private final ByteBuffer scratchView = ByteBuffer.wrap(scratch);
    private final ByteBuffer keepalive = ByteBuffer.allocate(DataMessage.MIN_LENGTH);
    private boolean destroyed;
    /** The loop these sessions belong to, written into every message (see {@link WireFormat}). */
    private final int lane;

    /**
     * @param localPrivateKey the site's static key, from {@link PrivateKeyFile#load}
     * @param random          ephemeral keys and session indices
     * @param wallClockNs     nanoseconds since the epoch, only for initiation timestamps: peers refuse an
     *                        initiation not newer than the last one, so this must grow across restarts
     */
    public PeerCrypto(byte[] localPrivateKey, SessionSettings settings, Outbox outbox, SecureRandom random,
            LongSupplier wallClockNs) {
        this(localPrivateKey, settings, outbox, random, wallClockNs, KeyPairSource.random(random), 0);
    }

    /**
     * The sessions of one data-path loop of a site that runs several ({@code [site] queues}): every message
     * it writes names {@code lane}, the peer's loop of the same index.
     */
    public PeerCrypto(byte[] localPrivateKey, SessionSettings settings, Outbox outbox, SecureRandom random,
            LongSupplier wallClockNs, int lane) {
        this(localPrivateKey, settings, outbox, random, wallClockNs, KeyPairSource.random(random), lane);
    }

    PeerCrypto(byte[] localPrivateKey, SessionSettings settings, Outbox outbox, SecureRandom random,
            LongSupplier wallClockNs, KeyPairSource ephemerals) {
        this(localPrivateKey, settings, outbox, random, wallClockNs, ephemerals, 0);
    }

    private PeerCrypto(byte[] localPrivateKey, SessionSettings settings, Outbox outbox, SecureRandom random,
            LongSupplier wallClockNs, KeyPairSource ephemerals, int lane) {
        if (lane < 0 || lane >= WireFormat.MAX_LANES) {
            throw new IllegalArgumentException("lane " + lane + " is outside 0.." + (WireFormat.MAX_LANES - 1));
        }
        HandshakeState.LocalStatic local = HandshakeState.LocalStatic.of(Keys.checkPrivate(localPrivateKey));
        this.lane = lane;
        this.settings = settings;
        this.outbox = outbox;
        this.localPublicKey = local.publicKey();
        this.macs = new HandshakeMacs(localPublicKey, random, lane);
        this.handshakes = new Handshakes(local, ephemerals, random, wallClockNs, peersByKey, indices, settings, macs,
                lane);
        this.rateLimiter = new HandshakeRateLimiter(settings, counters);
    }

    /**
     * Adds a configured peer. {@code presharedKey} may be null (none). Control path, before the link starts.
     */
    public PeerSession addPeer(String name, byte[] publicKey, byte[] presharedKey) {
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
        PeerSession peer = new PeerSession(freeId(), name, publicKey, psk);
        peers.add(peer);
        peersByKey.put(ByteBuffer.wrap(peer.publicKey()), peer);
        return peer;
    }

    /** The lowest id no peer holds: ids stay dense across peers removed and added by a reload. */
    private int freeId() {
        boolean[] taken = new boolean[peers.size() + 1];
        for (PeerSession p : peers) {
            if (p.id() < taken.length) {
                taken[p.id()] = true;
            }
        }
        int id = 0;
        while (taken[id]) {
            id++;
        }
        return id;
    }

    /**
     * Forgets a peer that left the configuration (a live reload): its keys and any handshake in flight are
     * erased, so nothing it sends authenticates any more, and its id may be given to a peer added later.
     * Data-path thread.
     */
    public void removePeer(PeerSession peer) {
        requireLive();
        if (!peers.remove(peer)) {
            throw new IllegalArgumentException(peer + " is not a peer of this site");
        }
        peersByKey.remove(ByteBuffer.wrap(peer.publicKey()));
        peer.destroy(indices);
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

    /**
     * Erases every key this object holds, best effort (see {@link Secrets}): each peer's transport keys
     * (OpenSSL contexts cleansed and freed), handshakes in flight, pre-shared keys, the site's private key,
     * the cookie secret, and the scratch that held the last plaintext. On daemon stop, on the owning thread
     * or after it ended; any later use throws IllegalStateException. Idempotent.
     */
    public void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        for (int i = 0; i < peers.size(); i++) {
            peers.get(i).destroy(indices);
        }
        handshakes.destroy();
        macs.destroy();
        Secrets.wipe(scratch);
    }

    public boolean destroyed() {
        return destroyed;
    }

    private void requireLive() {
        if (destroyed) {
            throw new IllegalStateException("this PeerCrypto was destroyed: its keys are erased");
        }
    }

    /** Starts a handshake with the peer unless one is in flight: at start-up, so the first frame finds keys. */
    public void connect(PeerSession peer, long nowNs) {
        requireLive();
        if (!peer.handshakeInFlight()) {
            startHandshake(peer, nowNs);
        }
    }

    /**
     * Sends a fresh initiation now, even while one is in flight: a new TCP connection must not wait for
     * the retransmit timer when the previous initiation left on a connection that has since died.
     */
    public void handshakeNow(PeerSession peer, long nowNs) {
        requireLive();
        if (!outbox.canReach(peer)) {
            return;
        }
        if (peer.pending == null) {
            peer.attemptsStartedNs = nowNs;
        }
        sendInitiation(peer, nowNs);
    }

    /**
     * Seals {@code src[plainOffset, +plainLength)} into a message of {@code type} ({@link WireFormat#TYPE_DATA}
     * for an Ethernet frame, {@link WireFormat#TYPE_CONTROL} for a link control payload) written at
     * {@code dst[dstOffset...]}: 16 header bytes, the ciphertext, the 16-byte tag. {@code dst} may be
     * {@code src} with the plaintext 16 bytes after {@code dstOffset} (in place). Returns the message length,
     * or {@link #NO_SESSION} (nothing written, counted, handshake started). Data path: allocates nothing in
     * our code.
     */
    public int seal(PeerSession peer, byte type, ByteBuffer src, int plainOffset, int plainLength, ByteBuffer dst,
            int dstOffset, long nowNs) {
        requireLive();
        if (plainLength < 0 || plainLength > MAX_FRAME_LENGTH
                || dstOffset + WireFormat.DATA_OVERHEAD + plainLength > dst.capacity()) {
            throw new IllegalArgumentException("payload of " + plainLength + " bytes does not fit a message at "
                    + dstOffset + " in a buffer of " + dst.capacity());
        }
        if (type != WireFormat.TYPE_DATA && type != WireFormat.TYPE_CONTROL) {
            throw new IllegalArgumentException("type " + type + " is not a sealed message type");
        }
        Keypair keypair = usableForSending(peer, nowNs);
        if (keypair == null) {
            counters.drop(DropReason.NO_SESSION);
            connect(peer, nowNs);
            return NO_SESSION;
        }
        int length = sealWith(keypair, type, src, plainOffset, plainLength, dst, dstOffset);
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
            // At the next tick, not now: the caller has yet to send what we just sealed into its send slot
            // (the UDP batch entry, the TCP buffer's tail), and an initiation sent from here would take it.
            peer.rekeyDue = true;
        }
        return length;
    }

    /** The frame at {@code buf[offset + 16, +frameLength)} sealed in place into a DATA message at {@code offset}. */
    public int seal(PeerSession peer, ByteBuffer buf, int offset, int frameLength, long nowNs) {
        return seal(peer, WireFormat.TYPE_DATA, buf, offset + DataMessage.HEADER_LENGTH, frameLength, buf, offset,
                nowNs);
    }

    /** Whether {@link #seal} would find keys for this peer now. */
    public boolean canSeal(PeerSession peer, long nowNs) {
        return usableForSending(peer, nowNs) != null;
    }

    private Keypair usableForSending(PeerSession peer, long nowNs) {
        Keypair keypair = peer.current;
        if (keypair == null || keypair.ageNs(nowNs) >= settings.rejectAfterTimeNs()
                || Long.compareUnsigned(keypair.sendCounter, settings.rejectAfterMessages()) >= 0) {
            return null;
        }
        return keypair;
    }

    /**
     * Takes one received message (UDP datagram, or one message of a TCP stream) at
     * {@code buf[offset, +length)}. A DATA or CONTROL payload is decrypted in place; see {@link Inbound}.
     * {@code source} says where a handshake message came from: its address and port (rate limiting,
     * cookies), whether that is a configured peer's authenticated endpoint (or a TCP connection already
     * bound to a peer), which a flood from elsewhere must not starve, and whether the transport proved it.
     * Data path: allocates nothing in our code for DATA and CONTROL messages.
     */
    public Received receive(ByteBuffer buf, int offset, int length, HandshakeSource source, long nowNs,
            Inbound result) {
        requireLive();
        result.reset();
        switch (WireFormat.typeOf(buf, offset, length)) {
            case WireFormat.TYPE_DATA:
            case WireFormat.TYPE_CONTROL:
                return receiveData(buf, offset, length, nowNs, result);
            case WireFormat.TYPE_HANDSHAKE_INIT:
                return length == HandshakeInitiation.LENGTH
                        ? receiveInitiation(buf, offset, source, nowNs, result)
                        : drop(result, DropReason.MALFORMED_MESSAGE);
            case WireFormat.TYPE_HANDSHAKE_RESP:
                return length == HandshakeResponse.LENGTH
                        ? receiveResponse(buf, offset, nowNs, result)
                        : drop(result, DropReason.MALFORMED_MESSAGE);
            case WireFormat.TYPE_COOKIE_REPLY:
                return length == CookieReply.LENGTH
                        ? receiveCookieReply(buf, offset, nowNs, result)
                        : drop(result, DropReason.MALFORMED_MESSAGE);
            default:
                return drop(result, DropReason.MALFORMED_MESSAGE);
        }
    }

    /**
     * Runs the session timers: retransmits unanswered initiations, sends owed keepalives, forgets dead
     * keys. Call every few hundred milliseconds from the link thread.
     */
    public void tick(long nowNs) {
        requireLive();
        // Indexed: an iterator would be an allocation per tick wherever escape analysis does not remove it.
        for (int i = 0; i < peers.size(); i++) {
            PeerSession peer = peers.get(i);
            if (peer.rekeyDue) {
                peer.rekeyDue = false;
                if (!peer.handshakeInFlight()) {
                    startHandshake(peer, nowNs);
                }
            }
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

    private Received receiveData(ByteBuffer buf, int offset, int length, long nowNs, Inbound result) {
        if (length < DataMessage.MIN_LENGTH || length > scratch.length) {
            return drop(result, DropReason.MALFORMED_MESSAGE);
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
        if (keypair == peer.next) {
            peer.confirmNext(indices);
            // The peer's handshake is done and in use, so an initiation of ours still unanswered (lost, or
            // sent before the peer was listening) is superseded, as in WireGuard. Retransmitting it after
            // the rekey timeout would only cost both sides a needless handshake.
            peer.clearPending(indices);
        }
        if (keypair == peer.current && keypair.initiator && !peer.handshakeInFlight()
                && keypair.ageNs(nowNs) >= settings.rejectAfterTimeNs() - settings.keepaliveTimeoutNs()
                        - settings.rekeyTimeoutNs()) {
            // We initiated these keys and they near their end while the peer still talks: renew them now.
            startHandshake(peer, nowNs);
        }
        counters.opened();
        boolean control = data.type() == WireFormat.TYPE_CONTROL;
        if (plaintextLength == 0 && !control) {
            return Received.KEEPALIVE;
        }
        if (!peer.keepaliveOwed) {
            peer.keepaliveOwed = true;
            peer.keepaliveOwedSinceNs = nowNs;
        }
        return control ? Received.CONTROL : Received.FRAME;
    }

    /**
     * An initiation: mac1 first (one HMAC, no tokens), then, for a sender that has not proved its address,
     * a cookie instead of work while the site is under load; only then a token, and the X25519 work.
     */
    private Received receiveInitiation(ByteBuffer buf, int offset, HandshakeSource source, long nowNs,
            Inbound result) {
        if (!macs.mac1Valid(buf, offset, HandshakeInitiation.MAC1_OFFSET)) {
            counters.mac1Refused();
            return drop(result, DropReason.AUTH_FAILED);
        }
        boolean known = source.isKnown();
        boolean proven = source.isProven() || macs.mac2Valid(buf, offset, source, nowNs);
        if (!proven && !known && rateLimiter.underLoad(nowNs)) {
            return cookieInstead(buf, offset, source, nowNs, result);
        }
        // A known endpoint has its own bucket by port, apart from its neighbours behind the same address;
        // senders that proved the address have buckets apart from those who may only spoof it.
        long key = known ? source.endpointKey(proven) : source.addressKey(proven);
        if (!rateLimiter.allow(key, !known, nowNs)) {
            // Whoever drained this bucket, the real sender gets a cookie, and with it a bucket spoofers cannot reach.
            return proven ? drop(result, DropReason.RATE_LIMITED) : cookieInstead(buf, offset, source, nowNs, result);
        }
        ByteBuffer response = handshakes.respond(buf, offset, nowNs, result);
        if (response == null) {
            return drop(result, result.dropReason);
        }
        result.reply = response;
        result.peer.lastSentNs = nowNs;
        return Received.HANDSHAKE;
    }

    /** Refuses the initiation for now, with a cookie for its source (counted as rate limited). */
    private Received cookieInstead(ByteBuffer buf, int offset, HandshakeSource source, long nowNs, Inbound result) {
        if (source.hasAddress()) {
            result.reply = macs.cookieReply(buf, offset, source, nowNs);
            counters.cookieReplySent();
        }
        return drop(result, DropReason.RATE_LIMITED);
    }

    private Received receiveResponse(ByteBuffer buf, int offset, long nowNs, Inbound result) {
        if (!macs.mac1Valid(buf, offset, HandshakeResponse.MAC1_OFFSET)) {
            counters.mac1Refused();
            return drop(result, DropReason.AUTH_FAILED);
        }
        // Only a response naming a handshake in flight costs X25519 work, and only a few per handshake.
        int receiverIndex = WireFormat.readInt(buf, offset + HandshakeResponse.RECEIVER_INDEX_OFFSET);
        if (!(indices.get(receiverIndex) instanceof PendingHandshake pending)) {
            return drop(result, DropReason.UNKNOWN_INDEX);
        }
        if (pending.responsesTried >= RESPONSE_ATTEMPTS) {
            return drop(result, DropReason.RATE_LIMITED);
        }
        pending.responsesTried++;
        Keypair keypair = handshakes.complete(buf, offset, nowNs, result);
        if (keypair == null) {
            return drop(result, result.dropReason);
        }
        counters.handshakeCompleted();
        keypair.peer.replyAwaited = false;
        // The responder holds these keys back until it sees them used: confirm at once, the way the
        // response came (the link roams to that address first).
        result.reply = sealKeepalive(keypair.peer, nowNs);
        return Received.HANDSHAKE;
    }

    /** A cookie for our initiation in flight that it names by mac1: kept for the retransmission's mac2. */
    private Received receiveCookieReply(ByteBuffer buf, int offset, long nowNs, Inbound result) {
        for (int i = 0; i < peers.size(); i++) {
            PeerSession peer = peers.get(i);
            if (peer.rekeyDue) {
                peer.rekeyDue = false;
                if (!peer.handshakeInFlight()) {
                    startHandshake(peer, nowNs);
                }
            }
            PendingHandshake pending = peer.pending;
            if (pending == null || !sameBytes(pending.mac1, buf, offset + CookieReply.MAC1_OFFSET)) {
                continue;
            }
            byte[] cookie = HandshakeMacs.openCookieReply(peer.cookieKey, pending.mac1, buf, offset);
            if (cookie == null) {
                return drop(result, DropReason.AUTH_FAILED);
            }
            peer.cookie = cookie;
            peer.cookieReceivedNs = nowNs;
            counters.cookieReceived();
            return Received.COOKIE;
        }
        return drop(result, DropReason.UNKNOWN_INDEX);
    }

    private static boolean sameBytes(byte[] expected, ByteBuffer buf, int at) {
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != buf.get(at + i)) {
                return false;
            }
        }
        return true;
    }

    private void startHandshake(PeerSession peer, long nowNs) {
        if (!outbox.canReach(peer)) {
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
        outbox.send(peer, message);
        peer.lastSentNs = nowNs;
    }

    private void sendKeepalive(PeerSession peer, long nowNs) {
        ByteBuffer message = sealKeepalive(peer, nowNs);
        if (message != null) {
            outbox.send(peer, message);
        }
    }

    /** An empty DATA message under the current keys, or null when there are none to use; valid until the next. */
    private ByteBuffer sealKeepalive(PeerSession peer, long nowNs) {
        peer.keepaliveOwed = false;
        Keypair keypair = usableForSending(peer, nowNs);
        if (keypair == null) {
            return null;
        }
        keepalive.clear();
        int length = sealWith(keypair, WireFormat.TYPE_DATA, keepalive, DataMessage.HEADER_LENGTH, 0, keepalive, 0);
        keepalive.limit(length);
        peer.lastSentNs = nowNs;
        return keepalive;
    }

    private int sealWith(Keypair keypair, byte type, ByteBuffer src, int plainOffset, int plainLength, ByteBuffer dst,
            int dstOffset) {
        long counter = keypair.sendCounter++;
        if (src.hasArray() && dst.hasArray()) {
            data.wrap(dst, dstOffset).writeHeader(type, keypair.remoteIndex, counter, lane);
            int dstBase = dst.arrayOffset() + dstOffset;
            int sealed = keypair.sealer.seal(counter, dst.array(), dstBase, DataMessage.HEADER_LENGTH, src.array(),
                    src.arrayOffset() + plainOffset, plainLength, dst.array(), dstBase + DataMessage.HEADER_LENGTH);
            return DataMessage.HEADER_LENGTH + sealed;
        }
        if (keypair.sealer.worksOnDirectMemory() && src.isDirect() && dst.isDirect()) {
            // OpenSSL reads the frame where it lies and writes the message straight into the send batch.
            data.wrap(dst, dstOffset).writeHeader(type, keypair.remoteIndex, counter, lane);
            int sealed = keypair.sealer.seal(counter, dst, dstOffset, DataMessage.HEADER_LENGTH, src, plainOffset,
                    plainLength, dst, dstOffset + DataMessage.HEADER_LENGTH);
            return DataMessage.HEADER_LENGTH + sealed;
        }
        // Direct memory on the JCE: it seals byte arrays faster and with less garbage, so go through the
        // scratch array (two copies of the payload; see docs/datapath.md).
        data.wrap(scratchView, 0).writeHeader(type, keypair.remoteIndex, counter, lane);
        src.get(plainOffset, scratch, DataMessage.HEADER_LENGTH, plainLength);
        int sealed = keypair.sealer.seal(counter, scratch, 0, DataMessage.HEADER_LENGTH, DataMessage.HEADER_LENGTH,
                plainLength);
        int length = DataMessage.HEADER_LENGTH + sealed;
        dst.put(dstOffset, scratch, 0, length);
        return length;
    }

    private int openWith(Keypair keypair, long counter, ByteBuffer buf, int offset, int length) {
        int ciphertextLength = length - DataMessage.HEADER_LENGTH;
        if (buf.hasArray()) {
            int base = buf.arrayOffset() + offset;
            return keypair.opener.open(counter, buf.array(), base, DataMessage.HEADER_LENGTH,
                    base + DataMessage.HEADER_LENGTH, ciphertextLength);
        }
        if (keypair.opener.worksOnDirectMemory() && buf.isDirect()) {
            // OpenSSL opens the datagram where it landed: the frame is then in place for the TAP.
            return keypair.opener.open(counter, buf, offset, DataMessage.HEADER_LENGTH,
                    offset + DataMessage.HEADER_LENGTH, ciphertextLength);
        }
        buf.get(offset, scratch, 0, length);
        int opened = keypair.opener.open(counter, scratch, 0, DataMessage.HEADER_LENGTH,
                DataMessage.HEADER_LENGTH, ciphertextLength);
        if (opened > 0) {
            buf.put(offset + DataMessage.HEADER_LENGTH, scratch, DataMessage.HEADER_LENGTH, opened);
        }
        return opened;
    }

    private Received drop(Inbound result, int reason) {
        result.dropReason = reason;
        counters.drop(reason);
        return Received.DROPPED;
    }
}
