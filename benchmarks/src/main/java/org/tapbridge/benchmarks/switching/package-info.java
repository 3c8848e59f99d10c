/**
 * JMH benchmarks of the learning switch: forwarding decisions on a full 16k-entry table and flood
 * fan-out. Each benchmark state is owned by its single JMH thread, as the switch is by the data-path thread.
 * Run: {@code java -jar benchmarks/target/benchmarks.jar 'switching' -f 1 -wi 3 -i 5 -prof gc}
 */
package org.tapbridge.benchmarks.switching;
