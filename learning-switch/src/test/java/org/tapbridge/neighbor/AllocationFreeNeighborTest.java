package org.tapbridge.neighbor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.switching.SwitchSettings;

/** Proves that inspecting ARP and ND (learning, conflicts, aging, answers, drops) allocates nothing. */
class AllocationFreeNeighborTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void inspectingHalfAMillionMixedMessagesAllocatesNothing() {
        assumeTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM cannot count allocated bytes per thread");
        System.Logger off = new System.Logger() {
            @Override
            public String getName() {
                return "off";
            }

            @Override
            public boolean isLoggable(Level level) {
                return false;
            }

            @Override
            public void log(Level level, java.util.ResourceBundle bundle, String msg, Throwable thrown) {
            }

            @Override
            public void log(Level level, java.util.ResourceBundle bundle, String format, Object... params) {
            }
        };
        NeighborSuppressor suppressor = new NeighborSuppressor(SwitchSettings.builder().arpSuppression(true)
                .neighborTableLimit(200).neighborAgingSeconds(1).build(), off, 3);
        SplittableRandom random = new SplittableRandom(5);
        List<ByteBuffer> frames = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            long mac = 0x02_00_00_00_01_00L | random.nextInt(40);
            long asker = 0x02_00_00_00_02_00L | random.nextInt(40);
            int ip = NeighborFrames.ip(192, 0, 2, random.nextInt(200));
            int askerIp = NeighborFrames.ip(198, 51, 100, random.nextInt(200));
            byte[] target = NeighborFrames.linkLocal(1 + random.nextInt(300));
            byte[] source = NeighborFrames.linkLocal(400 + random.nextInt(300));
            byte[] group = NeighborFrames.solicitedNode(target);
            switch (random.nextInt(6)) {
                case 0 -> frames.add(NeighborFrames.arp(NeighborFrames.BROADCAST, mac, 2, mac, ip, asker, askerIp));
                case 1 -> frames.add(NeighborFrames.arp(NeighborFrames.BROADCAST, asker, 1, asker, askerIp, 0, ip));
                case 2 -> frames.add(NeighborFrames.advertisement(asker, mac, target, source, 0x60, target, mac));
                case 3 -> frames.add(NeighborFrames.solicitation(NeighborFrames.multicastMac(group), asker, source, group,
                        target, asker));
                case 4 -> frames.add(NeighborFrames.nd(asker, mac, target, source, 136, 0x60, target,
                        NeighborFrames.option(2, mac), 64));
                default -> frames.add(NeighborFrames.arp(NeighborFrames.BROADCAST, mac, 1, 0, ip, 0, ip));
            }
        }
        int[] ports = new int[frames.size()];
        for (int i = 0; i < ports.length; i++) {
            ports[i] = random.nextInt(3);
        }
        EthernetFrame frame = new EthernetFrame();
        long[] nowNs = {1_000_000_000L};
        int[] answers = new int[1];
        Runnable run = () -> {
            for (int i = 0; i < 500_000; i++) {
                ByteBuffer f = frames.get(i % frames.size());
                frame.wrap(f, 0, f.limit());
                if (suppressor.inspect(ports[i % ports.length], frame, nowNs[0]) == NeighborSuppressor.ANSWER) {
                    answers[0]++;
                }
                nowNs[0] += 20_000;
                if (i % 100_000 == 0) {
                    // A quiet spell longer than the aging time: bindings expire, by sweep and by lookup.
                    nowNs[0] += 2_000_000_000L;
                }
                if (i % 5_000 == 0) {
                    suppressor.tick(nowNs[0]);
                }
            }
        };
        run.run();
        run.run();
        long[] allocated = new long[3];
        for (int r = 0; r < allocated.length; r++) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            run.run();
            allocated[r] = THREADS.getCurrentThreadAllocatedBytes() - before;
        }
        String runs = java.util.Arrays.toString(allocated) + " bytes allocated by runs of 500 000 messages";
        // One object per message would be >= 8 MB per run. A run may still meet the JIT's one-off work (an OSR
        // or a deoptimisation), as the switch's own test allows; the steady state is exactly zero.
        for (long bytes : allocated) {
            assertTrue(bytes < 1024, runs);
        }
        assertEquals(0, java.util.Arrays.stream(allocated).min().orElseThrow(), "steady state allocates nothing: " + runs);
        NeighborCounters c = suppressor.counters();
        assertTrue(answers[0] > 0 && c.value(NeighborCounters.CONFLICTS) > 0 && c.value(NeighborCounters.AGED) > 0
                && c.value(NeighborCounters.LIMIT_HIT) > 0 && c.dropped() > 0, c.toMap().toString());
    }
}
