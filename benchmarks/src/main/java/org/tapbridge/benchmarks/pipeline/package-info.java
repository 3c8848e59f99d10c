/**
 * JMH benchmarks of the daemon's data path: the switch and egress stages over ring slots (on one thread,
 * and on their own threads behind a producer), and the seal path through SecureChannel's lock against
 * raw PeerCrypto. Senders are allocation-free stand-ins, so {@code -prof gc} B/op is the stages' own.
 * Run: {@code java -jar benchmarks/target/benchmarks.jar 'pipeline' -f 1 -wi 3 -i 5 -w 2s -r 3s -prof gc}
 */
package org.tapbridge.benchmarks.pipeline;
