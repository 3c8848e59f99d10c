package org.tapbridge.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * One {@code [[peer]]} table.
 *
 * @param endpoint null when the peer dials us
 * @param publicKey base64 X25519 public key, or null when the config has none
 * @param presharedKeyFile optional per-peer pre-shared key file, or null
 * @param spoke true when the peer is its own split-horizon group (it may receive relayed frames)
 * @param mtu the outer MTU towards this peer, 0 for the site's {@code wan-mtu} or the route's
 */
public record PeerConfig(String name, InetSocketAddress endpoint, Transport transport, String publicKey,
                         Path presharedKeyFile, boolean spoke, int mtu) {

    public PeerConfig(String name, InetSocketAddress endpoint, Transport transport, String publicKey,
                      Path presharedKeyFile, boolean spoke) {
        this(name, endpoint, transport, publicKey, presharedKeyFile, spoke, 0);
    }
}
