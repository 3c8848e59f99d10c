package org.tapbridge.crypto;

import org.tapbridge.drops.DropReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Builds and consumes the two handshake messages (Noise IKpsk2, see {@link HandshakeInitiation} and
 * {@link HandshakeResponse}) and turns completed handshakes into {@link Keypair}s. Owned by the link thread.
 */
final class Handshakes {
    /** Binds the handshake to this protocol and wire version, so no other Noise user's messages fit. */
    static final byte[] PROLOGUE = ("tapbridge/" + WireFormat.VERSION).getBytes(StandardCharsets.US_ASCII);
    /** Every peer speaks IKpsk2; a peer without a pre-shared key uses 32 zero bytes, as WireGuard does. */
    static final HandshakeState.Pattern PATTERN = HandshakeState.Pattern.IK_PSK2;

    private final HandshakeState.LocalStatic local;
    private final KeyPairSource ephemerals;
    private final SecureRandom random;
    private final LongSupplier wallClockNs;
    private final Map<ByteBuffer, PeerSession> peersByKey;
    private final IndexTable<Object> indices;
    private final SessionSettings settings;
    private final HandshakeMacs macs;
    private long lastTimestampNs = Long.MIN_VALUE / 2;

    /** Written into every handshake message: the peer's loop that is to answer (see {@link WireFormat}). */
    private final int lane;
    /**
     * {@link #PROLOGUE}, and for a loop other than the first its lane too. The lane byte on the wire is
     * covered by mac1 alone, which anyone who knows our public key can recompute: without the lane in the
     * prologue, a recorded initiation could be replayed to another loop, whose replay timestamps are its own.
     * Loop 0 keeps the plain prologue, so a one-loop site speaks exactly as before.
     */
    private final byte[] prologue;

    Handshakes(HandshakeState.LocalStatic local, KeyPairSource ephemerals, SecureRandom random,
            LongSupplier wallClockNs, Map<ByteBuffer, PeerSession> peersByKey, IndexTable<Object> indices,
            SessionSettings settings, HandshakeMacs macs, int lane) {
        this.lane = lane;
        this.prologue = prologue(lane);
        this.local = local;
        this.macs = macs;
        this.ephemerals = ephemerals;
        this.random = random;
        this.wallClockNs = wallClockNs;
        this.peersByKey = peersByKey;
        this.indices = indices;
        this.settings = settings;
    }

    static byte[] prologue(int lane) {
        if (lane == 0) {
            return PROLOGUE;
        }
        byte[] suffix = ("/lane " + lane).getBytes(StandardCharsets.US_ASCII);
        byte[] prologue = Arrays.copyOf(PROLOGUE, PROLOGUE.length + suffix.length);
        System.arraycopy(suffix, 0, prologue, PROLOGUE.length, suffix.length);
        return prologue;
    }

    /** A new initiation to the peer, registered as its pending handshake (replacing any older one). */
    ByteBuffer initiate(PeerSession peer, long nowNs) throws CryptoException {
        HandshakeState state = HandshakeState.initiator(PATTERN, prologue, local, peer.publicKey(),
                peer.presharedKey, ephemerals);
        int index = newIndex();
        byte[] payload = new byte[HandshakeInitiation.PAYLOAD_LENGTH];
        // Strictly increasing even if the wall clock steps back while we run: the peer would refuse a repeat.
        lastTimestampNs = Math.max(wallClockNs.getAsLong(), lastTimestampNs + 1);
        System.arraycopy(Tai64n.encode(lastTimestampNs), 0, payload, 0, Tai64n.LENGTH);
        ByteBuffer.wrap(payload).putInt(Tai64n.LENGTH, index);
        byte[] noise;
        try {
            noise = state.writeMessage1(payload);
        } catch (CryptoException | RuntimeException e) {
            state.destroy();
            throw e;
        }
        ByteBuffer message = ByteBuffer.allocate(HandshakeInitiation.LENGTH);
        WireFormat.writePrefix(message, 0, WireFormat.TYPE_HANDSHAKE_INIT, lane);
        message.put(HandshakeInitiation.NOISE_OFFSET, noise);
        macs.writeMac1(peer.mac1Key, message, HandshakeInitiation.MAC1_OFFSET);
        macs.writeMac2(peer.freshCookie(nowNs), message, HandshakeInitiation.MAC2_OFFSET);
        byte[] mac1 = new byte[HandshakeMacs.MAC_LENGTH];
        message.get(HandshakeInitiation.MAC1_OFFSET, mac1);
        peer.clearPending(indices);
        peer.pending = new PendingHandshake(peer, state, index, nowNs, mac1);
        indices.put(index, peer.pending);
        return message;
    }

    /**
     * Responder: authenticates an initiation, installs the resulting keypair as the peer's {@code next}
     * and returns the response to send; or returns null with the drop reason in {@code result}.
     */
    ByteBuffer respond(ByteBuffer buf, int offset, long nowNs, Inbound result) {
        byte[] noise = new byte[HandshakeInitiation.NOISE_LENGTH];
        buf.get(offset + HandshakeInitiation.NOISE_OFFSET, noise);
        HandshakeState state = HandshakeState.responder(PATTERN, prologue, local, ephemerals);
        try {
            return respond(state, noise, nowNs, result);
        } finally {
            // Answered or refused, this handshake is over on our side: its secrets go now.
            state.destroy();
        }
    }

