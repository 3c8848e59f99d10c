package org.tapbridge.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.tapbridge.switching.SwitchSettings;

/**
 * A whole site configuration, validated: one file per site.
 *
 * @param listen null when the site only dials out
 * @param tapMtu 0 leaves the TAP's MTU as it is
 * @param privateKeyFile null when the config has none
 */
public record SiteConfig(Path file, String name, String tap, int tapMtu, InetSocketAddress listen,
                         Path controlSocket, Path privateKeyFile, SwitchSettings switchSettings,
                         List<PeerConfig> peers, List<StaticMacConfig> staticMacs) {

    public static Path defaultControlSocket(String siteName) {
        return Path.of("/run/tapbridge", siteName + ".sock");
    }
}
