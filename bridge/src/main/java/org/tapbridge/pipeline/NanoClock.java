package org.tapbridge.pipeline;

/** A monotonic clock in nanoseconds; faked in tests so aging and keepalives can be driven by hand. */
@FunctionalInterface
public interface NanoClock {
    NanoClock SYSTEM = System::nanoTime;

    long nanoTime();
}
