package org.tapbridge.link;

import java.util.Map;
import org.tapbridge.crypto.SessionSettings;

/**
 * The keys the links authenticate with: this site's private key, and per peer name its public key and
 * optional pre-shared key (absent from the map when none).
 */
public record LinkSecurity(byte[] privateKey, Map<String, byte[]> publicKeys, Map<String, byte[]> presharedKeys,
                           SessionSettings settings) {
}
