package org.tapbridge.benchmarks.switching;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.tapbridge.ethernet.EtherType;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.switching.SwitchSettings;

/**
 * Lookup + learn on a table holding 16 000 of its 16 384 entries: every frame refreshes its source
 * and looks up its destination at random places in the table, so the table's cache footprint counts.
 * Half the MACs sit behind the local TAP, half behind 8 full-mesh peers.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class MacLookupLearnBenchmark {
    private static final int STATIONS = Integer.getInteger("stations", 16_000);
    private static final int PEERS = 8;
    private static final int FRAMES = 1 << 14;
    private static final int FRAME_BYTES = 64;
    // 50 ns per decision: the switch clock advances about as fast as real time at 20 M decisions/s.
    private static final long NS_PER_FRAME = 50;

    private LearningSwitch sw;
    private final EthernetFrame frame = new EthernetFrame();
    private ByteBuffer knownUnicast;
    private int[] knownIngress;
    private ByteBuffer mix;
    private int[] mixIngress;
    private int[] vlans;
    private long[] sources;
    private long[] destinations;
    private long[] stations;
    private int[] stationPorts;
    private int next;
    private long nowNs;

    @Setup(Level.Trial)
    public void setUp() {
        // Storm control and the unknown-unicast limit off: the mix stands for healthy traffic, not a storm.
        sw = new LearningSwitch(SwitchSettings.builder().stormControlPacketsPerSecond(0)
                .unknownUnicastPacketsPerSecond(0).build());
        for (int peer = 1; peer <= PEERS; peer++) {
            sw.addPort(peer, LearningSwitch.MESH_GROUP);
        }
        SplittableRandom random = new SplittableRandom(2026);
        stations = new long[STATIONS];
        stationPorts = new int[STATIONS];
        Set<Long> distinct = new HashSet<>();
        for (int i = 0; i < STATIONS; i++) {
            // Distinct, or a duplicate on two ports would flap for ever and log.
            do {
                stations[i] = 0x00_1B_21_00_00_00L | random.nextInt(1 << 24);
            } while (!distinct.add(stations[i]));
            stationPorts[i] = i % 2 == 0 ? LearningSwitch.LOCAL_PORT : 1 + random.nextInt(PEERS);
        }
        nowNs = TimeUnit.DAYS.toNanos(1);
        for (int i = 0; i < STATIONS; i++) {
            sw.forward(stationPorts[i], 0, stations[i], MacAddress.BROADCAST, nowNs);
        }
        if (sw.size() != STATIONS) {
            throw new IllegalStateException("setup learned only " + sw.size() + " stations");
        }

        knownUnicast = ByteBuffer.allocateDirect(FRAMES * FRAME_BYTES);
        knownIngress = new int[FRAMES];
        vlans = new int[FRAMES];
        sources = new long[FRAMES];
        destinations = new long[FRAMES];
        for (int i = 0; i < FRAMES; i++) {
            // Local to remote or remote to local: the traffic a gateway actually relays.
            int local = 2 * random.nextInt(STATIONS / 2);
            int remote = 2 * random.nextInt(STATIONS / 2) + 1;
            boolean outbound = random.nextBoolean();
            int src = outbound ? local : remote;
            int dst = outbound ? remote : local;
            sources[i] = stations[src];
            destinations[i] = stations[dst];
            knownIngress[i] = stationPorts[src];
            write(knownUnicast, i, destinations[i], sources[i], EtherType.IPV4);
        }

        // 85% known unicast, 10% broadcast/multicast (ARP, ND, mDNS), 5% unknown unicast.
        mix = ByteBuffer.allocateDirect(FRAMES * FRAME_BYTES);
        mixIngress = new int[FRAMES];
        for (int i = 0; i < FRAMES; i++) {
            int src = random.nextInt(STATIONS);
            int kind = random.nextInt(100);
            long destination;
            if (kind < 85) {
                int dst = stationPorts[src] == LearningSwitch.LOCAL_PORT ? 2 * random.nextInt(STATIONS / 2) + 1
                        : 2 * random.nextInt(STATIONS / 2);
                destination = stations[dst];
            } else if (kind < 90) {
                destination = MacAddress.BROADCAST;
            } else if (kind < 95) {
                destination = 0x01_00_5E_00_00_FBL;
            } else {
                destination = 0x02_EE_00_00_00_00L | random.nextInt(1 << 24);
            }
            mixIngress[i] = stationPorts[src];
            write(mix, i, destination, stations[src], kind < 90 ? EtherType.ARP : EtherType.IPV4);
        }
    }

    private static void write(ByteBuffer buffer, int index, long destination, long source, int etherType) {
        int at = index * FRAME_BYTES;
        MacAddress.write(buffer, at, destination);
        MacAddress.write(buffer, at + 6, source);
        buffer.putShort(at + 12, (short) etherType);
    }

    /** Wrap the frame, learn its source, look up its destination: one full decision. */
    @Benchmark
    public int knownUnicast() {
        int i = next++ & (FRAMES - 1);
        nowNs += NS_PER_FRAME;
        frame.wrap(knownUnicast, i * FRAME_BYTES, FRAME_BYTES);
        return sw.forward(knownIngress[i], frame, nowNs);
    }

    /** The same decision on already decoded header fields, without the frame view. */
    @Benchmark
    public int knownUnicastDecodedHeader() {
        int i = next++ & (FRAMES - 1);
        nowNs += NS_PER_FRAME;
        return sw.forward(knownIngress[i], vlans[i], sources[i], destinations[i], nowNs);
    }

    /** 85% known unicast, 10% broadcast and multicast, 5% unknown unicast. */
    @Benchmark
    public int realisticMix() {
        int i = next++ & (FRAMES - 1);
        nowNs += NS_PER_FRAME;
        frame.wrap(mix, i * FRAME_BYTES, FRAME_BYTES);
        return sw.forward(mixIngress[i], frame, nowNs);
    }
}
