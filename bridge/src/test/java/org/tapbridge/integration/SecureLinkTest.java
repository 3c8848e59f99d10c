package org.tapbridge.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tapbridge.crypto.Keys;
import org.tapbridge.crypto.WireFormat;
import org.tapbridge.testing.Netns;
import org.tapbridge.testing.Privileges;
import org.tapbridge.testing.Shell;

/**
 * What an attacker on the WAN sees and can do to real daemons: no cleartext on the wire, no frame from
 * an unknown key, replayed datagrams rejected and counted, a handshake flood absorbed, and peers showing
 * their keys and sessions.
 */
class SecureLinkTest {
    private static final byte VERSION = 2;
    private static final byte TYPE_INIT = 1;
    private static final byte TYPE_RESP = 2;
    private static final byte TYPE_DATA = 3;
    /** Wire version 2: the Noise messages plus mac1 and mac2 (initiation), mac1 (response). */
    private static final int INIT_LENGTH = 148;
    private static final int RESP_LENGTH = 76;
    /** DATA header (16) plus tag (16): a DATA message this long carries an empty frame, a keepalive. */
    private static final int DATA_OVERHEAD = 32;
    /** The stranger's address on the WAN: in 198.18.0.0/24 but no site's. */
    private static final String STRANGER_IP = "198.18.0.99";

    @TempDir
    Path dir;

    private Testbed bed;
    private final List<AutoCloseable> extras = new ArrayList<>();

    @AfterEach
    void tearDown() {
        for (int i = extras.size() - 1; i >= 0; i--) {
            try {
                extras.get(i).close();
            } catch (Exception ignored) {
                // Keep tearing down the rest.
            }
        }
        if (bed != null) {
            bed.close();
        }
    }

    private void twoSites(String transport) throws Exception {
        Privileges.requireNetworkAdmin();
        Privileges.requireCommand("tcpdump", "tcpdump");
        Privileges.requireCommand("nc", "netcat-openbsd");
        bed = new Testbed(dir);
        bed.addSite("a", 1);
        bed.addSite("b", 2);
        bed.writeMeshConfigs(transport);
    }

