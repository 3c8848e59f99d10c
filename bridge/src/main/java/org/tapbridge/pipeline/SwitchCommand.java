package org.tapbridge.pipeline;

import org.tapbridge.switching.LearningSwitch;

/** Work that must run on the switch thread, the only thread allowed to touch the switch's state. */
@FunctionalInterface
public interface SwitchCommand {
    void run(LearningSwitch learningSwitch, long nowNs);
}
