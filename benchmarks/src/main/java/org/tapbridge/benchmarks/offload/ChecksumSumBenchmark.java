package org.tapbridge.benchmarks.offload;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.tapbridge.inet.InternetChecksum;

/**
 * The Internet checksum over one segment's payload (1448 bytes) and a 64 KB super-frame: the 16-bit loop
 * ({@code InternetChecksum.sum}) against eight bytes per read ({@code bulkSum}), and a plain copy of the same
 * bytes for scale.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChecksumSumBenchmark {
    @Param({"1448", "65536"})
    public int length;

    @Param({"direct", "heap"})
    public String memory;

    private ByteBuffer data;
    private ByteBuffer copy;

    @Setup
    public void setUp() {
        boolean direct = memory.equals("direct");
        data = SuperFrames.allocate(direct, length + 1);
        copy = SuperFrames.allocate(direct, length + 1);
        byte[] bytes = new byte[length + 1];
        new SplittableRandom(1071).nextBytes(bytes);
        data.put(0, bytes);
        if (InternetChecksum.sum(data, 1, length, 0) != InternetChecksum.bulkSum(data, 1, length, 0)
                || InternetChecksum.sum(data, 1, length, 7) != InternetChecksum.copyAndSum(data, 1, copy, 1, length, 7)) {
            throw new IllegalStateException("bulkSum disagrees with sum");
        }
    }

    /** Starts at an odd index, as a payload after a 14-byte Ethernet header often does in memory. */
    @Benchmark
    public int wordSum() {
        return InternetChecksum.sum(data, 1, length, 0);
    }

    @Benchmark
    public int bulkSum() {
        return InternetChecksum.bulkSum(data, 1, length, 0);
    }

    @Benchmark
    public int copyThenBulkSum() {
        copy.put(1, data, 1, length);
        return InternetChecksum.bulkSum(copy, 1, length, 0);
    }

    @Benchmark
    public int copyAndSum() {
        return InternetChecksum.copyAndSum(data, 1, copy, 1, length, 0);
    }

    @Benchmark
    public ByteBuffer copy() {
        return copy.put(1, data, 1, length);
    }
}
