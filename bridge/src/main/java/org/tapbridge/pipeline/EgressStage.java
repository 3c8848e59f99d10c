package org.tapbridge.pipeline;

import com.lmax.disruptor.EventHandler;
import org.tapbridge.switching.LearningSwitch;

/**
 * Second ring consumer, on the {@code egress} thread: carries out the switch's decision by writing
 * to the TAP or sending to peer links, and runs the links' periodic duties on ticks.
 */
public final class EgressStage implements EventHandler<FrameEvent> {
    private final FrameSender[] sendersByPort;
    private final java.util.function.LongConsumer tickHook;
    private final NanoClock clock;
    private long nowNs;
    private boolean clockStale = true;

    /**
     * @param sendersByPort indexed by switch port; null where no port exists
     * @param tickHook periodic duty shared by all links (session timers), run before the senders' own
     */
    public EgressStage(FrameSender[] sendersByPort, java.util.function.LongConsumer tickHook, NanoClock clock) {
        this.sendersByPort = sendersByPort;
        this.tickHook = tickHook;
        this.clock = clock;
    }

    @Override
    public void onEvent(FrameEvent event, long sequence, boolean endOfBatch) {
        if (clockStale) {
            nowNs = clock.nanoTime();
            clockStale = false;
        }
        if (event.type == FrameEvent.FRAME) {
            send(event);
        } else if (event.type == FrameEvent.TICK) {
            tickHook.accept(nowNs);
            for (FrameSender sender : sendersByPort) {
                if (sender != null) {
                    sender.onTick(nowNs);
                }
            }
        }
        if (endOfBatch) {
            clockStale = true;
        }
    }

    private void send(FrameEvent event) {
        int egress = event.egressPort;
        if (egress >= 0) {
            sendTo(egress, event);
        } else if (egress == LearningSwitch.FLOOD) {
            int[] ports = event.floodPorts;
            for (int i = 0; i < ports.length; i++) {
                sendTo(ports[i], event);
            }
        }
    }

    private void sendTo(int port, FrameEvent event) {
        FrameSender sender = port < sendersByPort.length ? sendersByPort[port] : null;
        if (sender != null) {
            sender.send(event.buffer(), event.length, nowNs);
        }
    }
}
