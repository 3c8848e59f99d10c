package org.tapbridge.config;

/** How frames travel to a peer. UDP is the default: TCP inside TCP collapses under loss. */
public enum Transport {
    UDP, TCP;

    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
