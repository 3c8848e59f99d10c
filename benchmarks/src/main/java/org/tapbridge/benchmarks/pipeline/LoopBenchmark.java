package org.tapbridge.benchmarks.pipeline;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.tapbridge.crypto.DataMessage;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.crypto.AeadKind;
import org.tapbridge.crypto.TransportCipher;
import org.tapbridge.pipeline.DrivenSite;

/**
 * The data-path loop's cost per frame from the TAP: one batch of 64 frames read into ring slots, switched,
 * MSS-clamp checked (every frame an IPv4 TCP segment), sealed into the send batch and flushed, on the real
 * classes driven on the benchmark thread ({@link DrivenSite}). {@link #jceSealOnly} is the JCE's part: the
 * AES-GCM seal exactly as {@code PeerCrypto} calls it on the loop. With {@code -prof gc}, B/op of the loop
 * minus the JCE's (times the peers a frame goes to) is what our code allocates per frame.
 * Run: {@code java -jar benchmarks/target/benchmarks.jar 'Loop' -f 1 -wi 3 -i 5 -w 1s -r 2s -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LoopBenchmark {

    /** Site a with its peers up; frames to b's learned host (one seal each) or flooded to b and c (two). */
    @State(Scope.Thread)
    public static class Site {
        @Param({"64", "1400"})
        int frameLength;

        @Param({"unicast", "flood2"})
        String delivery;

        DrivenSite site;
        long arrivalsBefore;
        long framesBefore;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            site = new DrivenSite(frameLength, delivery.equals("flood2"));
            arrivalsBefore = site.arrivals();
            framesBefore = site.batch();
        }

        /** Every frame the benchmark released reached every peer it was meant for: nothing was skipped. */
        @TearDown(Level.Trial)
        public void tearDown() {
            long frames = site.batch() - framesBefore;
            long arrived = site.arrivals() - arrivalsBefore;
            site.close();
            if (arrived != (frames + DrivenSite.BATCH) * site.peers()) {
                throw new IllegalStateException(arrived + " messages reached the peers for " + frames
                        + " frames to " + site.peers() + " peer(s)");
            }
        }
    }

    /** A sealer with the loop's layout: PeerCrypto's scratch array, header at 0, payload at 16. */
    @State(Scope.Thread)
    public static class Jce {
        @Param({"64", "1400"})
        int frameLength;

        TransportCipher sealer;
        byte[] scratch;
        long counter;

        @Setup(Level.Trial)
        public void setUp() {
            byte[] key = new byte[32];
            Random random = new Random(42);
            random.nextBytes(key);
            sealer = TransportCipher.sealer(AeadKind.JCE, key);
            scratch = new byte[DataMessage.HEADER_LENGTH + PeerCrypto.MAX_FRAME_LENGTH + TransportCipher.TAG_LENGTH];
            random.nextBytes(scratch);
        }
    }

    @Benchmark
    @OperationsPerInvocation(DrivenSite.BATCH)
    public long loopBatch(Site s) {
        return s.site.batch();
    }

    /** 64 seals per invocation, like one batch: {@code TransportCipher.seal(counter, scratch, 0, 16, 16, len)}. */
    @Benchmark
    @OperationsPerInvocation(DrivenSite.BATCH)
    public int jceSealOnly(Jce s) {
        int sealed = 0;
        for (int i = 0; i < DrivenSite.BATCH; i++) {
            sealed += s.sealer.seal(s.counter++, s.scratch, 0, DataMessage.HEADER_LENGTH, DataMessage.HEADER_LENGTH,
                    s.frameLength);
        }
        return sealed;
    }
}
