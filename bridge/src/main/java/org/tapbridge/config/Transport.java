package org.tapbridge.config;

/**
 * How frames travel to a peer. UDP is the default: TCP inside TCP collapses under loss. AUTO tries UDP,
 * falls back to TCP where UDP is blocked, and returns to UDP once it works again (docs/transports.md).
 */
public enum Transport {
    UDP, TCP, AUTO;

    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
