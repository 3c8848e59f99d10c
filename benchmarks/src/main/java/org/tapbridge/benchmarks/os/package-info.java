/**
 * JMH benchmarks of the native socket layer against the JDK's NIO: per-datagram cost of a loopback send
 * plus receive. Run: {@code java -jar benchmarks/target/benchmarks.jar 'Mmsg' -f 1 -wi 2 -i 3 -w 1s -r 1s -prof gc}.
 * {@code GsoBenchmark}: the same for 64 x 1400 bytes with and without UDP segmentation and coalescing.
 */
package org.tapbridge.benchmarks.os;
