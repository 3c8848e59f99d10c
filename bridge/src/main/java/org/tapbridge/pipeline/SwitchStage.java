package org.tapbridge.pipeline;

import com.lmax.disruptor.EventHandler;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.ethernet.FrameStatus;
import org.tapbridge.switching.LearningSwitch;

/**
 * First ring consumer, on the {@code switch} thread: the only owner of the learning switch. Decides
 * each frame's egress and runs commands (dumps, port changes) between frames, so the switch needs no
 * locks.
 */
public final class SwitchStage implements EventHandler<FrameEvent> {
    private final LearningSwitch learningSwitch;
    private final EthernetFrame frame = new EthernetFrame();
    private final NanoClock clock;
    private final long[] malformedByPort;
    private long nowNs;
    private boolean clockStale = true;
    private volatile long lastTickNs;

    private final PortFlushRequests flushRequests;

    public SwitchStage(LearningSwitch learningSwitch, NanoClock clock, int maxPorts, PortFlushRequests flushRequests) {
        this.learningSwitch = learningSwitch;
        this.flushRequests = flushRequests;
        this.clock = clock;
        this.malformedByPort = new long[maxPorts];
    }

    @Override
    public void onEvent(FrameEvent event, long sequence, boolean endOfBatch) {
        // One clock read per batch: frames of one batch arrived together.
        if (clockStale) {
            nowNs = clock.nanoTime();
            clockStale = false;
        }
        switch (event.type) {
            case FrameEvent.FRAME -> decide(event);
            case FrameEvent.TICK -> {
                flushRequests.drainInto(learningSwitch);
                learningSwitch.tick(nowNs);
                lastTickNs = nowNs;
            }
            case FrameEvent.COMMAND -> event.command.run(learningSwitch, nowNs);
            default -> { }
        }
        if (endOfBatch) {
            clockStale = true;
        }
    }

    private void decide(FrameEvent event) {
        int status = frame.wrap(event.buffer(), 0, event.length);
        if (status != FrameStatus.OK) {
            malformedByPort[event.ingressPort]++;
            event.egressPort = LearningSwitch.DROP;
            return;
        }
        int egress = learningSwitch.forward(event.ingressPort, frame, nowNs);
        event.egressPort = egress;
        // The flood list is swapped, never mutated, when ports change: handing the reference to the
        // egress thread through the ring is safe.
        event.floodPorts = egress == LearningSwitch.FLOOD ? learningSwitch.floodPorts(event.ingressPort) : null;
    }

    /** When the switch thread last handled a tick: a stuck ring shows here first. Any thread. */
    public long lastTickNs() {
        return lastTickNs;
    }

    /** Frames too short or truncated to parse, by ingress port. Read only on the switch thread. */
    public long malformed(int port) {
        return malformedByPort[port];
    }
}
