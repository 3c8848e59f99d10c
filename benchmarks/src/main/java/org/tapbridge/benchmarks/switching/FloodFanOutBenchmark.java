package org.tapbridge.benchmarks.switching;

import java.nio.ByteBuffer;
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
import org.openjdk.jmh.infra.Blackhole;
import org.tapbridge.ethernet.EtherType;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.ethernet.MacAddress;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.switching.SwitchSettings;

/**
 * A flood from the local TAP to 8 full-mesh peers: the decision plus walking the precomputed flood
 * list, handing each egress port to a stand-in for the egress stage.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class FloodFanOutBenchmark {
    private static final int PEERS = 8;
    private static final int SOURCES = 256;
    private static final int FRAME_BYTES = 64;
    private static final long NS_PER_FRAME = 50;

    private LearningSwitch sw;
    private final EthernetFrame frame = new EthernetFrame();
    private ByteBuffer broadcasts;
    private ByteBuffer unknownUnicasts;
    private int next;
    private long nowNs;

    @Setup(Level.Trial)
    public void setUp() {
        // Storm control and the unknown-unicast limit off: this measures fan-out, not the token buckets
        // (which would drop most frames here).
        sw = new LearningSwitch(SwitchSettings.builder().stormControlPacketsPerSecond(0)
                .unknownUnicastPacketsPerSecond(0).build());
        for (int peer = 1; peer <= PEERS; peer++) {
            sw.addPort(peer, LearningSwitch.MESH_GROUP);
        }
        if (sw.floodPortCount(LearningSwitch.LOCAL_PORT) != PEERS) {
            throw new IllegalStateException("flood list " + sw.floodPortCount(LearningSwitch.LOCAL_PORT));
        }
        broadcasts = ByteBuffer.allocateDirect(SOURCES * FRAME_BYTES);
        unknownUnicasts = ByteBuffer.allocateDirect(SOURCES * FRAME_BYTES);
        for (int i = 0; i < SOURCES; i++) {
            long source = 0x02_00_00_00_10_00L | i;
            int at = i * FRAME_BYTES;
            MacAddress.write(broadcasts, at, MacAddress.BROADCAST);
            MacAddress.write(broadcasts, at + 6, source);
            broadcasts.putShort(at + 12, (short) EtherType.ARP);
            MacAddress.write(unknownUnicasts, at, 0x02_EE_00_00_00_00L | i);
            MacAddress.write(unknownUnicasts, at + 6, source);
            unknownUnicasts.putShort(at + 12, (short) EtherType.IPV4);
        }
        nowNs = TimeUnit.DAYS.toNanos(1);
    }

    private void fanOut(ByteBuffer frames, Blackhole egress) {
        int i = next++ & (SOURCES - 1);
        nowNs += NS_PER_FRAME;
        frame.wrap(frames, i * FRAME_BYTES, FRAME_BYTES);
        int decision = sw.forward(LearningSwitch.LOCAL_PORT, frame, nowNs);
        if (decision == LearningSwitch.FLOOD) {
            for (int port : sw.floodPorts(LearningSwitch.LOCAL_PORT)) {
                egress.consume(port);
            }
        } else {
            egress.consume(decision);
        }
    }

    @Benchmark
    public void broadcastTo8Ports(Blackhole egress) {
        fanOut(broadcasts, egress);
    }

    @Benchmark
    public void unknownUnicastTo8Ports(Blackhole egress) {
        fanOut(unknownUnicasts, egress);
    }
}
