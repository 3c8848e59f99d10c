package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapbridge.config.ConfigException;
import org.tapbridge.config.ConfigLoader;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.fakes.FakePlatform;
import org.tapbridge.fakes.Frames;
import org.tapbridge.fakes.MemoryNetwork;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.PeerLink;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.switching.MacTableEntry;
import org.tapbridge.tap.InMemoryTapDevice;
import org.tapbridge.testing.TestKeys;

/**
 * Three whole sites in one JVM on an in-memory network; site a's file is rewritten and reloaded while
 * it runs. b is a peer from the start, c joins by reload.
 */
class LiveReloadTest {
    private static final long HOST_A = MacAddress.parse("02:00:00:00:0a:01");
    private static final long HOST_B = MacAddress.parse("02:00:00:00:0b:01");
    private static final long HOST_C = MacAddress.parse("02:00:00:00:0c:01");
    private static final long PINNED = MacAddress.parse("02:00:00:00:0e:01");
    private static final LinkTimers FAST = new LinkTimers(TimeUnit.MILLISECONDS.toNanos(200),
            TimeUnit.MILLISECONDS.toNanos(800), TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.MILLISECONDS.toNanos(400));
    private static final TestKeys KEYS_A = TestKeys.generate();
    private static final TestKeys KEYS_B = TestKeys.generate();
    private static final TestKeys KEYS_C = TestKeys.generate();

    @TempDir
    Path dir;

    private final MemoryNetwork network = new MemoryNetwork();
    private final InMemoryTapDevice tapA = new InMemoryTapDevice("tapa", 1500, 1024);
    private final InMemoryTapDevice tapB = new InMemoryTapDevice("tapb", 1500, 1024);
    private final InMemoryTapDevice tapC = new InMemoryTapDevice("tapc", 1500, 1024);
    private Daemon siteA;
    private Daemon siteB;
    private Daemon siteC;

    private static String site(String name, int index, TestKeys keys, Path dir) throws IOException {
        Path key = dir.resolve(name + ".key");
        if (!Files.exists(key)) {
            keys.writePrivate(key);
        }
        return "[site]\nname = \"" + name + "\"\ntap = \"tap" + name + "\"\nlisten = \"198.18.0." + index + ":4790\"\n"
                + "control-socket = \"" + dir.resolve(name + ".sock") + "\"\nprivate-key-file = \"" + key + "\"\n";
    }

    private static String peer(String name, int index, TestKeys keys) {
        return "\n[[peer]]\nname = \"" + name + "\"\nendpoint = \"198.18.0." + index + ":4790\"\npublic-key = \""
                + keys.publicBase64() + "\"\n";
    }

    private Path write(String file, String toml) throws IOException {
        Path path = dir.resolve(file);
        Files.writeString(path, toml);
        return path;
    }

    private Daemon start(Path file, InMemoryTapDevice tap) throws Exception {
        SiteConfig config = ConfigLoader.load(file);
        return Daemon.start(config, SiteKeys.load(config, SessionSettings.defaults()), new FakePlatform(network, tap),
                FAST, false);
    }

    @BeforeEach
    void startSites() throws Exception {
        siteA = start(write("a.toml", site("a", 1, KEYS_A, dir) + peer("b", 2, KEYS_B)), tapA);
        siteB = start(write("b.toml", site("b", 2, KEYS_B, dir) + peer("a", 1, KEYS_A)), tapB);
        siteC = start(write("c.toml", site("c", 3, KEYS_C, dir) + peer("a", 1, KEYS_A)), tapC);
        awaitUp(siteA, "b");
        awaitUp(siteB, "a");
        // Site a learns where host b is.
        tapB.inject(Frames.ethernet(MacAddress.BROADCAST, HOST_B, "hello from b".getBytes()));
        assertNotNull(tapA.takeWritten(2000));
    }

    @AfterEach
    void stopSites() {
        for (Daemon d : new Daemon[] {siteA, siteB, siteC}) {
            if (d != null) {
                d.close();
            }
        }
    }

