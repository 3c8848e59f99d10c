package org.tapbridge.drops;

/**
 * Why tapbridge dropped something: the one vocabulary of drop reasons, for the switch (frames), the links
 * (messages on the wire) and the crypto layer (messages that fail to authenticate). Codes index counter
 * arrays; {@link #name} gives the token operators see in {@code stats} and {@code peers}, and
 * {@link #describe} a few words for people. Constants only.
 */
public final class DropReason {
    /** The last frame was not dropped. */
    public static final int NONE = 0;

    // ---- The switch: frames (LearningSwitch). ----
    /** The frame view did not wrap cleanly (too short, truncated tag, reserved VLAN, out of bounds). */
    public static final int MALFORMED = 1;
    /** The source MAC is multicast, broadcast or all-zero: no station sends from it. */
    public static final int INVALID_SOURCE = 2;
    /** The destination is in 01:80:c2:00:00:00-0f, which bridges must not relay. */
    public static final int LINK_LOCAL = 3;
    /** The ingress port's broadcast+multicast token bucket was empty. */
    public static final int STORM_CONTROL = 4;
    /** The destination was learned on the ingress port: the receiver already has the frame. */
    public static final int SAME_PORT = 5;
    /** The destination is behind a port of the ingress port's split-horizon group. */
    public static final int SPLIT_HORIZON = 6;
    /** A static entry points at a port that is currently absent. */
    public static final int EGRESS_PORT_DOWN = 7;
    /** A flood would reach no port (no other port, or only ports of the same mesh group). */
    public static final int NO_FLOOD_TARGETS = 8;
    /** The ingress port was never added, or was removed. */
    public static final int UNKNOWN_INGRESS_PORT = 9;
    /** Unknown unicast over the ingress port's flood token bucket ({@code unknown-unicast-pps}). */
    public static final int UNKNOWN_UNICAST_LIMIT = 10;
    /** The ingress port, or the destination's port, is blocked because MAC flapping showed a loop. */
    public static final int LOOP_BLOCKED = 11;
    /** Reasons the switch uses: 0 up to this; its per-port counter rows are this wide. */
    public static final int SWITCH_COUNT = 12;

    // ---- The links: messages on the wire, and frames on their way to a peer. ----
    /** Shorter than the common message prefix. */
    public static final int TRUNCATED = 12;
    /** Not our protocol version, or the reserved bytes are set. */
    public static final int BAD_VERSION = 13;
    /** A message type we do not know. */
    public static final int BAD_TYPE = 14;
    /** A datagram longer than any we accept, or a frame longer than the link carries that could not be split. */
    public static final int OVERSIZED = 15;
    /** A TCP connection that never said who it is, or was evicted while pending. */
    public static final int UNKNOWN_PEER = 16;
    /** A message (or a link control payload) whose fields do not add up. */
    public static final int MALFORMED_MESSAGE = 17;
    /** A frame for a peer that is down. */
    public static final int PEER_DOWN = 18;
    /** The kernel refused to send the message. */
    public static final int SEND_FAILED = 19;
    /** The socket's send buffer, or the TCP send queue, was full. */
    public static final int SEND_QUEUE_FULL = 20;
    /** No keys (yet, or any more) to seal with; a handshake has been started. */
    public static final int NO_SESSION = 21;
    /** An authentic message on the transport the peer is not configured for. */
    public static final int WRONG_TRANSPORT = 22;

    // ---- The crypto layer: messages that do not authenticate or come at the wrong time. ----
    /** The AEAD tag or the handshake's proof did not verify. */
    public static final int AUTH_FAILED = 23;
    /** A counter already seen, or too old for the replay window. */
    public static final int REPLAY = 24;
    /** A handshake from a public key no peer has. */
    public static final int UNKNOWN_KEY = 25;
    /** A receiver index that names no session or handshake. */
    public static final int UNKNOWN_INDEX = 26;
    /** Over the handshake rate limit. */
    public static final int RATE_LIMITED = 27;
    /** Keys too old to accept. */
    public static final int EXPIRED_KEYS = 28;
    /** A handshake initiation not newer than the last one accepted from the peer. */
    public static final int STALE_HANDSHAKE = 29;

    /** A message naming another data-path loop of this site than the one whose socket received it. */
    public static final int WRONG_LANE = 30;

    /** Number of reasons, for counter arrays indexed by reason. */
    public static final int COUNT = 31;

    private static final String[] NAMES = {
        "none", "malformed", "invalid-source", "link-local", "storm-control", "same-port",
        "split-horizon", "egress-port-down", "no-flood-targets", "unknown-ingress-port",
        "unknown-unicast-limit", "loop-blocked",
        "truncated", "bad-version", "bad-type", "oversized", "unknown-peer", "malformed-message",
        "peer-down", "send-failed", "send-queue-full", "no-session", "wrong-transport",
        "auth-failed", "replay", "unknown-key", "unknown-index", "rate-limited", "expired-keys",
        "stale-handshake", "wrong-lane",
    };

    private static final String[] DESCRIPTIONS = {
        "not dropped",
        "malformed frame",
        "multicast, broadcast or all-zero source MAC",
        "IEEE link-local destination 01:80:c2:00:00:0x",
        "broadcast/multicast storm control",
        "destination is on the ingress port",
        "split horizon: destination behind a port of the same mesh group",
        "static entry points to an absent port",
        "flood would reach no port",
        "ingress port not added",
        "flood rate limit for unknown unicast",
        "port blocked: MAC flapping showed a loop",
        "message shorter than its prefix",
        "not our protocol version",
        "message type not known",
        "too long for the link",
        "TCP connection from no known peer",
        "malformed message",
        "peer is down",
        "the kernel refused to send",
        "send queue full",
        "no session with the peer yet",
        "authentic message on the wrong transport",
        "authentication failed",
        "replayed or too old counter",
        "handshake from an unknown public key",
        "receiver index names no session",
        "handshake rate limit",
        "keys expired",
        "replayed or stale handshake initiation",
        "message for another loop of this site (its lane byte)",
    };

    private DropReason() {
    }

    /** Reasons the switch counts, per port. */
    public static boolean isSwitch(int reason) {
        return reason > NONE && reason < SWITCH_COUNT;
    }

    /** Reasons the links count, per peer or unattributed. */
    public static boolean isLink(int reason) {
        return reason >= TRUNCATED && reason <= WRONG_TRANSPORT || reason == WRONG_LANE;
    }

    /** Reasons the crypto layer counts: messages that fail to authenticate, and frames it has no keys for. */
    public static boolean isCrypto(int reason) {
        return reason == MALFORMED_MESSAGE || reason == NO_SESSION || (reason >= AUTH_FAILED && reason <= STALE_HANDSHAKE);
    }

    /** A short kebab-case token, for counter names. */
    public static String name(int reason) {
        return reason >= 0 && reason < COUNT ? NAMES[reason] : "unknown-" + reason;
    }

    /** A few words for people. */
    public static String describe(int reason) {
        return reason >= 0 && reason < COUNT ? DESCRIPTIONS[reason] : "unknown drop reason " + reason;
    }
}
