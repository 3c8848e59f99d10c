package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.crypto.Keys;
import org.tapbridge.crypto.Outbox;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.crypto.PeerSession;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * Real daemons in namespaces: an attacker on the WAN sends raw UDP handshake initiations to site a from
 * site b's own address and port (a valid mac1: it knows a's public key), and site b restarts during the
 * flood, so it must handshake anew through it. Before wire version 2 the flood held b's bucket at a empty
 * and b stayed cut off as long as the flood lasted.
 */
class SpoofedPeerFloodTest {
    private static final int FLOOD_PER_SECOND = 500;
    private static final int FLOOD_SECONDS = 40;

    @TempDir
    Path dir;

    private Testbed bed;
    private Netns spoofer;
    private Process flood;

    @AfterEach
    void tearDown() throws Exception {
        if (flood != null) {
            flood.destroyForcibly();
            flood.waitFor(10, TimeUnit.SECONDS);
        }
        if (spoofer != null) {
            spoofer.close();
        }
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void aPeerRestartingUnderAFloodFromItsOwnAddressComesBackWithinSeconds() throws Exception {
        Privileges.requireNetworkAdmin();
        bed = new Testbed(dir, "tbck");
        Testbed.Site a = bed.addSite("a", 1);
        Testbed.Site b = bed.addSite("b", 2);
        bed.writeMeshConfigs("udp");
        bed.start("a");
        bed.start("b");
        bed.awaitMeshUp(40);

        spoofer = Netns.createWithPrefix("tbck", "spf");
        spoofer.vethTo(bed.wan(), "wan0", "wspf");
        bed.wan().run("ip", "link", "set", "wspf", "master", "br0");
        // b's address on a host that never answers ARP for it: a keeps sending to the real b.
        spoofer.run("ip", "link", "set", "wan0", "arp", "off");
        spoofer.run("ip", "addr", "add", b.wanIp() + "/24", "dev", "wan0");
        String aMac = a.gateway().run("cat", "/sys/class/net/wan0/address").trim();
        spoofer.run("ip", "neigh", "replace", a.wanIp(), "lladdr", aMac, "dev", "wan0", "nud", "permanent");

        byte[] initiation = strangersInitiation(publicKeyOf("a"));
        Path payloads = dir.resolve("spoof.bin");
        DatagramBurst.writePayloads(payloads, Collections.nCopies(FLOOD_PER_SECOND * FLOOD_SECONDS, initiation));
        JsonNode before = bed.stats("a").get("crypto");
        flood = new ProcessBuilder(DatagramBurst.command(spoofer, payloads, a.wanIp(), Testbed.PORT,
                FLOOD_PER_SECOND, FLOOD_SECONDS + 5, b.wanIp(), Testbed.PORT))
                .redirectOutput(dir.resolve("flood.out").toFile()).redirectErrorStream(true).start();
        Thread.sleep(3_000);
        assertTrue(flood.isAlive(), "the flood runs: " + Files.readString(dir.resolve("flood.out")));

        bed.daemon("b").stop();
        long restartNs = System.nanoTime();
        bed.start("b");
        int answered = 0;
        long backNs = 0;
        // Bounded: well inside the flood, so a recovery can only come through it.
        while (System.nanoTime() - restartNs < TimeUnit.SECONDS.toNanos(FLOOD_SECONDS - 15)) {
            answered = bed.ping("b", "a", 1, 0.2);
            if (answered == 1) {
                backNs = System.nanoTime() - restartNs;
                break;
            }
        }
        boolean floodStillRunning = flood.isAlive();
        JsonNode after = bed.stats("a").get("crypto");
        long cookies = after.path("cookie-replies-sent").asLong() - before.path("cookie-replies-sent").asLong();
        String figures = "b answered " + answered + " after " + backNs / 1_000_000 + " ms; cookie replies from a "
                + cookies + "; a's crypto " + after + "; b's crypto " + bed.stats("b").get("crypto");
        System.out.println("spoofed peer flood: " + figures);
        assertEquals(1, answered, "b never got back through the flood: " + figures + "\n" + bed.describe());
        assertTrue(floodStillRunning, "the recovery happened during the flood: " + figures);
        // b's first initiation finds its bucket at a drained and gets a cookie; a retry carries mac2.
        assertTrue(backNs < TimeUnit.SECONDS.toNanos(15), figures);
        assertTrue(cookies > 0, figures);
    }

    private String publicKeyOf(String site) throws Exception {
        byte[] privateKey = Keys.parsePrivate(Files.readString(dir.resolve(site + ".key")).trim(), site + ".key");
        return Keys.encode(Keys.publicFromPrivate(privateKey));
    }

    /** An initiation from a key nobody knows to the site with {@code publicKeyBase64}: a valid mac1, no more. */
    private static byte[] strangersInitiation(String publicKeyBase64) {
        SecureRandom random = new SecureRandom();
        List<byte[]> sent = new ArrayList<>();
        PeerCrypto stranger = new PeerCrypto(Keys.generatePrivate(random), SessionSettings.defaults(), new Outbox() {
            @Override
            public boolean canReach(PeerSession peer) {
                return true;
            }

            @Override
            public void send(PeerSession peer, ByteBuffer message) {
                byte[] copy = new byte[message.remaining()];
                message.duplicate().get(copy);
                sent.add(copy);
            }
        }, random, () -> System.currentTimeMillis() * 1_000_000L);
        stranger.connect(stranger.addPeer("target", Keys.parsePublic(publicKeyBase64, "a"), null), 0);
        return sent.get(0);
    }
}
