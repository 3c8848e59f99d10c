package org.tapbridge.benchmarks.crypto;

import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.tapbridge.crypto.CryptoException;
import org.tapbridge.crypto.Keys;
import org.tapbridge.crypto.X25519;

/**
 * One X25519 operation on the JDK's XDH provider: a handshake costs the responder five of them (two to
 * read the initiation, three to answer), so this sets the global handshake rate limit.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HandshakeBenchmark {
    private byte[] privateKey;
    private byte[] peerPublic;

    @Setup
    public void setUp() throws Exception {
        SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
        random.setSeed(7);
        privateKey = Keys.generatePrivate(random);
        peerPublic = Keys.publicFromPrivate(Keys.generatePrivate(random));
    }

    @Benchmark
    public byte[] x25519() throws CryptoException {
        return X25519.dh(privateKey, peerPublic);
    }
}
