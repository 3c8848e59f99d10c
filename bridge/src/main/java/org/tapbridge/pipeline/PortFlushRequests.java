package org.tapbridge.pipeline;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.tapbridge.switching.LearningSwitch;

/**
 * Ports whose learned MACs must be forgotten (their peer died), handed to the switch thread without
 * going through the ring: the egress thread notices dead peers, and a ring consumer that waited for a
 * slot in its own ring could wait for ever.
 */
public final class PortFlushRequests {
    private final AtomicIntegerArray pending;

    public PortFlushRequests(int ports) {
        this.pending = new AtomicIntegerArray(ports);
    }

    /** Any thread. */
    public void request(int port) {
        pending.set(port, 1);
    }

    /** On the switch thread: forgets the dynamic entries of every requested port, keeping its group. */
    void drainInto(LearningSwitch learningSwitch) {
        for (int port = 0; port < pending.length(); port++) {
            if (pending.get(port) != 0 && pending.compareAndSet(port, 1, 0) && learningSwitch.hasPort(port)) {
                int group = learningSwitch.splitHorizonGroup(port);
                learningSwitch.removePort(port);
                learningSwitch.addPort(port, group);
            }
        }
    }
}
