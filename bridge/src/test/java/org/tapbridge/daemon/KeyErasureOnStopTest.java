package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.Secrets;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.fakes.FakePlatform;
import org.tapbridge.fakes.MemoryNetwork;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.tap.InMemoryTapDevice;
import org.tapbridge.testing.TestKeys;

/** Issue 11, defect 9: a stopped daemon erases its session keys and its copy of the site's private key. */
class KeyErasureOnStopTest {
    private static final InetSocketAddress WAN_A = MemoryNetwork.address("198.18.0.1", 4790);
    private static final InetSocketAddress WAN_B = MemoryNetwork.address("198.18.0.2", 4790);
    private static final LinkTimers FAST = new LinkTimers(TimeUnit.MILLISECONDS.toNanos(200),
            TimeUnit.MILLISECONDS.toNanos(800), TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.MILLISECONDS.toNanos(400));

    @TempDir
    Path dir;

    @Test
    void stoppingTheDaemonErasesItsKeysButNotTheCallers() throws Exception {
        TestKeys keysA = TestKeys.generate();
        TestKeys keysB = TestKeys.generate();
        MemoryNetwork network = new MemoryNetwork();
        LinkSecurity securityA = new LinkSecurity(keysA.privateKey(), Map.of("b", keysB.publicKey()), Map.of(),
                SessionSettings.defaults());
        Daemon a = Daemon.start(site("a", WAN_A, "b", WAN_B, keysB), securityA,
                new FakePlatform(network, new InMemoryTapDevice("tapa", 1500, 64)), FAST, false);
        try (Daemon b = Daemon.start(site("b", WAN_B, "a", WAN_A, keysA), new LinkSecurity(keysB.privateKey(),
                Map.of("a", keysA.publicKey()), Map.of(), SessionSettings.defaults()),
                new FakePlatform(network, new InMemoryTapDevice("tapb", 1500, 64)), FAST, false)) {
            for (int i = 0; i < 200 && !a.peers().byName("b").isUp(); i++) {
                Thread.sleep(20);
            }
            assertTrue(a.peers().byName("b").isUp(), "no session to erase");
            assertFalse(a.links().keysErased());
            a.close();
            assertTrue(a.links().keysErased(), "the stopped daemon kept its keys");
            assertFalse(a.loop().running(), "the data path must be stopped before its keys go");
            assertFalse(Secrets.isWiped(securityA.privateKey()), "the caller's key is the caller's to erase");
        } finally {
            a.close();
        }
    }

    private SiteConfig site(String name, InetSocketAddress listen, String peer, InetSocketAddress endpoint,
                            TestKeys peerKeys) {
        return new SiteConfig(dir.resolve(name + ".toml"), name, "tap" + name, 0, listen,
                dir.resolve(name + ".sock"), dir.resolve(name + ".key"), SwitchSettings.defaults(),
                List.of(new PeerConfig(peer, endpoint, Transport.UDP, peerKeys.publicBase64(), null, false)), List.of());
    }
}
