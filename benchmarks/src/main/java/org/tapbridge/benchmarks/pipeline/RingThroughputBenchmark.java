package org.tapbridge.benchmarks.pipeline;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.tapbridge.pipeline.EgressStage;
import org.tapbridge.pipeline.FrameEvent;
import org.tapbridge.pipeline.FrameRing;
import org.tapbridge.pipeline.FrameSender;
import org.tapbridge.pipeline.NanoClock;
import org.tapbridge.pipeline.PortFlushRequests;
import org.tapbridge.pipeline.SwitchStage;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.switching.SwitchSettings;

/**
 * Frames per second through the started ring: the benchmark thread plays the TAP reader (claim, copy
 * the frame in, publish) and the real {@code switch} and {@code egress} threads consume, handing each
 * frame to a counting stand-in for the peer link. A full ring makes the producer wait, so the score is
 * the pipeline's rate. Three busy threads on a two-core machine: expect noise.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RingThroughputBenchmark {
    private static final int SLOTS = 4096;
    private static final int SLOT_BYTES = 2048;
    private static final int HOSTS = 256;

    @Param({"1400"})
    int frameLength;

    private FrameRing ring;
    private final byte[][] frames = new byte[HOSTS][];
    private final CountingSender peer = new CountingSender();
    private long produced;

    @Setup(Level.Trial)
    public void setUp() {
        LearningSwitch sw = new LearningSwitch(SwitchSettings.defaults());
        sw.addPort(LearningSwitch.LOCAL_PORT, LearningSwitch.NO_GROUP);
        sw.addPort(1, LearningSwitch.MESH_GROUP);
        for (int h = 0; h < HOSTS; h++) {
            sw.addStaticEntry(0, Frames.host(2, h), 1);
            frames[h] = Frames.ethernet(Frames.host(2, h), Frames.host(1, h), frameLength, h);
        }
        FrameSender[] senders = {new CountingSender(), peer};
        SwitchStage switchStage = new SwitchStage(sw, NanoClock.SYSTEM, sw.settings().maxPorts(),
                new PortFlushRequests(sw.settings().maxPorts()));
        ring = new FrameRing(SLOTS, SLOT_BYTES, switchStage, new EgressStage(senders, nowNs -> { },
                NanoClock.SYSTEM));
        ring.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ring.stop(2000);
        if (peer.frames() != produced) {
            throw new IllegalStateException("the peer got " + peer.frames() + " of " + produced + " frames");
        }
    }

    @Benchmark
    public void publishOneFrame() {
        long seq = ring.claim();
        FrameEvent event = ring.slot(seq);
        byte[] f = frames[(int) (seq % HOSTS)];
        event.buffer().put(0, f);
        event.setFrame(LearningSwitch.LOCAL_PORT, f.length);
        ring.publish(seq);
        produced++;
    }
}
