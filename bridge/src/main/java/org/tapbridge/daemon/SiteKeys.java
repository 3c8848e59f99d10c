package org.tapbridge.daemon;

import java.util.HashMap;
import java.util.Map;
import org.tapbridge.config.ConfigException;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.crypto.KeyFileException;
import org.tapbridge.crypto.Keys;
import org.tapbridge.crypto.PrivateKeyFile;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.link.LinkSecurity;

/** Reads a site's keys from the files and strings its config names; a bad key is a configuration error. */
public final class SiteKeys {
    private SiteKeys() {
    }

    public static LinkSecurity load(SiteConfig config, SessionSettings settings) throws ConfigException {
        byte[] privateKey;
        try {
            privateKey = PrivateKeyFile.load(config.privateKeyFile());
        } catch (KeyFileException e) {
            throw new ConfigException(config.file(), 0, "site.private-key-file", e.getMessage());
        }
        LinkSecurity peers = loadPeerKeys(config, settings);
        return new LinkSecurity(privateKey, peers.publicKeys(), peers.presharedKeys(), settings);
    }

    /**
     * The peers' keys alone, the private key left out (an empty array): a live reload takes the running
     * private key, and a daemon without root may not be able to read its file again.
     */
    public static LinkSecurity loadPeerKeys(SiteConfig config, SessionSettings settings) throws ConfigException {
        Map<String, byte[]> publicKeys = new HashMap<>();
        Map<String, byte[]> presharedKeys = new HashMap<>();
        for (PeerConfig peer : config.peers()) {
            publicKeys.put(peer.name(), Keys.parsePublic(peer.publicKey(), "peer " + peer.name() + " public-key"));
            if (peer.presharedKeyFile() != null) {
                try {
                    presharedKeys.put(peer.name(), PrivateKeyFile.loadPresharedKey(peer.presharedKeyFile()));
                } catch (KeyFileException e) {
                    throw new ConfigException(config.file(), 0, "peer " + peer.name() + " preshared-key-file",
                            e.getMessage());
                }
            }
        }
        return new LinkSecurity(new byte[0], publicKeys, presharedKeys, settings);
    }
}
