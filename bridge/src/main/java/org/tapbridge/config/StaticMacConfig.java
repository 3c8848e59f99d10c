package org.tapbridge.config;

/**
 * One {@code [[static-mac]]} table: a MAC pinned to a port, never aged and never moved.
 *
 * @param port {@code local} or a peer's name
 */
public record StaticMacConfig(int vlan, long mac, String port) {
}
