package org.tapbridge.daemon;

import java.io.IOException;

/**
 * A site needs more direct memory than the JVM may allocate: a setting to change, which a restart cannot
 * fix, so {@code tapbridge run} exits 2 on it.
 */
public final class DirectMemoryException extends IOException {
    DirectMemoryException(String message) {
        super(message);
    }
}
