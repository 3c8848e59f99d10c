/**
 * JMH benchmarks of the offload path: cutting a 64 KB TCP super-frame read from the TAP into 1448-byte
 * segments ({@code SegmentBenchmark}), joining those segments back into one super-frame
 * ({@code CoalesceBenchmark}), and the checksum sums underneath ({@code ChecksumSumBenchmark}). Each state is
 * owned by its single JMH thread, as the offload objects are by the data-path thread.
 * Run: {@code java -jar benchmarks/target/benchmarks.jar 'Segment|Coalesce' -f 1 -wi 3 -i 5 -w 1s -r 2s -prof gc}
 */
package org.tapbridge.benchmarks.offload;
