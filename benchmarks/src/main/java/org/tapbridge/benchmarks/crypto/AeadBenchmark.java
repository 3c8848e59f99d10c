package org.tapbridge.benchmarks.crypto;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.tapbridge.crypto.Aead;
import org.tapbridge.crypto.AeadKind;
import org.tapbridge.crypto.Aeads;
import org.tapbridge.crypto.JceAead;

/**
 * One AES-256-GCM seal, and one open, of a frame the way the data path lays it out: the frame in a ring
 * slot (direct) sealed behind its 16-byte header into a send-batch entry (direct), and a received message
 * opened from where it landed. Paths:
 * <ul>
 *   <li>{@code jceHeap}: the JCE on byte[] with no direct memory at all, the floor of the next one;</li>
 *   <li>{@code jceHeapScratch}: today's {@code PeerCrypto}: direct memory copied into a heap scratch array,
 *       sealed or opened there in place, the result copied back;</li>
 *   <li>{@code jceByteBuffer}: the JCE's own ByteBuffer API straight on the direct buffers;</li>
 *   <li>{@code openssl}: libcrypto's EVP through JNR-FFI on the direct buffers' addresses.</li>
 * </ul>
 * Open writes the plaintext beside the message rather than over it, so each invocation opens the same
 * valid message; for OpenSSL and the scratch path that costs what in place does. Run with {@code -prof gc}
 * under each JDK to see what the JCE allocates.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AeadBenchmark {
    private static final int HEADER = 16;
    private static final int TAG = Aead.TAG_LENGTH;
    private static final long OPEN_COUNTER = 12_345;

    @Param({"64", "1400", "9000", "65000"})
    int size;

    @Param({"jceHeap", "jceHeapScratch", "jceByteBuffer", "openssl"})
    String path;

    private Aead sealer;
    private Aead opener;
    private JceAead jceSealer;
    private JceAead jceOpener;
    private boolean heap;
    /** The frame after 16 bytes of header room, as in a ring slot. */
    private ByteBuffer slot;
    /** A message: header, ciphertext, tag. Seal writes here; open reads the one sealed at set-up. */
    private ByteBuffer wire;
    private ByteBuffer sealedMessage;
    private byte[] slotArray;
    private byte[] wireArray;
    private byte[] sealedArray;
    private long counter;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(42);
        byte[] key = bytes(random, 32);
        switch (path) {
            case "jceHeap", "jceHeapScratch" -> {
                jceSealer = JceAead.sealer(key);
                jceOpener = JceAead.opener(key);
                sealer = jceSealer;
                opener = jceOpener;
            }
            case "jceByteBuffer" -> {
                sealer = JceAead.sealer(key, JceAead.DirectPath.BYTE_BUFFER_API);
                opener = JceAead.opener(key, JceAead.DirectPath.BYTE_BUFFER_API);
            }
            case "openssl" -> {
                sealer = Aeads.sealer(AeadKind.OPENSSL, key);
                opener = Aeads.opener(AeadKind.OPENSSL, key);
            }
            default -> throw new IllegalArgumentException("unknown path " + path);
        }
        heap = path.equals("jceHeap");
        int capacity = HEADER + size + TAG;
        byte[] frame = bytes(random, capacity);
        byte[] header = bytes(random, HEADER);
        slot = ByteBuffer.allocateDirect(capacity).put(0, frame);
        wire = ByteBuffer.allocateDirect(capacity).put(0, header);
        sealedMessage = ByteBuffer.allocateDirect(capacity).put(0, header);
        slotArray = frame.clone();
        wireArray = new byte[capacity];
        System.arraycopy(header, 0, wireArray, 0, HEADER);
        try (Aead once = Aeads.sealer(AeadKind.JCE, key)) {
            once.seal(OPEN_COUNTER, sealedMessage, 0, HEADER, slot, HEADER, size, sealedMessage, HEADER);
        }
        sealedArray = new byte[capacity];
        sealedMessage.get(0, sealedArray);
        if (open() != size) {
            throw new IllegalStateException("benchmark set-up: " + path + " does not open the sealed message");
        }
    }

    @TearDown
    public void tearDown() {
        sealer.close();
        opener.close();
    }

    @Benchmark
    public int seal() {
        long n = counter++;
        if (heap) {
            return jceSealer.seal(n, wireArray, 0, HEADER, slotArray, HEADER, size, wireArray, HEADER);
        }
        return sealer.seal(n, wire, 0, HEADER, slot, HEADER, size, wire, HEADER);
    }

    @Benchmark
    public int open() {
        if (heap) {
            return jceOpener.open(OPEN_COUNTER, sealedArray, 0, HEADER, sealedArray, HEADER, size + TAG, slotArray,
                    HEADER);
        }
        return opener.open(OPEN_COUNTER, sealedMessage, 0, HEADER, sealedMessage, HEADER, size + TAG, slot, HEADER);
    }

    private static byte[] bytes(SplittableRandom random, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) random.nextInt();
        }
        return b;
    }
}
