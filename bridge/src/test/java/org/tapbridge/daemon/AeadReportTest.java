package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.Aeads;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.SlotDatagramNetwork;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.tap.ScriptedTapDevice;
import org.tapbridge.testing.TestKeys;

/** The stats name the AES-GCM implementation the daemon seals and opens with. */
class AeadReportTest {
    @Test
    void statsNameTheSelectedAeadInJsonAndText() throws Exception {
        TestKeys own = TestKeys.generate();
        TestKeys peer = TestKeys.generate();
        InetSocketAddress listen = new InetSocketAddress("198.18.0.1", 51820);
        SiteConfig site = new SiteConfig(Path.of("(test)"), "a", "tapa", 0, listen, null, null,
                SwitchSettings.defaults(), List.of(new PeerConfig("b", new InetSocketAddress("198.18.0.2", 51820),
                        Transport.UDP, peer.publicBase64(), null, false)), List.of());
        LinkSecurity keys = new LinkSecurity(own.privateKey(), Map.of("b", peer.publicKey()), Map.of(),
                SessionSettings.defaults());
        MemoryPlatform platform = new MemoryPlatform(new ScriptedTapDevice("tapa", 1500, new byte[][] {new byte[60]}),
                new SlotDatagramNetwork(8, 2048));
        String label = Aeads.selected().kind().label();
        try (Daemon daemon = Daemon.start(site, keys, platform, LinkTimers.defaults(), false)) {
            SiteReports reports = new SiteReports(daemon);
            JsonNode json = new ObjectMapper().readTree(reports.stats(true));
            assertEquals(label, json.get("crypto").get("aead").asText());
            String text = reports.stats(false);
            assertTrue(text.contains("\ncrypto (" + label + "): handshakes"), text);
        }
    }
}
