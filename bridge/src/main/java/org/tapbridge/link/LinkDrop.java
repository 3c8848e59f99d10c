package org.tapbridge.link;

/** Why an incoming or outgoing link message was dropped; indexes into the link counters. */
public final class LinkDrop {
    public static final int TRUNCATED = 0;
    public static final int BAD_VERSION = 1;
    public static final int BAD_TYPE = 2;
    public static final int OVERSIZED = 3;
    public static final int UNKNOWN_PEER = 4;
    public static final int MALFORMED = 5;
    public static final int RING_FULL = 6;
    public static final int PEER_DOWN = 7;
    public static final int SEND_FAILED = 8;
    public static final int SEND_QUEUE_FULL = 9;
    /** No keys yet (or any more) to seal with; a handshake has been started. */
    public static final int NO_SESSION = 10;
    /** An authentic message on the transport the peer is not configured for. */
    public static final int WRONG_TRANSPORT = 11;
    public static final int COUNT = 12;

    private static final String[] NAMES = {
        "truncated", "bad-version", "bad-type", "oversized", "unknown-peer", "malformed",
        "ring-full", "peer-down", "send-failed", "send-queue-full", "no-session", "wrong-transport",
    };

    private LinkDrop() {
    }

    public static String describe(int reason) {
        return reason >= 0 && reason < COUNT ? NAMES[reason] : "reason-" + reason;
    }
}