    private void startBoth() throws Exception {
        bed.start("a");
        bed.start("b");
        bed.awaitMeshUp(40);
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp"})
    void aMarkerSentAcrossTheTunnelArrivesButNeverCrossesTheWanInClear(String transport) throws Exception {
        twoSites(transport);
        Testbed.Site a = bed.site("a");
        Testbed.Site b = bed.site("b");
        String marker = "tapbridge-secret-marker-" + transport + "-7f3a91";
        byte[] markerBytes = marker.getBytes(StandardCharsets.US_ASCII);
        // From before the daemons start, so a TCP link's stream is seen from its first byte.
        PcapCapture wan = track(PcapCapture.start(a.gateway(), "wan0", dir.resolve("wan.pcap"), 90, null));
        PcapCapture lan = track(PcapCapture.start(b.host(), "eth0", dir.resolve("lan.pcap"), 90, "tcp port 5002"));
        startBoth();

        Path received = dir.resolve("received.txt");
        Process sink = new ProcessBuilder(b.host().inside("sh", "-c", "timeout 30 nc -l -p 5002 > " + received))
                .start();
        try {
            awaitListening(b.host(), 5002);
            Shell.Result send = a.host().exec(40, "sh", "-c",
                    "echo " + marker + " | timeout 20 nc -N " + b.hostIp() + " 5002");
            assertEquals(0, send.exitCode(), "sender failed: " + send.stderr() + "\n" + bed.describe());
            assertTrue(sink.waitFor(30, TimeUnit.SECONDS), "receiver did not finish");
        } finally {
            sink.destroyForcibly();
        }
        assertEquals(marker, Files.readString(received).trim(), "what host b received");

        List<Pcap.Packet> lanPackets = lan.stop();
        List<Pcap.Packet> wanPackets = wan.stop();
        // The search must be able to find the marker where it is in clear: on host b's LAN.
        assertTrue(Pcap.contains(lan.rawBytes(), markerBytes),
                "control: the marker must be visible on host b's eth0 (" + lanPackets.size() + " packets): "
                        + lan.messages());
        assertFalse(Pcap.contains(wan.rawBytes(), markerBytes),
                "the marker crossed the WAN in clear over " + transport);

        Map<String, List<byte[]>> messages = transport.equals("udp") ? udpMessages(wanPackets)
                : tcpMessages(wanPackets);
        List<byte[]> aToB = messages.getOrDefault(a.wanIp() + ">" + b.wanIp(), List.of());
        List<byte[]> bToA = messages.getOrDefault(b.wanIp() + ">" + a.wanIp(), List.of());
        long dataAToB = aToB.stream().filter(m -> isData(m) && m.length > DATA_OVERHEAD).count();
        long dataBToA = bToA.stream().filter(m -> isData(m) && m.length > DATA_OVERHEAD).count();
        // Host a's TCP connection alone is SYN, ACK, data, FIN one way and SYN-ACK, ACKs the other.
        assertTrue(dataAToB >= 4 && dataBToA >= 2, "the WAN capture must hold the sealed TCP session: "
                + dataAToB + " DATA a>b, " + dataBToA + " DATA b>a of " + wanPackets.size() + " packets");
        // Ethernet 14 + IPv4 20 + TCP 20 (at least) + the marker line, sealed.
        int markerSegment = DATA_OVERHEAD + 54 + markerBytes.length + 1;
        assertTrue(aToB.stream().anyMatch(m -> isData(m) && m.length >= markerSegment),
                "no sealed frame a>b big enough to carry the marker segment");
        long initiations = messages.values().stream().flatMap(List::stream)
                .filter(m -> m[1] == TYPE_INIT && m.length == INIT_LENGTH).count();
        assertTrue(initiations >= 1, "the capture must see the handshake too: " + messages.keySet());
        System.out.println("marker over " + transport + ": " + wanPackets.size() + " WAN packets, " + dataAToB
                + " frames a>b and " + dataBToA + " b>a sealed, " + initiations + " initiations, marker absent");
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp"})
    void anImpostorWithAnUnknownKeyGetsNoFrameThroughWhileRealPeersKeepWorking(String transport) throws Exception {
        twoSites(transport);
        startBoth();
        Testbed.Site a = bed.site("a");
        // Site index 9: host 192.0.2.19, WAN 198.18.0.9, a key pair that no config names.
        Testbed.Site x = bed.addSite("x", 9);
        String aPublic = publicKeyOf("a");
        Files.writeString(x.config(), "[site]\nname = \"b\"\ntap = \"tap0\"\nlisten = \"" + x.wanIp() + ":"
                + Testbed.PORT + "\"\ncontrol-socket = \"" + x.socket() + "\"\nprivate-key-file = \""
                + dir.resolve("x.key") + "\"\n\n[[peer]]\nname = \"a\"\nendpoint = \"" + a.wanIp() + ":"
                + Testbed.PORT + "\"\ntransport = \"" + transport + "\"\npublic-key = \"" + aPublic + "\"\n");
        JsonNode before = crypto("a");
        String impostorMac = TwoSiteBridgeTest.macOf(x.host());
        try (PcapCapture atA = PcapCapture.start(a.host(), "eth0", dir.resolve("impostor.pcap"), 90,
                "ether src " + impostorMac + " or host " + x.hostIp())) {
            bed.start("x");
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (drop(crypto("a"), "unknown-key") == drop(before, "unknown-key")) {
                assertTrue(System.nanoTime() < deadlineNs, "site a never counted the impostor's handshake\n"
                        + bed.describe());
                assertTrue(bed.daemon("x").isAlive(), "impostor daemon died\n" + bed.daemon("x").log());
                Thread.sleep(300);
            }
            assertEquals(0, bed.ping("x", "a", 5, 0.2), "a ping from the impostor's LAN was answered");
            assertEquals(5, bed.ping("a", "b", 5, 0.2), "real peers while the impostor calls\n" + bed.describe());
            assertEquals(5, bed.ping("b", "a", 5, 0.2), "real peers while the impostor calls\n" + bed.describe());
            JsonNode impostorView = peers("x").get(0);
            assertEquals("none", impostorView.get("session").asText(), "the impostor got keys: " + impostorView);
            JsonNode impostorCrypto = crypto("x");
            assertTrue(impostorCrypto.get("handshakes-initiated").asLong() > 0, impostorCrypto.toString());
            assertEquals(0, impostorCrypto.get("handshakes-completed").asLong(),
                    "site a answered the impostor: " + impostorCrypto);
            bed.daemon("x").stop();
            atA.stop();
            assertEquals(0, atA.records(), "frames from the impostor's LAN reached host a");
        }
        JsonNode after = crypto("a");
        long unknownKey = drop(after, "unknown-key") - drop(before, "unknown-key");
        assertTrue(unknownKey > 0, "unknown-key drops " + unknownKey);
        JsonNode peers = peers("a");
        assertEquals(1, peers.size(), peers.toString());
        assertEquals("b", peers.get(0).get("name").asText());
        assertEquals(publicKeyOf("b"), peers.get(0).get("public-key").asText());
        assertTrue(peers.get(0).get("endpoint").asText().startsWith(bed.site("b").wanIp() + ":"),
                "the impostor must not move peer b's endpoint: " + peers.get(0));
        assertEquals("up", peers.get(0).get("state").asText(), peers.get(0).toString());
        System.out.println("impostor over " + transport + ": site a counted unknown-key=" + unknownKey);
    }

    @Test
    void capturedDatagramsReplayedToTheDaemonAreAllRejectedAndCounted() throws Exception {
        twoSites("udp");
        Testbed.Site a = bed.site("a");
        Testbed.Site b = bed.site("b");
        // What a capture records must be what a wire carries: one datagram per packet. Over a veth a train of
        // datagrams sent with UDP_SEGMENT stays one packet up to the receiving socket, and a capture would
        // replay it as one oversized datagram; this makes b's kernel cut trains before its WAN port.
        b.gateway().run("ip", "link", "set", "wan0", "gso_max_segs", "1");
        String toA = "udp and dst host " + a.wanIp() + " and dst port " + Testbed.PORT;
        bed.start("a");
        awaitFile(a.socket(), 30);
        long aStartedNs = System.nanoTime();
        // Started once a's socket is bound, so every captured initiation was also processed by a.
        PcapCapture original = track(PcapCapture.start(a.gateway(), "wan0", dir.resolve("orig.pcap"), 90, toA));
        bed.start("b");
        bed.awaitMeshUp(40);
        assertEquals(10, bed.ping("a", "b", 10, 0.1), bed.describe());
        // Past a's first initiation retry (5 s): both crossed handshakes are then in the capture.
        sleepUntil(aStartedNs + TimeUnit.SECONDS.toNanos(8));
        List<Pcap.Packet> captured = original.stop();

        List<byte[]> payloads = new ArrayList<>();
        int inits = 0;
        int resps = 0;
        int datas = 0;
        for (Pcap.Packet p : captured) {
            if (!p.isUdp() || !p.source().equals(b.wanIp())) {
                continue;
            }
            byte[] m = p.payload();
            payloads.add(m);
            if (m[0] == VERSION && m[1] == TYPE_INIT && m.length == INIT_LENGTH) {
                inits++;
            } else if (m[0] == VERSION && m[1] == TYPE_RESP && m.length == RESP_LENGTH) {
                resps++;
            } else if (m[0] == VERSION && (m[1] == TYPE_DATA || m[1] == WireFormat.TYPE_CONTROL)
                    && m.length >= DATA_OVERHEAD) {
                // CONTROL messages (path-MTU probes and acks) are sealed like DATA, under the same counters.
                datas++;
            } else {
                throw new AssertionError("unexpected message from b on the wire: type " + m[1] + ", " + m.length
                        + " bytes");
            }
        }
        assertTrue(inits + resps >= 1, "no handshake from b captured: " + captured.size() + " datagrams");
        assertTrue(datas >= 10, "the ten echo replies must be among the captured DATA: " + datas);

        Path file = dir.resolve("replay.bin");
        DatagramBurst.writePayloads(file, payloads);
        String kinds = "captured " + captured.size() + " datagrams to a, replayed " + payloads.size() + " from b ("
                + inits + " INIT, " + resps + " RESP, " + datas + " DATA)";
        Netns stranger = stranger();
        replayAndCheck("from a stranger", kinds, payloads.size(), inits, resps, datas,
                DatagramBurst.command(stranger, file, a.wanIp(), Testbed.PORT, 100, 20), STRANGER_IP, b.wanIp());
        JsonNode peer = peers("a").get(0);
        assertEquals(b.wanIp() + ":" + Testbed.PORT, peer.get("endpoint").asText(),
                "a replay from elsewhere must not move the peer's endpoint");
        assertEquals(5, bed.ping("a", "b", 5, 0.1), "traffic after the replay\n" + bed.describe());

        // Again from b's own address and port, b stopped: a known endpoint is no excuse for a replay.
        assertTrue(List.of(0, 143).contains(bed.daemon("b").stop()), "daemon b did not stop cleanly");
        replayAndCheck("from b's own endpoint", kinds, payloads.size(), inits, resps, datas,
                DatagramBurst.command(b.gateway(), file, a.wanIp(), Testbed.PORT, 100, 20, b.wanIp(), Testbed.PORT),
                b.wanIp(), null);
    }

    /**
     * Replays the captured messages to site a with {@code command}, and checks that each is refused for
     * its kind's reason, counted once, and never delivered. {@code legitSource} is the address the real
     * peer may still send from meanwhile (null when it is stopped): only its messages may be opened.
     */
    private void replayAndCheck(String how, String kinds, int total, int inits, int resps, int datas,
            String[] command, String replaySource, String legitSource) throws Exception {
        Testbed.Site a = bed.site("a");
        String toA = "udp and dst host " + a.wanIp() + " and dst port " + Testbed.PORT;
        // The captures start first, so every legitimate message the counters may see after the first snapshot
        // is in them; crypto and TAP counters come from one snapshot: frames between two calls would skew them.
        try (PcapCapture wanDuring = PcapCapture.start(a.gateway(), "wan0", dir.resolve("during.pcap"), 60, toA);
             PcapCapture atHostA = PcapCapture.start(a.host(), "eth0", dir.resolve("hosta.pcap"), 60, "icmp")) {
            JsonNode statsBefore = statsOf("a");
            JsonNode before = statsBefore.get("crypto");
            long replaysChargedToBBefore = peerDrop(peers("a"), "b", "replay");
            long tapWrittenBefore = statsBefore.get("tap").get("frames-written").asLong();
            Shell.Result replay = Shell.exec(60, command);
            assertEquals(0, replay.exitCode(), replay.stderr());
            Thread.sleep(500);
            JsonNode statsAfter = statsOf("a");
            JsonNode after = statsAfter.get("crypto");
            long tapWrittenAfter = statsAfter.get("tap").get("frames-written").asLong();
            List<Pcap.Packet> duringReplay = wanDuring.stop();
            atHostA.stop();
            assertEquals(0, atHostA.records(), "a replayed echo reply reached host a (" + how + ")");

            assertEquals(total, DatagramBurst.sentCount(replay.stdout()));
            List<Pcap.Packet> legit = duringReplay.stream().filter(p -> p.source().equals(legitSource)).toList();
            long replayedSeen = duringReplay.stream().filter(p -> p.source().equals(replaySource)).count();
            assertEquals(total, replayedSeen, "replayed datagrams seen arriving at site a (" + how + ")");
            long legitData = legit.stream().filter(p -> isSealed(p.payload())).count();
            long legitFrames = legit.stream().filter(p -> isSealed(p.payload()) && p.payload().length > DATA_OVERHEAD)
                    .count();
            long opened = delta(before, after, "frames-opened");
            long tapWritten = tapWrittenAfter - tapWrittenBefore;
            long replayDrops = dropDelta(before, after, "replay");
            long unknownIndex = dropDelta(before, after, "unknown-index");
            long stale = dropDelta(before, after, "stale-handshake");
            long rateLimited = dropDelta(before, after, "rate-limited");
            String figures = kinds + " " + how + "; drops: replay=" + replayDrops + " unknown-index=" + unknownIndex
                    + " stale-handshake=" + stale + " rate-limited=" + rateLimited + "; all drops "
                    + dropsDelta(before, after) + "; opened " + opened + " (legit DATA " + legitData + "), written to "
                    + "TAP " + tapWritten + " (legit frames " + legitFrames + ")";
            System.out.println("replay: " + figures);
            assertTrue(opened <= legitData, "more messages opened than b itself sent; " + figures);
            assertTrue(tapWritten <= legitFrames, "more frames written to a's TAP than b itself sent; " + figures);
            // DATA: the replay window refuses every counter already seen under keys still held.
            assertEquals(datas, replayDrops, "every replayed DATA must be refused as a replay; " + figures);
            // The DATA named b's session: `peers` charges those replays to b.
            assertEquals(datas, peerDrop(peers("a"), "b", "replay") - replaysChargedToBBefore,
                    "replays charged to peer b in peers --json; " + figures);
            // RESP: the handshake it answered is complete, so its receiver index names no handshake in flight.
            assertEquals(resps, unknownIndex, "every replayed RESP must be refused; " + figures);
            // INIT: authentic, but its timestamp is not newer than the one already accepted from b.
            assertEquals(inits, stale + rateLimited, "every replayed INIT must be refused; " + figures);
            assertEquals(inits, stale, "few enough INITs were replayed to pass the rate limit; " + figures);
            long allDrops = 0;
            for (long d : dropsDelta(before, after).values()) {
                allDrops += d;
            }
            assertEquals(total, allDrops, "every replayed message, and nothing else, dropped; " + figures);
            // A retried initiation of a's own may legitimately complete meanwhile, but only with b's answer.
            long legitResponses = legit.stream()
                    .filter(p -> p.payload().length == RESP_LENGTH && p.payload()[1] == TYPE_RESP).count();
            assertTrue(delta(before, after, "handshakes-completed") <= legitResponses,
                    "a replayed message completed a handshake; " + figures);
        }
        assertTrue(bed.daemon("a").isAlive(), bed.describe());
    }

    @Test
    void aHandshakeFloodFromAStrangerLeavesTheDaemonUpAndEveryPingAnswered() throws Exception {
        twoSites("udp");
        startBoth();
        Testbed.Site a = bed.site("a");
        int count = 5000;
        Random random = new Random(20261123L);
        List<byte[]> floods = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] m = new byte[INIT_LENGTH];
            random.nextBytes(m);
            // A well-formed prefix (version, type, reserved zero), so each one reaches the crypto layer.
            m[0] = VERSION;
            m[1] = TYPE_INIT;
            m[2] = 0;
            m[3] = 0;
            floods.add(m);
        }
        Path file = dir.resolve("flood.bin");
        DatagramBurst.writePayloads(file, floods);
        Netns stranger = stranger();
        JsonNode before = crypto("a");
        long kernelDropsBefore = udpReceiveErrors(a.gateway());

        int pings = 100;
        CompletableFuture<Integer> answered = CompletableFuture.supplyAsync(() -> bed.ping("a", "b", pings, 0.1));
        long startNs = System.nanoTime();
        // 625 per second: all 5000 within 8 s, leaving the 10 s bound as slack for a slow JVM start.
        Shell.Result flood = Shell.exec(60, DatagramBurst.command(stranger, file, a.wanIp(), Testbed.PORT, 625, 10));
        long floodSeconds = (System.nanoTime() - startNs) / 1_000_000_000L + 1;
        assertEquals(0, flood.exitCode(), flood.stderr());
        int sent = DatagramBurst.sentCount(flood.stdout());
        assertEquals(pings, answered.get(60, TimeUnit.SECONDS), "pings lost during the flood\n" + bed.describe());
        assertTrue(bed.daemon("a").isAlive(), bed.describe());
        Thread.sleep(500);

        JsonNode after = crypto("a");
        long kernelDrops = udpReceiveErrors(a.gateway()) - kernelDropsBefore;
        long rateLimited = dropDelta(before, after, "rate-limited");
        long authFailed = dropDelta(before, after, "auth-failed");
        long unknownKey = dropDelta(before, after, "unknown-key");
        long malformed = dropDelta(before, after, "malformed-message");
        String figures = "sent " + sent + " in ~" + floodSeconds + " s, kernel receive drops " + kernelDrops
                + "; rate-limited=" + rateLimited + " auth-failed=" + authFailed + " unknown-key=" + unknownKey
                + " malformed=" + malformed + "; all drops " + dropsDelta(before, after);
        System.out.println("flood: " + figures);
        assertEquals(count, sent, "the burst was cut short by its time bound; " + figures);
        assertEquals(sent - kernelDrops, rateLimited + authFailed + unknownKey + malformed,
                "every flood message that reached the socket must be counted; " + figures);
        // Random bodies carry no valid mac1: every one is refused by one HMAC, before the rate limiter (no
        // token spent, nothing rate-limited) and before any X25519 work (no unknown-key).
        long mac1Rejected = delta(before, after, "handshake-mac1-rejected");
        assertEquals(sent - kernelDrops, authFailed, figures);
        assertEquals(authFailed, mac1Rejected, "refused at mac1: " + figures);
        assertEquals(0, unknownKey + rateLimited, figures);
        assertEquals(5, bed.ping("b", "a", 5, 0.1), "traffic after the flood\n" + bed.describe());
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp"})
    void peersJsonShowsKeysSessionsAndCountersThatGrowWithTraffic(String transport) throws Exception {
        twoSites(transport);
        startBoth();
        assertEquals(2, bed.ping("a", "b", 2, 0.2), bed.describe());
        Map<String, String> other = Map.of("a", "b", "b", "a");
        Map<String, JsonNode> before = new LinkedHashMap<>();
        for (String site : other.keySet()) {
            JsonNode rows = peers(site);
            assertEquals(1, rows.size(), rows.toString());
            JsonNode row = rows.get(0);
            String peer = other.get(site);
            assertEquals(peer, row.get("name").asText());
            assertEquals(publicKeyOf(peer), row.get("public-key").asText(), "site " + site + " peer key");
            assertTrue(row.get("endpoint").asText().startsWith(bed.site(peer).wanIp() + ":"), row.toString());
            assertEquals(transport, row.get("transport").asText());
            assertEquals("up", row.get("state").asText(), row.toString());
            assertEquals("established", row.get("session").asText(), row.toString());
            assertTrue(row.get("last-handshake-seconds").isNumber(), row.toString());
            long age = row.get("last-handshake-seconds").asLong();
            // The handshake ran when the mesh came up, moments ago; 120 s would already mean a rekey.
            assertTrue(age >= 0 && age <= 30, "last handshake " + age + " s ago: " + row);
            assertTrue(row.get("last-rx-seconds").isNumber() && row.get("last-rx-seconds").asLong() <= 30,
                    row.toString());
            before.put(site, row);
        }
        int pings = 20;
        assertEquals(pings, bed.ping("a", "b", pings, 0.05), bed.describe());
        long pingsEndedNs = System.nanoTime();
        // An echo frame: Ethernet 14 + IPv4 20 + ICMP 8 + 56 data.
        int echoFrame = 98;
        for (String site : other.keySet()) {
            JsonNode row = peers(site).get(0);
            // The query itself starts a JVM, which takes a second or more on a busy machine: the last message
            // heard must be no older than the pings, whatever the query cost.
            long sincePings = (System.nanoTime() - pingsEndedNs + 999_999_999L) / 1_000_000_000L;
            JsonNode old = before.get(site);
            for (String counter : List.of("rx-frames", "tx-frames")) {
                long grown = row.get(counter).asLong() - old.get(counter).asLong();
                assertTrue(grown >= pings, "site " + site + " " + counter + " grew by " + grown + ": " + row);
            }
            for (String counter : List.of("rx-bytes", "tx-bytes")) {
                long grown = row.get(counter).asLong() - old.get(counter).asLong();
                assertTrue(grown >= (long) pings * echoFrame, "site " + site + " " + counter + " grew by " + grown
                        + ": " + row);
            }
            assertTrue(row.get("last-rx-seconds").asLong() <= sincePings, "heard from during the pings, "
                    + sincePings + " s ago at most: " + row);
            assertEquals("up", row.get("state").asText());
        }
    }

    // --- helpers -------------------------------------------------------------------------------------------

    private <T extends AutoCloseable> T track(T resource) {
        extras.add(resource);
        return resource;
    }

    /** A namespace on the WAN bridge at {@link #STRANGER_IP}, holding no key at all. */
    private Netns stranger() {
        Netns ns = track(Netns.create("str"));
        ns.vethTo(bed.wan(), "wan0", "wstr");
        bed.wan().run("ip", "link", "set", "wstr", "master", "br0");
        ns.run("ip", "addr", "add", STRANGER_IP + "/24", "dev", "wan0");
        return ns;
    }

    /** A site's public key, derived from the private key file the testbed wrote for it. */
    private String publicKeyOf(String site) throws Exception {
        byte[] privateKey = Keys.parsePrivate(Files.readString(dir.resolve(site + ".key")).trim(), site + ".key");
        return Keys.encode(Keys.publicFromPrivate(privateKey));
    }

    private JsonNode statsOf(String site) throws Exception {
        return bed.query(site, "stats");
    }

    private JsonNode crypto(String site) throws Exception {
        JsonNode c = statsOf(site).get("crypto");
        assertNotNull(c, "stats --json without a crypto object");
        return c;
    }

    private JsonNode peers(String site) throws Exception {
        return bed.query(site, "peers");
    }

    /** A peer's drop counter by reason in {@code peers --json}, 0 when absent. */
    private static long peerDrop(JsonNode peers, String peer, String reason) {
        for (JsonNode p : peers) {
            if (p.get("name").asText().equals(peer)) {
                JsonNode n = p.get("drops").get(reason);
                return n == null ? 0 : n.asLong();
            }
        }
        throw new AssertionError("no peer " + peer + " in " + peers);
    }

    private static long drop(JsonNode crypto, String reason) {
        JsonNode n = crypto.get("drops").get(reason);
        assertNotNull(n, "no crypto drop reason '" + reason + "' in " + crypto.get("drops"));
        return n.asLong();
    }

    private static long dropDelta(JsonNode before, JsonNode after, String reason) {
        return drop(after, reason) - drop(before, reason);
    }

    private static long delta(JsonNode before, JsonNode after, String key) {
        return after.get(key).asLong() - before.get(key).asLong();
    }

    /** Every drop reason that moved, with how much. */
    private static Map<String, Long> dropsDelta(JsonNode before, JsonNode after) {
        Map<String, Long> moved = new LinkedHashMap<>();
        after.get("drops").fieldNames().forEachRemaining(reason -> {
            long d = dropDelta(before, after, reason);
            if (d != 0) {
                moved.put(reason, d);
            }
        });
        return moved;
    }

    private static boolean isData(byte[] m) {
        return isSealed(m) && m[1] == TYPE_DATA;
    }

    /** A sealed message: DATA, or CONTROL (path-MTU probes and acks, fragments), which seals the same way. */
    private static boolean isSealed(byte[] m) {
        return m.length >= DATA_OVERHEAD && m[0] == VERSION && (m[1] == TYPE_DATA || m[1] == WireFormat.TYPE_CONTROL)
                && m[2] == 0 && m[3] == 0;
    }

    /** Tapbridge UDP messages by direction ("src>dst"), in capture order. */
    private static Map<String, List<byte[]>> udpMessages(List<Pcap.Packet> packets) {
        Map<String, List<byte[]>> byDirection = new LinkedHashMap<>();
        for (Pcap.Packet p : packets) {
            if (p.isUdp() && (p.sourcePort() == Testbed.PORT || p.destinationPort() == Testbed.PORT)
                    && p.payload().length >= 4) {
                byDirection.computeIfAbsent(p.source() + ">" + p.destination(), k -> new ArrayList<>()).add(p.payload());
            }
        }
        return byDirection;
    }

    /**
     * Tapbridge messages carried on TCP, by direction: each connection's bytes are joined in capture order
     * (a veth neither loses nor reorders) and cut at the 16-bit length prefixes.
     */
    private static Map<String, List<byte[]>> tcpMessages(List<Pcap.Packet> packets) {
        Map<String, ByteArrayOutputStream> streams = new LinkedHashMap<>();
        for (Pcap.Packet p : packets) {
            if (!p.isUdp() && (p.sourcePort() == Testbed.PORT || p.destinationPort() == Testbed.PORT)) {
                streams.computeIfAbsent(p.source() + ":" + p.sourcePort() + ">" + p.destination() + ":"
                        + p.destinationPort(), k -> new ByteArrayOutputStream()).writeBytes(p.payload());
            }
        }
        Map<String, List<byte[]>> byDirection = new LinkedHashMap<>();
        streams.forEach((connection, stream) -> {
            String direction = connection.replaceAll(":\\d+", "");
            List<byte[]> out = byDirection.computeIfAbsent(direction, k -> new ArrayList<>());
            byte[] bytes = stream.toByteArray();
            int at = 0;
            while (at + 2 <= bytes.length) {
                int length = (bytes[at] & 0xff) << 8 | (bytes[at + 1] & 0xff);
                if (at + 2 + length > bytes.length) {
                    break;
                }
                byte[] m = java.util.Arrays.copyOfRange(bytes, at + 2, at + 2 + length);
                assertTrue(m.length >= 4 && m[0] == VERSION, "not a tapbridge message in TCP stream " + connection
                        + " at byte " + at);
                out.add(m);
                at += 2 + length;
            }
        });
        return byDirection;
    }

    /** UDP datagrams the kernel dropped for a full receive buffer, in a namespace. */
    private static long udpReceiveErrors(Netns ns) {
        String[] lines = ns.run("cat", "/proc/net/snmp").split("\n");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].startsWith("Udp:") && lines[i + 1].startsWith("Udp:")) {
                List<String> names = List.of(lines[i].trim().split("\\s+"));
                String[] values = lines[i + 1].trim().split("\\s+");
                return Long.parseLong(values[names.indexOf("RcvbufErrors")]);
            }
        }
        throw new AssertionError("no Udp line in /proc/net/snmp of " + ns.name());
    }

    private static void awaitListening(Netns ns, int port) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!ns.run("ss", "-ltnH").contains(":" + port + " ")) {
            assertTrue(System.nanoTime() < deadlineNs, "nothing listens on port " + port + " in " + ns.name());
            Thread.sleep(100);
        }
    }

    private static void awaitFile(Path file, int seconds) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!Files.exists(file)) {
            assertTrue(System.nanoTime() < deadlineNs, file + " did not appear within " + seconds + " s");
            Thread.sleep(100);
        }
    }

    private static void sleepUntil(long deadlineNs) throws InterruptedException {
        long leftNs = deadlineNs - System.nanoTime();
        if (leftNs > 0) {
            Thread.sleep(leftNs / 1_000_000);
        }
    }
}
