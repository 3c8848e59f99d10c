package org.tapbridge.benchmarks.pipeline;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
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
 * The per-frame work of the two ring consumers on one thread, without the ring's hand-off: SwitchStage
 * decides (parse, learn, look up) and EgressStage hands the frame to the peer's sender, a counting
 * stand-in. Slots come from an unstarted {@link FrameRing}, as the real stages see them. Every event
 * ends its batch, so both stages read the clock per frame: the worst case.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SwitchEgressBenchmark {
    private static final int SLOTS = 1024;
    private static final int SLOT_BYTES = 2048;
    private static final int PEERS = 4;
    /** Hosts per side: the MAC table holds 2 x HOSTS entries, all hit in turn. */
    private static final int HOSTS = 256;

    @Param({"64", "1400"})
    int frameLength;

    private SwitchStage switchStage;
    private EgressStage egressStage;
    private final CountingSender[] peerSenders = new CountingSender[PEERS];
    private final FrameEvent[] events = new FrameEvent[SLOTS];
    private long sequence;

    @Setup
    public void setUp() {
        LearningSwitch sw = new LearningSwitch(SwitchSettings.defaults());
        sw.addPort(LearningSwitch.LOCAL_PORT, LearningSwitch.NO_GROUP);
        FrameSender[] senders = new FrameSender[1 + PEERS];
        senders[LearningSwitch.LOCAL_PORT] = new CountingSender();
        for (int p = 1; p <= PEERS; p++) {
            sw.addPort(p, LearningSwitch.MESH_GROUP);
            peerSenders[p - 1] = new CountingSender();
            senders[p] = peerSenders[p - 1];
        }
        switchStage = new SwitchStage(sw, NanoClock.SYSTEM, sw.settings().maxPorts(),
                new PortFlushRequests(sw.settings().maxPorts()));
        egressStage = new EgressStage(senders, nowNs -> { }, NanoClock.SYSTEM);
        FrameRing ring = new FrameRing(SLOTS, SLOT_BYTES, switchStage, egressStage);
        // Teach the switch where the remote hosts are: each behind peer (host % PEERS) + 1.
        for (int h = 0; h < HOSTS; h++) {
            FrameEvent learn = ring.slot(0);
            byte[] f = Frames.ethernet(Frames.host(1, h), Frames.host(2, h), frameLength, h);
            learn.buffer().put(0, f);
            learn.setFrame(1 + h % PEERS, f.length);
            switchStage.onEvent(learn, 0, true);
        }
        for (int i = 0; i < SLOTS; i++) {
            int h = i % HOSTS;
            events[i] = ring.slot(i);
            byte[] f = Frames.ethernet(Frames.host(2, h), Frames.host(1, h), frameLength, 1000 + i);
            events[i].buffer().put(0, f);
        }
    }

    @Benchmark
    public long unicastLocalToPeer() {
        long seq = sequence++;
        FrameEvent event = events[(int) (seq & (SLOTS - 1))];
        // The switch overwrites the decision but not the frame: re-mark it as the TAP reader would.
        event.setFrame(LearningSwitch.LOCAL_PORT, frameLength);
        switchStage.onEvent(event, seq, true);
        egressStage.onEvent(event, seq, true);
        return peerSenders[(int) (seq & (PEERS - 1))].frames();
    }
}