    private ByteBuffer respond(HandshakeState state, byte[] noise, long nowNs, Inbound result) {
        byte[] payload;
        try {
            payload = state.readMessage1(noise, key -> peersByKey.containsKey(ByteBuffer.wrap(key)));
        } catch (HandshakeState.UnknownStaticKeyException e) {
            result.dropReason = DropReason.UNKNOWN_KEY;
            return null;
        } catch (CryptoException e) {
            result.dropReason = DropReason.AUTH_FAILED;
            return null;
        }
        PeerSession peer = peersByKey.get(ByteBuffer.wrap(state.remoteStatic()));
        result.peer = peer;
        byte[] timestamp = Arrays.copyOfRange(payload, 0, Tai64n.LENGTH);
        if (Tai64n.compare(timestamp, peer.greatestTimestamp) <= 0) {
            result.dropReason = DropReason.STALE_HANDSHAKE;
            return null;
        }
        int remoteIndex = ByteBuffer.wrap(payload).getInt(Tai64n.LENGTH);
        int index = newIndex();
        byte[] responsePayload = new byte[HandshakeResponse.PAYLOAD_LENGTH];
        ByteBuffer.wrap(responsePayload).putInt(0, index);
        byte[] reply;
        try {
            reply = state.writeMessage2(responsePayload, peer.presharedKey);
        } catch (CryptoException e) {
            // Only a low-order ephemeral from the initiator gets here: its message was still authentic.
            result.dropReason = DropReason.AUTH_FAILED;
            return null;
        }
        // Only now, with the message authentic and fresh, may it move the replay mark.
        peer.greatestTimestamp = timestamp;
        Keypair keypair = keypair(state, peer, index, remoteIndex, false, nowNs);
        indices.put(index, keypair);
        peer.installAsResponder(keypair, indices);
        ByteBuffer message = ByteBuffer.allocate(HandshakeResponse.LENGTH);
        WireFormat.writePrefix(message, 0, WireFormat.TYPE_HANDSHAKE_RESP, lane);
        message.putInt(HandshakeResponse.RECEIVER_INDEX_OFFSET, remoteIndex);
        message.put(HandshakeResponse.NOISE_OFFSET, reply);
        macs.writeMac1(peer.mac1Key, message, HandshakeResponse.MAC1_OFFSET);
        return message;
    }

    /**
     * Initiator: completes the pending handshake the response names and installs the keypair as the peer's
     * {@code current}; returns it, or null with the drop reason in {@code result}.
     */
    Keypair complete(ByteBuffer buf, int offset, long nowNs, Inbound result) {
        int receiverIndex = WireFormat.readInt(buf, offset + HandshakeResponse.RECEIVER_INDEX_OFFSET);
        if (!(indices.get(receiverIndex) instanceof PendingHandshake pending)) {
            result.dropReason = DropReason.UNKNOWN_INDEX;
            return null;
        }
        byte[] noise = new byte[HandshakeResponse.NOISE_LENGTH];
        buf.get(offset + HandshakeResponse.NOISE_OFFSET, noise);
        byte[] payload;
        try {
            payload = pending.state.readMessage2(noise);
        } catch (CryptoException e) {
            result.dropReason = DropReason.AUTH_FAILED;
            return null;
        }
        PeerSession peer = pending.peer;
        result.peer = peer;
        int remoteIndex = ByteBuffer.wrap(payload).getInt(0);
        // The handshake's index carries over to its keypair: the responder already addresses it.
        Keypair keypair = keypair(pending.state, peer, pending.localIndex, remoteIndex, true, nowNs);
        indices.remove(pending.localIndex, pending);
        peer.pending = null;
        pending.state.destroy();
        indices.put(pending.localIndex, keypair);
        peer.installAsInitiator(keypair, indices);
        return keypair;
    }

    /** Wipes the site's static private key: on daemon stop, after every session was destroyed. */
    void destroy() {
        Secrets.wipe(local.privateKey());
    }

    /**
     * The transport keys of a finished handshake, initiator-to-responder first in the split; every copy
     * that passes through here is wiped once the ciphers hold theirs.
     */
    private Keypair keypair(HandshakeState state, PeerSession peer, int localIndex, int remoteIndex,
            boolean initiator, long nowNs) {
        CipherState[] split = state.split();
        byte[] sendKey = split[initiator ? 0 : 1].key();
        byte[] receiveKey = split[initiator ? 1 : 0].key();
        try {
            return new Keypair(peer, localIndex, remoteIndex, initiator, nowNs, sendKey, receiveKey,
                    settings.rejectAfterMessages());
        } finally {
            Secrets.wipe(sendKey, receiveKey);
            split[0].destroy();
            split[1].destroy();
        }
    }

    /** A random index not in use; zero is avoided so a zeroed header never names a session. */
    private int newIndex() {
        while (true) {
            int index = random.nextInt();
            if (index != 0 && !indices.contains(index)) {
                return index;
            }
        }
    }
}
