package org.tapbridge.link;

import java.util.Map;
import org.tapbridge.crypto.Secrets;
import org.tapbridge.crypto.SessionSettings;

/**
 * The keys the links authenticate with: this site's private key, and per peer name its public key and
 * optional pre-shared key (absent from the map when none). The links take copies, so the loader may
 * {@link #erase} these once the daemon has started.
 */
public record LinkSecurity(byte[] privateKey, Map<String, byte[]> publicKeys, Map<String, byte[]> presharedKeys,
                           SessionSettings settings) {
    /** Zeroes the private and pre-shared keys in place (best effort: see {@link Secrets}). */
    public void erase() {
        Secrets.wipe(privateKey);
        for (byte[] psk : presharedKeys.values()) {
            Secrets.wipe(psk);
        }
    }
}
