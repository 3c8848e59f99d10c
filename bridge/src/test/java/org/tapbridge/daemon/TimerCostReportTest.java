package org.tapbridge.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.link.DatagramPort;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.LinkTimers;
import org.tapbridge.link.SlotDatagramNetwork;
import org.tapbridge.link.StreamNetwork;
import org.tapbridge.pipeline.LoopWaiter;
import org.tapbridge.pipeline.NanoClock;
import org.tapbridge.switching.SwitchSettings;
import org.tapbridge.tap.ScriptedTapDevice;
import org.tapbridge.tap.TapDevice;
import org.tapbridge.testing.TestKeys;

/** The loop's timers run where frames wait for them; {@code stats} shows their count, time and slow ones. */
class TimerCostReportTest {
    @Test
    void statsCountTicksAndTheTimeTheyTook() throws Exception {
        long startNs = System.nanoTime();
        JsonNode loop = loopStatsAfterTicks(NanoClock.SYSTEM, 500);
        long elapsedUs = (System.nanoTime() - startNs) / 1_000;
        long ticks = loop.get("ticks").asLong();
        // One tick per 100 ms of the loop's life, not one per turn; their time is part of that life.
        assertTrue(ticks >= 3 && ticks <= elapsedUs / 100_000 + 1, loop + " in " + elapsedUs + " us");
        assertTrue(loop.get("tick-microseconds").asLong() < elapsedUs, loop + " in " + elapsedUs + " us");
        assertTrue(loop.get("slow-ticks").asLong() <= ticks, loop.toString());
    }

    @Test
    void aTickThatTakesLongerThanAMillisecondIsCountedSlow() throws Exception {
        // Every reading of this clock is 3 ms after the last: every tick appears to take at least 3 ms.
        AtomicLong fake = new AtomicLong(System.nanoTime());
        JsonNode loop = loopStatsAfterTicks(() -> fake.addAndGet(3_000_000L), 300);
        long ticks = loop.get("ticks").asLong();
        assertTrue(ticks > 0, loop.toString());
        assertEquals(ticks, loop.get("slow-ticks").asLong(), loop.toString());
        assertTrue(loop.get("tick-microseconds").asLong() >= 3_000 * ticks, loop.toString());
    }

    private static JsonNode loopStatsAfterTicks(NanoClock clock, long waitMs) throws Exception {
        TestKeys own = TestKeys.generate();
        TestKeys peer = TestKeys.generate();
        InetSocketAddress listen = new InetSocketAddress("198.18.0.1", 51820);
        SiteConfig site = new SiteConfig(Path.of("(test)"), "a", "tapa", 0, listen, null, null,
                SwitchSettings.builder().build(),
                List.of(new PeerConfig("b", new InetSocketAddress("198.18.0.2", 51820), Transport.UDP,
                        peer.publicBase64(), null, false)), List.of());
        LinkSecurity keys = new LinkSecurity(own.privateKey(), Map.of("b", peer.publicKey()), Map.of(),
                SessionSettings.defaults());
        MemoryPlatform memory = new MemoryPlatform(new ScriptedTapDevice("tapa", 1500, new byte[][] {new byte[60]}),
                new SlotDatagramNetwork(8, 2048));
        try (Daemon daemon = Daemon.start(site, keys, new ClockedPlatform(memory, clock), LinkTimers.defaults(), false)) {
            Thread.sleep(waitMs);
            return new ObjectMapper().readTree(new SiteReports(daemon).stats(true)).get("loop");
        }
    }

    /** The in-memory platform with another clock. */
    private record ClockedPlatform(MemoryPlatform memory, NanoClock clock) implements Platform {
        @Override
        public TapDevice openTap(String name, int mtu, boolean offloads) {
            return memory.openTap(name, mtu, offloads);
        }

        @Override
        public DatagramPort bindUdp(InetSocketAddress listen, boolean segment, boolean coalesce) throws IOException {
            return memory.bindUdp(listen, segment, coalesce);
        }

        @Override
        public StreamNetwork streams() {
            return memory.streams();
        }

        @Override
        public LoopWaiter newWaiter() {
            return memory.newWaiter();
        }
    }
}
