package org.tapbridge.benchmarks.crypto;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.spec.GCMParameterSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.tapbridge.crypto.AeadKind;
import org.tapbridge.crypto.JceAead;
import org.tapbridge.crypto.TransportCipher;

/**
 * Seal plus open of one Ethernet frame through {@link TransportCipher}, as the data path does it: on a heap
 * byte[], on a direct buffer through the JCE's ByteBuffer API, and on a direct buffer copied through a heap
 * scratch array, all on the JDK's AES-GCM. Run with {@code -prof gc} to see the JCE's allocation per frame;
 * {@link AeadBenchmark} sets it against OpenSSL.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SealOpenBenchmark {
    private static final int HEADER = 16;
    private static final int TAG = TransportCipher.TAG_LENGTH;

    @Param({"1500"})
    int frameLength;

    private TransportCipher sealer;
    private TransportCipher opener;
    private JceAead bufferSealer;
    private JceAead bufferOpener;
    private byte[] heap;
    private ByteBuffer direct;
    private byte[] scratch;
    private long counter;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(42);
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) random.nextInt();
        }
        sealer = TransportCipher.sealer(AeadKind.JCE, key);
        opener = TransportCipher.opener(AeadKind.JCE, key);
        bufferSealer = JceAead.sealer(key, JceAead.DirectPath.BYTE_BUFFER_API);
        bufferOpener = JceAead.opener(key, JceAead.DirectPath.BYTE_BUFFER_API);
        heap = new byte[HEADER + frameLength + TAG];
        for (int i = 0; i < heap.length; i++) {
            heap[i] = (byte) random.nextInt();
        }
        direct = ByteBuffer.allocateDirect(heap.length);
        direct.put(0, heap);
        scratch = new byte[heap.length];
    }

    @Benchmark
    public int heapByteArray() {
        long n = counter++;
        int sealed = sealer.seal(n, heap, 0, HEADER, HEADER, frameLength);
        return opener.open(n, heap, 0, HEADER, HEADER, sealed);
    }

    /** The one object our code allocates per operation, since the JCE takes a new nonce no other way. */
    @Benchmark
    public GCMParameterSpec nonceSpecOnly() {
        return new GCMParameterSpec(128, scratch, 0, 12);
    }

    /** Ciphertext into a second array and back: shows what the JCE's in-place handling costs. */
    @Benchmark
    public int heapOutOfPlace() {
        long n = counter++;
        int sealed = sealer.seal(n, heap, 0, HEADER, HEADER, frameLength, scratch, HEADER);
        System.arraycopy(heap, 0, scratch, 0, HEADER);
        return opener.open(n, scratch, 0, HEADER, HEADER, sealed, heap, HEADER);
    }

    @Benchmark
    public int directByteBuffer() {
        long n = counter++;
        int sealed = bufferSealer.seal(n, direct, 0, HEADER, direct, HEADER, frameLength, direct, HEADER);
        return bufferOpener.open(n, direct, 0, HEADER, direct, HEADER, sealed, direct, HEADER);
    }

    /** Both copies included: in to the scratch array before each operation, out after it. */
    @Benchmark
    public int directViaHeapScratch() {
        long n = counter++;
        direct.get(0, scratch, 0, HEADER + frameLength);
        int sealed = sealer.seal(n, scratch, 0, HEADER, HEADER, frameLength);
        direct.put(0, scratch, 0, HEADER + sealed);
        direct.get(0, scratch, 0, HEADER + sealed);
        int opened = opener.open(n, scratch, 0, HEADER, HEADER, sealed);
        direct.put(0, scratch, 0, HEADER + Math.max(opened, 0));
        return opened;
    }
}
