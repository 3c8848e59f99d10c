/**
 * JMH benchmarks of the IP/TCP rewrites on the data path: the TCP MSS clamp on a non-TCP frame, on TCP
 * data segments (the common case) and on a SYN it rewrites. Each state is owned by its single JMH
 * thread, as the clamp is by its data-path thread.
 * Run: {@code java -jar benchmarks/target/benchmarks.jar 'MssClamp' -f 1 -wi 2 -i 3 -w 1s -r 1s -prof gc}
 */
package org.tapbridge.benchmarks.inet;
