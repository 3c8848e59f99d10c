/**
 * JMH benchmarks of the daemon's data path: the run-to-completion loop's cost per frame (read, switch,
 * MSS-clamp check, seal, send batch) on the real classes driven on the benchmark thread, next to the JCE's
 * own AES-GCM seal. The TAP and the network are allocation-free stand-ins, so {@code -prof gc} B/op is the
 * loop's own plus the JCE's.
 * Run: {@code java -jar benchmarks/target/benchmarks.jar 'Loop' -f 1 -wi 3 -i 5 -w 1s -r 2s -prof gc}
 */
package org.tapbridge.benchmarks.pipeline;
