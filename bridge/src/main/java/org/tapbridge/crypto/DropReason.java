package org.tapbridge.crypto;

/** Why the crypto layer dropped a message; {@link #label} is what operators read. */
public enum DropReason {
    MALFORMED("malformed message"),
    AUTH_FAILED("authentication failed"),
    REPLAY("replayed or too old counter"),
    UNKNOWN_KEY("handshake from an unknown public key"),
    UNKNOWN_INDEX("unknown receiver index"),
    RATE_LIMITED("handshake rate limit"),
    EXPIRED_KEYS("keys expired"),
    STALE_HANDSHAKE("replayed or stale handshake initiation"),
    NO_SESSION("no session with the peer yet");

    private final String label;

    DropReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