    private static void awaitUp(Daemon daemon, String peer) throws InterruptedException {
        for (int i = 0; i < 250; i++) {
            PeerLink p = daemon.peers().byName(peer);
            if (p != null && p.isUp()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("peer " + peer + " did not come up");
    }

    private static List<MacTableEntry> macs(Daemon daemon) throws Exception {
        return daemon.onLoop(d -> d.forwarder().learningSwitch().dump(System.nanoTime()));
    }

    private static MacTableEntry entry(Daemon daemon, long mac) throws Exception {
        return macs(daemon).stream().filter(e -> e.mac() == mac).findFirst().orElse(null);
    }

    @Test
    void anAddedPeerComesUpWhileTheUntouchedPeerKeepsItsSessionAndMacs() throws Exception {
        PeerLink b = siteA.peers().byName("b");
        long handshakeNs = siteA.onLoop(d -> d.links().session(b).lastHandshakeNs());
        MacTableEntry hostB = entry(siteA, HOST_B);
        assertEquals(b.port(), hostB.port());

        String summary = siteA.reload(write("a2.toml", site("a", 1, KEYS_A, dir) + """
                [switch]
                mac-table-limit = 1000
                """ + peer("b", 2, KEYS_B) + peer("c", 3, KEYS_C) + """

                [[static-mac]]
                mac = "02:00:00:00:0e:01"
                port = "c"
                """));

        assertEquals("peers added [c]; static MACs added [02:00:00:00:0e:01 -> c]; switch [mac-table-limit 16384"
                + " -> 1000, per-port-mac-limit 8192 -> 500, local-mac-reserve 4096 -> 250]", summary);
        assertSame(b, siteA.peers().byName("b"), "b's link is the same one");
        assertEquals(handshakeNs, (long) siteA.onLoop(d -> d.links().session(b).lastHandshakeNs()), "same session");
        assertEquals(b.port(), entry(siteA, HOST_B).port(), "b's MAC stays where it was learned");
        assertEquals(1000, (int) siteA.onLoop(d -> d.forwarder().learningSwitch().settings().macTableLimit()));
        awaitUp(siteA, "c");
        awaitUp(siteC, "a");
        PeerLink c = siteA.peers().byName("c");
        MacTableEntry pinned = entry(siteA, PINNED);
        assertTrue(pinned.isStatic() && pinned.port() == c.port(), "static MAC on c's port: " + pinned);
        // Traffic passes both ways with the new peer; the frame from a also still reaches b.
        byte[] frame = Frames.ethernet(MacAddress.BROADCAST, HOST_A, "to everyone".getBytes());
        tapA.inject(frame);
        assertArrayEquals(frame, tapC.takeWritten(2000));
        assertArrayEquals(frame, tapB.takeWritten(2000));
        tapC.inject(Frames.ethernet(HOST_A, HOST_C, "reply".getBytes()));
        assertNotNull(tapA.takeWritten(2000));
        assertEquals(c.port(), entry(siteA, HOST_C).port());
        assertEquals(dir.resolve("a2.toml"), siteA.config().file());
    }

    @Test
    void aRemovedPeersMacsAreFlushedAndItsMessagesNoLongerAccepted() throws Exception {
        String summary = siteA.reload(write("a.toml", site("a", 1, KEYS_A, dir) + peer("c", 3, KEYS_C)));

        assertEquals("peers added [c]; peers removed [b]", summary);
        assertNull(siteA.peers().byName("b"));
        assertNull(entry(siteA, HOST_B), "host b's MAC is forgotten with its peer");
        awaitUp(siteA, "c");
        // Site b still thinks a is its peer, but nothing it sends reaches a's LAN any more.
        tapA.takeWritten(100);
        tapB.inject(Frames.ethernet(MacAddress.BROADCAST, HOST_B, "still there?".getBytes()));
        assertNull(tapA.takeWritten(500));
        assertNull(entry(siteA, HOST_B));
        // c took the port b left: it starts from zero counters.
        int port = siteA.peers().byName("c").port();
        assertEquals(org.tapbridge.link.PeerTable.FIRST_PEER_PORT, port);
    }

    @Test
    void reloadListenersHearOfEachAppliedReloadAndNotOfARefusedOne() throws Exception {
        List<Integer> peerCounts = new java.util.concurrent.CopyOnWriteArrayList<>();
        siteA.addReloadListener(() -> peerCounts.add(siteA.peers().peers().size()));

        siteA.reload(write("a.toml", site("a", 1, KEYS_A, dir) + peer("b", 2, KEYS_B) + peer("c", 3, KEYS_C)));
        assertEquals(List.of(2), peerCounts, "the listener sees the new peer count");
        siteA.reload(write("a.toml", site("a", 1, KEYS_A, dir) + peer("c", 3, KEYS_C)));
        assertEquals(List.of(2, 1), peerCounts, "a removed peer changes the count without going down");
        assertThrows(ConfigException.class, () -> siteA.reload(write("bad.toml", "[site\n")));
        assertEquals(List.of(2, 1), peerCounts, "a refused file tells no one");
    }

    @Test
    void anInvalidFileIsRefusedWithFileLineAndKeyAndNothingIsApplied() throws Exception {
        Path bad = write("bad.toml", site("a", 1, KEYS_A, dir) + peer("b", 2, KEYS_B) + peer("c", 3, KEYS_C)
                + "split-horizon = \"sideways\"\n");
        ConfigException e = assertThrows(ConfigException.class, () -> siteA.reload(bad));

        assertEquals(bad, e.file());
        assertEquals(17, e.line(), e.getMessage());
        assertEquals("peer[2].split-horizon", e.key());
        assertNull(siteA.peers().byName("c"), "nothing of the refused file is applied");
        assertEquals(dir.resolve("a.toml"), siteA.config().file());
        tapA.inject(Frames.ethernet(MacAddress.BROADCAST, HOST_A, "still bridged".getBytes()));
        assertNotNull(tapB.takeWritten(2000));
    }

    @Test
    void aKeyOnlyARestartChangesIsRefusedByNameAndNothingIsApplied() throws Exception {
        String moved = site("a", 1, KEYS_A, dir).replace("tap = \"tapa\"", "tap = \"tap9\"");
        Path file = write("a3.toml", moved + peer("c", 3, KEYS_C));
        ConfigException e = assertThrows(ConfigException.class, () -> siteA.reload(file));

        assertTrue(e.getMessage().startsWith(file + ": site.tap: \"tapa\" -> \"tap9\": this key cannot change while"
                + " the daemon runs; nothing was applied"), e.getMessage());
        assertNotNull(siteA.peers().byName("b"));
        assertNull(siteA.peers().byName("c"));
        assertEquals(b(siteA), entry(siteA, HOST_B).port());
    }

    @Test
    void aReloadThatFailsOnTheDataPathAppliesNothingOfTheFile() throws Exception {
        // c over TCP needs a listener, which this platform cannot open: found after a's peers were planned.
        String tcpC = peer("c", 3, KEYS_C) + "transport = \"tcp\"\n";
        Path file = write("a5.toml", site("a", 1, KEYS_A, dir) + "\n[switch]\nmac-table-limit = 1000\n" + tcpC);
        Exception e = assertThrows(Exception.class, () -> siteA.reload(file));

        assertTrue(e.getMessage().contains("nothing was applied"), e.getMessage());
        assertNotNull(siteA.peers().byName("b"), "b, which the file removes, is still there");
        assertNull(siteA.peers().byName("c"));
        assertEquals(b(siteA), entry(siteA, HOST_B).port());
        assertEquals(16_384, (int) siteA.onLoop(d -> d.forwarder().learningSwitch().settings().macTableLimit()));
        assertEquals(dir.resolve("a.toml"), siteA.config().file());
    }

    @Test
    void aNewPublicKeyStartsThePeerOverOnItsPortAndForgetsItsMacs() throws Exception {
        PeerLink before = siteA.peers().byName("b");
        // b's entry now names c's key: the site at b's address can no longer authenticate as b.
        String summary = siteA.reload(write("a4.toml", site("a", 1, KEYS_A, dir) + peer("b", 2, KEYS_C)));

        assertEquals("peers changed {b=[public-key]}", summary);
        PeerLink after = siteA.peers().byName("b");
        assertTrue(after != before, "a new link");
        assertEquals(before.port(), after.port(), "on the same switch port");
        assertNull(entry(siteA, HOST_B));
        assertEquals(LearningSwitch.MESH_GROUP,
                (int) siteA.onLoop(d -> d.forwarder().learningSwitch().splitHorizonGroup(after.port())));
    }

    private static int b(Daemon daemon) {
        return daemon.peers().byName("b").port();
    }
}
