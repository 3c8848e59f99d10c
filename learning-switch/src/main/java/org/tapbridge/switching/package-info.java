/**
 * The MAC-learning switch: table, split horizon, aging, limits, storm control and counters.
 *
 * <p>The data-path thread (the run-to-completion loop in the bridge) owns everything in this package: there are
 * no locks and no volatile fields. Control requests (add a port, dump, snapshot) must run on that
 * thread, for example as events on the ring; what they return (dumps, counter snapshots) is
 * immutable and may then be handed to any thread. The data path ({@link
 * org.tapbridge.switching.LearningSwitch#forward}) allocates nothing.
 */
package org.tapbridge.switching;
